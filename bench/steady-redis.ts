// redis-server's memory for the steady-latency benchmark's keys: used_memory before and after
// loading the same keys and values (MSET of 1000 pairs, a few in flight), per key.

import { createClient } from 'redis';
import { redisServerPath, startRedis } from './redis-peer.js';

const PAIRS_PER_MSET = 1000;
const MSETS_IN_FLIGHT = 8;

async function usedMemory(redis: ReturnType<typeof createClient>): Promise<number> {
  const match = /used_memory:(\d+)/.exec(await redis.info('memory'));
  if (match === null) throw new Error('INFO memory has no used_memory');
  return Number(match[1]);
}

/** Bytes per key redis-server uses for `keys` keys `key:<i>` of `value`; undefined without it. */
export async function redisBytesPerKey(keys: number, value: string): Promise<number | undefined> {
  if (redisServerPath() === undefined) return undefined;
  const peer = await startRedis();
  const redis = createClient({ socket: { port: peer.port, host: '127.0.0.1' } });
  try {
    await redis.connect();
    const before = await usedMemory(redis);
    let inflight: Promise<unknown>[] = [];
    for (let i = 0; i < keys; i += PAIRS_PER_MSET) {
      const pairs: string[] = [];
      for (let k = i; k < Math.min(keys, i + PAIRS_PER_MSET); k++) pairs.push(`key:${k}`, value);
      inflight.push(redis.mSet(pairs));
      if (inflight.length >= MSETS_IN_FLIGHT) {
        await Promise.all(inflight);
        inflight = [];
      }
    }
    await Promise.all(inflight);
    return ((await usedMemory(redis)) - before) / keys;
  } finally {
    await redis.quit().catch(() => undefined);
    await peer.stop();
  }
}
