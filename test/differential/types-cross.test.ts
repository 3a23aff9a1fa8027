// Differential tests across the data types, against a real redis-server (7.0):
// - which commands of each type break a WATCH (changes in place, no-op changes, store commands,
//   COPY and RENAME onto a watched key, deadlines) and which do not, each case run on both;
// - seeded random commands of every type on the same four keys (test/support/cross-type-
//   commands.ts): replies compared exactly (set-valued ones sorted), and every 10 steps each key's
//   type, contents and deadline class, so an empty collection left behind, a copy that shares
//   members with its source or a deadline lost in a RENAME shows up;
// - one long node-redis multi() chain of typed methods of every family, run by node-redis on
//   Redis and by db.multi() on slotdb: the transformed replies must be equal.
// SLOTDB_FUZZ_SEED replays the random part.

import { createClient, RESP_TYPES } from 'redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SlotDB } from '../../dist/src/index.js';
import type { Arg } from '../support/commands.js';
import {
  CROSS_KEYS,
  randomCrossCommand,
  UNORDERED_REPLIES,
} from '../support/cross-type-commands.js';
import { fuzzSeed, Random } from '../support/random.js';
import { type RunningRedis, redisAvailable, startRedis } from '../support/redis-server.js';
import { show } from '../support/show-reply.js';

const STEPS = 1500;
const STATE_EVERY = 10;
const asBuffers = { typeMapping: { [RESP_TYPES.BLOB_STRING]: Buffer } };

type RedisClient = ReturnType<typeof createClient>;
type Send = (args: Arg[]) => Promise<unknown>;

const K = '{w}k';
const L = '{w}l';

/** [setup on the other connection, what it does between WATCH K and EXEC]. */
const WATCH_CASES: [Arg[][], Arg[][]][] = [
  [[['HSET', K, 'f', 'v']], [['HSET', K, 'f', 'v']]],
  [[['HSET', K, 'f', 'v']], [['HSETNX', K, 'f', 'v']]],
  [[['HSET', K, 'f', 'v']], [['HDEL', K, 'nope']]],
  [[['HSET', K, 'f', '1']], [['HINCRBY', K, 'f', '0']]],
  [[['HSET', K, 'f', '1']], [['HINCRBYFLOAT', K, 'f', '0']]],
  [[['HSET', K, 'f', '1']], [['HINCRBY', K, 'f', 'x']]],
  [[['HSET', K, 'a', '1', 'b', '2']], [['HDEL', K, 'a']]],
  [[['SADD', K, 'a']], [['SADD', K, 'a']]],
  [[['SADD', K, 'a']], [['SREM', K, 'b']]],
  [[['SADD', K, 'a']], [['SPOP', K]]],
  [[['SADD', K, 'a', 'b']], [['SPOP', K, '0']]],
  [[['SADD', K, 'a']], [['SPOP', K, '5']]],
  [[['SADD', K, 'a', 'b']], [['SMOVE', K, L, 'z']]],
  [[['SADD', K, 'a']], [['SMOVE', K, K, 'a']]],
  [
    [
      ['SADD', K, 'a'],
      ['SADD', L, 'a'],
    ],
    [['SMOVE', K, L, 'a']],
  ],
  [
    [
      ['SADD', L, 'a', 'b'],
      ['SADD', K, 'a'],
    ],
    [['SMOVE', L, K, 'a']],
  ],
  [[['SADD', K, 'a', 'b']], [['SINTERSTORE', K, K]]],
  [[], [['SINTERSTORE', K, L]]],
  [[['SET', K, 'x']], [['SINTERSTORE', K, L]]],
  [[['SADD', K, 'a']], [['SDIFFSTORE', L, K]]],
  [[['ZADD', K, '1', 'a']], [['ZADD', K, '1', 'a']]],
  [[['ZADD', K, '1', 'a']], [['ZADD', K, 'NX', '2', 'a']]],
  [[['ZADD', K, '1', 'a']], [['ZADD', K, 'GT', '0', 'a']]],
  [[['ZADD', K, '1', 'a']], [['ZADD', K, 'INCR', '0', 'a']]],
  [[['ZADD', K, '1', 'a']], [['ZINCRBY', K, '0', 'a']]],
  [[['ZADD', K, '1', 'a']], [['ZREM', K, 'b']]],
  [[['ZADD', K, '1', 'a']], [['ZREMRANGEBYRANK', K, '5', '6']]],
  [[['ZADD', K, '1', 'a', '2', 'b']], [['ZPOPMIN', K, '0']]],
  [[['ZADD', K, '1', 'a']], [['ZPOPMAX', K, '5']]],
  [[], [['ZUNIONSTORE', K, '1', L]]],
  [[['ZADD', K, '1', 'a']], [['ZINTERSTORE', K, '2', K, L]]],
  [[['ZADD', L, '1', 'a']], [['ZRANGESTORE', K, L, '5', '6']]],
  [[['RPUSH', K, 'a', 'b']], [['LTRIM', K, '0', '-1']]],
  [[['RPUSH', K, 'a', 'b']], [['LSET', K, '0', 'a']]],
  [[['RPUSH', K, 'a', 'b']], [['LREM', K, '0', 'z']]],
  [[['RPUSH', K, 'a', 'b']], [['LINSERT', K, 'BEFORE', 'z', 'q']]],
  [[['RPUSH', K, 'a', 'b']], [['LPOP', K, '0']]],
  [[['RPUSH', K, 'a']], [['LMOVE', K, K, 'LEFT', 'LEFT']]],
  [[['RPUSH', L, 'a']], [['LMOVE', L, K, 'LEFT', 'LEFT']]],
  [[['RPUSH', K, 'a']], [['RENAME', K, K]]],
  [[['RPUSH', L, 'a']], [['RENAME', L, K]]],
  [
    [
      ['RPUSH', L, 'a'],
      ['SET', K, 'x'],
    ],
    [['RENAMENX', L, K]],
  ],
  [
    [
      ['RPUSH', L, 'a'],
      ['SET', K, 'x'],
    ],
    [['COPY', L, K]],
  ],
  [
    [
      ['RPUSH', L, 'a'],
      ['SET', K, 'x'],
    ],
    [['COPY', L, K, 'REPLACE']],
  ],
  [[['RPUSH', K, 'a']], [['COPY', K, L]]],
  [[['SADD', K, 'a']], [['PEXPIRE', K, '0']]],
  [
    [
      ['RPUSH', K, 'a'],
      ['EXPIRE', K, '100'],
    ],
    [['EXPIRE', K, '50', 'GT']],
  ],
  [[['RPUSH', K, 'a']], [['PERSIST', K]]],
];

describe.skipIf(!redisAvailable)('the data types together, against redis-server', () => {
  let server: RunningRedis;
  let redis: RedisClient;
  let redisOther: RedisClient;
  let db: SlotDB;
  let toRedis: Send;
  let toDb: Send;

  beforeAll(async () => {
    server = await startRedis();
    redis = createClient({ socket: { port: server.port, host: '127.0.0.1' } });
    redisOther = createClient({ socket: { port: server.port, host: '127.0.0.1' } });
    await redis.connect();
    await redisOther.connect();
    db = await SlotDB.open({ shards: 3 });
    const buffers = db.withBuffers();
    toRedis = (args) => redis.sendCommand(args, asBuffers).catch((error: Error) => error);
    toDb = (args) => buffers.sendCommand(args).catch((error: Error) => error);
  });

  afterAll(async () => {
    await db?.close();
    await redis?.quit();
    await redisOther?.quit();
    await server?.stop();
  });

  /** WATCH K, the other connection's commands, then MULTI PING EXEC: ran, and the last reply. */
  async function watchCase(
    watcher: { sendCommand(args: Arg[]): Promise<unknown> },
    other: Send,
    [setup, changes]: [Arg[][], Arg[][]],
  ): Promise<unknown[]> {
    await other(['FLUSHALL']);
    for (const args of setup) await other(args);
    await watcher.sendCommand(['WATCH', K]);
    let reply: unknown;
    for (const args of changes) reply = await other(args);
    await watcher.sendCommand(['MULTI']);
    await watcher.sendCommand(['PING']);
    const ran = (await watcher.sendCommand(['EXEC'])) !== null;
    return [ran, show(reply)];
  }

  it('breaks a WATCH exactly where Redis does, for every type', async () => {
    const other: Send = (args) => redisOther.sendCommand(args).catch((error: Error) => error);
    const dbOther: Send = (args) => db.sendCommand(args).catch((error: Error) => error);
    for (const watched of WATCH_CASES) {
      const expected = await watchCase(redis, other, watched);
      const actual = await db.isolated((client) => watchCase(client, dbOther, watched));
      expect(actual, JSON.stringify(watched)).toEqual(expected);
    }
  });

  /** Each key's type, contents (set members and hash pairs sorted) and whether it has a TTL. */
  async function state(send: Send): Promise<unknown[]> {
    const out: unknown[] = [];
    for (const key of CROSS_KEYS) {
      const type = String(await send(['TYPE', key]));
      const reads: Record<string, Arg[]> = {
        hash: ['HGETALL', key],
        list: ['LRANGE', key, '0', '-1'],
        set: ['SMEMBERS', key],
        zset: ['ZRANGE', key, '0', '-1', 'WITHSCORES'],
        string: ['GET', key],
      };
      const read = reads[type];
      const contents = read === undefined ? null : shown(read, await send(read));
      const ttl = Number(await send(['PTTL', key]));
      out.push([key, type, ttl > 0 ? 'ttl' : ttl, contents]);
    }
    return out;
  }

  it(`answers ${STEPS} random commands of every type on shared keys as Redis does`, async () => {
    const seed = fuzzSeed();
    console.log(`types-cross differential seed ${seed} (replay with SLOTDB_FUZZ_SEED=${seed})`);
    const r = new Random(seed);
    await redis.flushAll();
    await db.flushAll();
    const history: string[] = [];
    for (let step = 0; step < STEPS; step++) {
      const args = randomCrossCommand(r);
      history.push(args.map(String).join(' ').slice(0, 80));
      const where = `seed ${seed}, step ${step}: ${history.slice(-8).join(' | ')}`;
      const [expected, actual] = [await toRedis(args), await toDb(args)];
      expect(shown(args, actual), where).toEqual(shown(args, expected));
      if (step % STATE_EVERY === 0 || step === STEPS - 1) {
        expect(await state(toDb), where).toEqual(await state(toRedis));
      }
    }
    expect(db.stats().shards.every((shard) => shard.state === 'running')).toBe(true);
  });

  it("gives node-redis's own multi() replies for a chain of typed methods of every family", async () => {
    await redis.flushAll();
    await db.flushAll();
    const expected = await typedChain(redis.multi())
      .exec()
      .catch((error: { replies?: unknown[] }) => error.replies ?? error);
    const actual = await typedChain(db.multi())
      .exec()
      .catch((error: { replies?: unknown[] }) => error.replies ?? error);
    expect(Array.isArray(actual)).toBe(true);
    expect(comparable(actual)).toEqual(comparable(expected));
  });
});

/** A reply as compared: bulk strings as hex, set-valued and hash replies in sorted order. */
function shown(args: readonly Arg[], reply: unknown): unknown {
  const name = String(args[0]).toUpperCase();
  const value = show(reply);
  if (!Array.isArray(value)) return value;
  if (UNORDERED_REPLIES.has(name)) return [...value].sort();
  if (name === 'HGETALL') {
    const pairs: string[] = [];
    for (let i = 0; i < value.length; i += 2) pairs.push(`${value[i]}=${value[i + 1]}`);
    return pairs.sort();
  }
  return value;
}

/** Errors as their text, objects without prototypes as plain ones. */
function comparable(value: unknown): unknown {
  if (value instanceof Error) return `error: ${value.message}`;
  if (Array.isArray(value)) return value.map(comparable);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, comparable(v)]));
  }
  return value;
}

// The same typed calls on node-redis's builder and slotdb's: both are chains of the same methods.
function typedChain(m: any): any {
  const [H, L2, S, S2, Z, Z2, D] = ['{t}h', '{t}l', '{t}s', '{t}s2', '{t}z', '{t}z2', '{t}d'];
  return m
    .hSet(H, { a: '1', b: '2' })
    .hSet(H, 'c', '3')
    .hSetNX(H, 'a', 'x')
    .hmGet(H, ['a', 'zz', 'b'])
    .hGetAll(H)
    .hGetAll('{t}missing')
    .hIncrBy(H, 'a', 5)
    .hIncrByFloat(H, 'b', '1.5')
    .hRandFieldCountWithValues(H, 10)
    .hScan(H, '0')
    .hDel(H, ['a', 'nope'])
    .rPush(L2, ['a', 'b', 'c'])
    .lPopCount(L2, 2)
    .lPos(L2, 'c')
    .lmPop([L2], 'LEFT', { COUNT: 2 })
    .lmPop(['{t}nolist'], 'LEFT')
    .sAdd(S, ['a', 'b', 'c'])
    .smIsMember(S, ['a', 'q'])
    .sPopCount('{t}nos', 2)
    .sMove(S, S2, 'a')
    .sInterCard([S, S2], { LIMIT: 1 })
    .sUnionStore(D, [S, S2])
    .zAdd(Z, [
      { score: 1, value: 'a' },
      { score: 2, value: 'b' },
      { score: -Infinity, value: 'm' },
    ])
    .zAdd(Z, { score: Infinity, value: 'i' })
    .zAddIncr(Z, { score: 1.5, value: 'a' })
    .zAddIncr(Z, { score: 1, value: 'a' }, { NX: true })
    .zIncrBy(Z, 0.1, 'b')
    .zScore(Z, 'i')
    .zScore(Z, 'm')
    .zScore(Z, 'nope')
    .zmScore(Z, ['a', 'nope', 'i'])
    .zRangeWithScores(Z, 0, -1)
    .zRangeWithScores(Z, '(1', '+inf', { BY: 'SCORE' })
    .zRange(Z, '+inf', '-inf', { BY: 'SCORE', REV: true, LIMIT: { offset: 0, count: 2 } })
    .zRangeStore(Z2, Z, 0, 1)
    .zPopMin(Z)
    .zPopMin('{t}noz')
    .zPopMaxCount(Z, 1)
    .zRandMemberCountWithScores(Z, 50)
    .zUnionStore(
      Z2,
      [
        { key: Z, weight: 2 },
        { key: S2, weight: 3 },
      ],
      { AGGREGATE: 'MAX' },
    )
    .zScan(Z2, '0')
    .copy(Z, '{t}z4')
    .renameNX('{t}z4', Z)
    .rename('{t}z4', Z2)
    .type(Z2)
    .set('{t}str', 'x')
    .hGetAll('{t}str')
    .zRangeWithScores('{t}str', 0, -1)
    .zScore(Z2, 'a');
}
