// Differential test of the list commands against a real redis-server (Debian's, 7.0): the same
// seeded random list commands (with strings, deletes and expiries on the same keys) go to Redis and
// to slotdb, and every reply must be the same, errors included. Every 100 steps, and at the end,
// each key's type and whole list are compared too.

import { createClient, RESP_TYPES } from 'redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SlotDB } from '../../dist/src/index.js';
import { type Arg, isTimeDependent } from '../support/commands.js';
import { listKeysState, randomListCommand, type Send } from '../support/list-commands.js';
import { fuzzSeed, Random } from '../support/random.js';
import { type RunningRedis, redisAvailable, startRedis } from '../support/redis-server.js';
import { show } from '../support/show-reply.js';

const STEPS = 4000;
const STATE_EVERY_STEPS = 100;

const name = (args: readonly Arg[]): string => String(args[0]).toUpperCase();

/** Whether Redis's reply shows the command found and did something (not empty, nil, 0 or -1). */
function isHit(args: readonly Arg[], reply: unknown): boolean {
  if (reply instanceof Error || reply === null) return false;
  if (Array.isArray(reply)) return reply.length > 0;
  if (typeof reply === 'number') return name(args) === 'LINSERT' ? reply > 0 : reply !== 0;
  return true;
}

describe.skipIf(!redisAvailable)('list commands against redis-server', () => {
  let server: RunningRedis;
  let redis: ReturnType<typeof createClient>;
  let db: SlotDB;

  beforeAll(async () => {
    server = await startRedis();
    redis = createClient({ socket: { port: server.port, host: '127.0.0.1' } });
    await redis.connect();
    db = await SlotDB.open({ shards: 3 });
  });

  afterAll(async () => {
    await db?.close();
    await redis?.quit();
    await server?.stop();
  });

  it(`replies exactly as Redis to ${STEPS} random list commands`, async () => {
    const seed = fuzzSeed();
    console.log(`list differential seed ${seed} (replay with SLOTDB_FUZZ_SEED=${seed})`);
    const r = new Random(seed);
    await redis.flushAll();
    await db.flushAll();
    const asBuffers = { typeMapping: { [RESP_TYPES.BLOB_STRING]: Buffer } };
    const dbBuffers = db.withBuffers();
    const toRedis: Send = (args) =>
      redis.sendCommand(args, asBuffers).catch((error: Error) => error);
    const toDb: Send = (args) => dbBuffers.sendCommand(args).catch((error: Error) => error);
    const seen = new Set<string>();
    const hits = new Map<string, number>();
    const history: string[] = [];
    for (let step = 0; step < STEPS; step++) {
      const args = randomListCommand(r);
      seen.add(name(args));
      history.push(args.map((a) => (Buffer.isBuffer(a) ? `<${a.toString('hex')}>` : a)).join(' '));
      const [expected, actual] = await Promise.all([toRedis(args), toDb(args)]);
      const where = `seed ${seed}, step ${step}: ${history.slice(-5).join(' | ')}`;
      if (isTimeDependent(args) && typeof expected === 'number' && expected >= 0) {
        expect(Math.abs((actual as number) - expected), where).toBeLessThanOrEqual(1);
      } else {
        expect(show(actual), where).toEqual(show(expected));
      }
      if (isHit(args, expected)) hits.set(name(args), (hits.get(name(args)) ?? 0) + 1);
      if (step % STATE_EVERY_STEPS === 0) {
        expect(await listKeysState(toDb), `state, ${where}`).toEqual(await listKeysState(toRedis));
      }
    }
    expect(await listKeysState(toDb)).toEqual(await listKeysState(toRedis));
    expect(await db.dbSize()).toBe(await redis.dbSize());
    for (const name of ['LPUSH', 'RPUSH', 'LPUSHX', 'RPUSHX', 'LPOP', 'RPOP', 'LLEN', 'LRANGE']) {
      expect(seen).toContain(name);
    }
    for (const name of ['LINDEX', 'LSET', 'LINSERT', 'LREM', 'LTRIM', 'LPOS', 'LMOVE']) {
      expect(seen).toContain(name);
    }
    expect(seen).toContain('RPOPLPUSH');
    expect(seen).toContain('LMPOP');
    // The run reached the interesting cases, not only empty lists and errors.
    for (const name of ['LRANGE', 'LPOS', 'LINSERT', 'LREM', 'LMOVE', 'LMPOP', 'LSET', 'LTRIM']) {
      expect(hits.get(name) ?? 0, `${name} found something`).toBeGreaterThan(5);
    }
  });
});
