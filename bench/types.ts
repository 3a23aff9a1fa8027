// Data-type benchmark (tinybench): pipelined throughput of hashes, sorted sets, lists and sets in
// slotdb against redis-server on the same machine in the same run, through the same node-redis
// method calls (slotdb's methods have node-redis's names and shapes, so one task body serves
// both), and memory per member.
//
//   npm run bench:types -- --rounds 3 --members 200000 --batch 1000 --time 1000
//
// The script runs node with --expose-gc, which the shard inherits: memory is measured after a full
// collection there (slotdb/testing's shardHeapBytes).
//
// Throughput: each task issues `batch` calls without awaiting each (slotdb auto-pipelines over its
// rings; node-redis pipelines the calls written in one tick over its socket), then awaits them all.
// redis-server is reached through node-redis in this process, so its figures are what a Node program
// gets from it (the client's parsing included), not the server's own ceiling.
// Memory: `members` members spread over 100 keys per type; slotdb's figure is the growth of its
// shard's JavaScript heap after a full collection, redis-server's the growth of INFO memory's
// used_memory. Member strings are 'm:<n>' (3 to 9 bytes), list elements 16 bytes. Every figure is the median
// over rounds. redis-server is optional: without it the slotdb figures are printed alone.

import { mkdirSync, writeFileSync } from 'node:fs';
import { createClient } from 'redis';
import { Bench, hrtimeNowTimestampProvider } from 'tinybench';
import { SlotDB } from '../src/index.js';
import { shardHeapBytes } from '../src/testing.js';
import { opsPerSecond } from './client-tasks.js';
import { machine, median, numberFlags } from './machine.js';
import { type RunningRedis, redisServerPath, startRedis } from './redis-peer.js';

const flags = numberFlags({ rounds: 3, members: 200_000, batch: 1000, time: 1000 });
const KEYS = 100;

/** The methods the tasks call: node-redis's names, which slotdb shares. */
interface TypeClient {
  hSet(key: string, field: string, value: string): Promise<unknown>;
  hGet(key: string, field: string): Promise<unknown>;
  zAdd(key: string, member: { score: number; value: string }): Promise<unknown>;
  zRange(key: string, start: number, stop: number): Promise<unknown>;
  lPush(key: string, element: string): Promise<unknown>;
  lPop(key: string): Promise<unknown>;
  sAdd(key: string, member: string): Promise<unknown>;
  sIsMember(key: string, member: string): Promise<unknown>;
  flushAll(): Promise<unknown>;
}

type Figures = Record<string, number[]>;
const figures: Figures = {};
function record(name: string, value: number): void {
  figures[name] ??= [];
  figures[name].push(value);
}

const value = 'v'.repeat(16);
const key = (i: number, type: string): string => `${type}:${i % KEYS}`;
const member = (i: number): string => `m:${i}`;

/** The eight tasks, each `batch` calls over the members in turn. */
function addTasks(bench: Bench, client: TypeClient): void {
  const batch = flags.batch;
  const pending: Promise<unknown>[] = new Array(batch);
  let i = 0;
  const task = (name: string, call: (n: number) => Promise<unknown>): void => {
    bench.add(name, async () => {
      for (let k = 0; k < batch; k++) {
        pending[k] = call(i);
        i = i + 1 === flags.members ? 0 : i + 1;
      }
      await Promise.all(pending);
    });
  };
  task('HSET', (n) => client.hSet(key(n, 'h'), member(n), value));
  task('HGET', (n) => client.hGet(key(n, 'h'), member(n)));
  task('ZADD', (n) => client.zAdd(key(n, 'z'), { score: n, value: member(n) }));
  task('ZRANGE 0 9', (n) => client.zRange(key(n, 'z'), 0, 9));
  task('LPUSH', (n) => client.lPush(key(n, 'l'), value));
  task('LPOP', (n) => client.lPop(key(n, 'l')));
  task('SADD', (n) => client.sAdd(key(n, 's'), member(n)));
  task('SISMEMBER', (n) => client.sIsMember(key(n, 's'), member(n)));
}

const TASKS = ['HSET', 'HGET', 'ZADD', 'ZRANGE 0 9', 'LPUSH', 'LPOP', 'SADD', 'SISMEMBER'];

async function throughputRound(name: string, client: TypeClient): Promise<void> {
  await client.flushAll();
  const bench = new Bench({
    time: flags.time,
    warmupTime: 200,
    timestampProvider: hrtimeNowTimestampProvider,
  });
  addTasks(bench, client);
  await bench.run();
  for (const task of TASKS) record(`${name} ${task} ops/s`, opsPerSecond(bench, task, flags.batch));
}

/** Loads `members` members of each type, `batch` calls at a time. */
async function load(client: TypeClient, type: string): Promise<void> {
  const pending: Promise<unknown>[] = [];
  for (let n = 0; n < flags.members; n++) {
    const k = key(n, type);
    if (type === 'h') pending.push(client.hSet(k, member(n), value));
    else if (type === 'z') pending.push(client.zAdd(k, { score: n, value: member(n) }));
    else if (type === 'l') pending.push(client.lPush(k, value));
    else pending.push(client.sAdd(k, member(n)));
    if (pending.length === flags.batch) await Promise.all(pending.splice(0));
  }
  await Promise.all(pending);
}

const TYPES = [
  ['h', 'hash'],
  ['z', 'zset'],
  ['l', 'list'],
  ['s', 'set'],
] as const;

async function memoryRound(name: string, client: TypeClient, used: () => Promise<number>) {
  for (const [type, label] of TYPES) {
    await client.flushAll();
    const before = await used();
    await load(client, type);
    const after = await used();
    record(`${name} ${label} bytes/member`, (after - before) / flags.members);
  }
}

/** slotdb's shard heap in use, after a full collection (the process runs with --expose-gc). */
function slotdbHeap(db: SlotDB): Promise<number> {
  return shardHeapBytes(db, 0);
}

async function redisUsed(redis: ReturnType<typeof createClient>): Promise<number> {
  const info = await redis.info('memory');
  const match = /used_memory:(\d+)/.exec(info);
  if (match === null) throw new Error('INFO memory has no used_memory');
  return Number(match[1]);
}

async function main(): Promise<void> {
  let peer: RunningRedis | undefined;
  let redis: ReturnType<typeof createClient> | undefined;
  if (redisServerPath() !== undefined) {
    peer = await startRedis();
    redis = createClient({ socket: { port: peer.port, host: '127.0.0.1' } });
    await redis.connect();
  }
  try {
    for (let round = 0; round < flags.rounds; round++) {
      const db = await SlotDB.open({ shards: 1 });
      try {
        await throughputRound('slotdb', db as unknown as TypeClient);
        await memoryRound('slotdb', db as unknown as TypeClient, () => slotdbHeap(db));
      } finally {
        await db.close();
      }
      if (redis !== undefined) {
        const client = redis;
        await throughputRound('redis', client as unknown as TypeClient);
        await memoryRound('redis', client as unknown as TypeClient, () => redisUsed(client));
      }
    }
  } finally {
    await redis?.quit();
    await peer?.stop();
  }
  report();
}

function report(): void {
  const medians: Record<string, number> = {};
  for (const [name, values] of Object.entries(figures)) medians[name] = median(values);
  const ratios: Record<string, number> = {};
  for (const task of TASKS) {
    const ours = medians[`slotdb ${task} ops/s`];
    const theirs = medians[`redis ${task} ops/s`];
    if (ours !== undefined && theirs !== undefined) ratios[`${task} slotdb/redis`] = ours / theirs;
  }
  const result = { machine: machine(), flags, medians, ratios, rounds: figures };
  for (const [name, figure] of Object.entries({ ...medians, ...ratios })) {
    console.log(`${name.padEnd(36)} ${figure >= 100 ? Math.round(figure) : figure.toFixed(2)}`);
  }
  mkdirSync('bench/results', { recursive: true });
  writeFileSync('bench/results/types.json', `${JSON.stringify(result, null, 2)}\n`);
}

await main();
