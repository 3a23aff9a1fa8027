// The promise of the typed methods: a user's node-redis v5 code runs on slotdb unchanged. The same
// functions (a session store on hashes, a leaderboard on sorted sets, a job queue on lists, tags on
// sets, a transaction across them) run against a real redis-server through node-redis and against
// slotdb, and every result must be the same value, in the same shape.

import { createClient } from 'redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SlotDB } from '../../dist/src/index.js';
import { type RunningRedis, redisAvailable, startRedis } from '../support/redis-server.js';

// The client type the use cases are written against: node-redis's. slotdb is passed where a
// node-redis client is expected, which is the claim under test (its methods have these shapes).
type Client = ReturnType<typeof createClient>;

async function sessions(client: Client): Promise<unknown[]> {
  const key = '{s}session:1';
  return [
    await client.hSet(key, { user: 'ada', visits: '1', theme: 'dark' }),
    await client.hSet(key, 'theme', 'light'),
    await client.hIncrBy(key, 'visits', 2),
    await client.hIncrByFloat(key, 'score', 1.5),
    await client.hGetAll(key),
    await client.hmGet(key, ['user', 'missing']),
    await client.hGet(key, 'user'),
    await client.hExists(key, 'nope'),
    await client.hDel(key, ['theme', 'nope']),
    await client.hKeys(key),
    await client.hVals(key),
    await client.hLen(key),
    await client.hStrLen(key, 'user'),
    await client.hSetNX(key, 'user', 'bob'),
    await client.expire(key, 100),
    await client.type(key),
  ];
}

async function leaderboard(client: Client): Promise<unknown[]> {
  const key = '{s}board';
  return [
    await client.zAdd(key, [
      { score: 10, value: 'ada' },
      { score: 30, value: 'bob' },
      { score: 20, value: 'cy' },
      { score: 20, value: 'ab' },
    ]),
    await client.zAdd(key, { score: 5, value: 'ada' }, { XX: true, CH: true }),
    await client.zIncrBy(key, 2.5, 'cy'),
    await client.zScore(key, 'cy'),
    await client.zScore(key, 'nobody'),
    await client.zRange(key, 0, -1),
    await client.zRangeWithScores(key, 0, 1, { REV: true }),
    await client.zRange(key, 10, 25, { BY: 'SCORE' }),
    await client.zRank(key, 'bob'),
    await client.zRevRank(key, 'bob'),
    await client.zCard(key),
    await client.zCount(key, 10, '+inf'),
    await client.zmScore(key, ['ada', 'nobody']),
    await client.zPopMin(key),
    await client.zPopMaxCount(key, 2),
    await client.zRem(key, ['ab', 'none']),
    await client.type(key),
  ];
}

async function queue(client: Client): Promise<unknown[]> {
  const key = '{s}jobs';
  return [
    await client.lPush(key, ['a', 'b']),
    await client.rPush(key, 'c'),
    await client.lRange(key, 0, -1),
    await client.lLen(key),
    await client.lIndex(key, -1),
    await client.lPos(key, 'c'),
    await client.lInsert(key, 'BEFORE', 'c', 'x'),
    await client.lSet(key, 0, 'B'),
    await client.lRem(key, 0, 'x'),
    await client.lMove(key, '{s}done', 'RIGHT', 'LEFT'),
    await client.rPop(key),
    await client.lPopCount(key, 5),
    await client.lPop(key),
    await client.lRange('{s}done', 0, -1),
  ];
}

async function tags(client: Client): Promise<unknown[]> {
  return [
    await client.sAdd('{s}tags:a', ['red', 'green', 'blue']),
    await client.sAdd('{s}tags:b', ['green', 'black']),
    await client.sIsMember('{s}tags:a', 'red'),
    await client.smIsMember('{s}tags:a', ['red', 'pink']),
    (await client.sMembers('{s}tags:a')).sort(),
    await client.sInter(['{s}tags:a', '{s}tags:b']),
    (await client.sUnion(['{s}tags:a', '{s}tags:b'])).sort(),
    (await client.sDiff(['{s}tags:a', '{s}tags:b'])).sort(),
    await client.sInterCard(['{s}tags:a', '{s}tags:b']),
    await client.sMove('{s}tags:a', '{s}tags:b', 'red'),
    await client.sCard('{s}tags:b'),
    await client.sRem('{s}tags:b', ['red', 'nope']),
  ];
}

async function transaction(client: Client): Promise<unknown[]> {
  return [
    await client
      .multi()
      .hSet('{s}tx:h', 'f', '1')
      .hIncrBy('{s}tx:h', 'f', 2)
      .zAdd('{s}tx:z', { score: 1, value: 'm' })
      .zRangeWithScores('{s}tx:z', 0, -1)
      .lPush('{s}tx:l', 'x')
      .sAdd('{s}tx:s', 'y')
      .hGetAll('{s}tx:h')
      .exec(),
  ];
}

const CASES = { sessions, leaderboard, queue, tags, transaction };

describe.skipIf(!redisAvailable)('node-redis code runs unchanged on slotdb', () => {
  let server: RunningRedis;
  let redis: Client;
  let db: SlotDB;

  beforeAll(async () => {
    server = await startRedis();
    redis = createClient({ socket: { port: server.port, host: '127.0.0.1' } });
    await redis.connect();
    db = await SlotDB.open({ shards: 2 });
  });

  afterAll(async () => {
    await db?.close();
    await redis?.quit();
    await server?.stop();
  });

  for (const [name, useCase] of Object.entries(CASES)) {
    it(`${name}: the same results, in the same shapes`, async () => {
      await redis.flushAll();
      await db.flushAll();
      const expected = await useCase(redis);
      const actual = await useCase(db as unknown as Client);
      expect(actual).toEqual(expected);
    });
  }
});
