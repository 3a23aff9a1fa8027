// Differential test of the set commands against a real redis-server (7.0): the same seeded random
// commands go to Redis and to slotdb (3 shards). Replies are compared exactly, errors included,
// except where Redis's reply is in its own order or random:
// - arrays of members (SMEMBERS, SINTER, SUNION, SDIFF) are compared as sorted lists: Redis lists
//   small all-integer sets (intsets) sorted and others in its hash order, slotdb in its own;
// - SPOP: sizes and membership are checked, then Redis is made to drop the members slotdb dropped,
//   so the two stay equal;
// - SRANDMEMBER: sizes, distinctness (positive counts) and membership;
// - SSCAN: cursors are each side's own; both sides scan to the end and return the same members.
// Every 25 steps and at the end, every key's type, members or value and TTL class are compared.

import { createClient, RESP_TYPES } from 'redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SlotDB } from '../../dist/src/index.js';
import type { Arg } from '../support/commands.js';
import { fuzzSeed, Random } from '../support/random.js';
import { type RunningRedis, redisAvailable, startRedis } from '../support/redis-server.js';
import { Compare, randomSetCommand, SET_KEYS } from '../support/sets-commands.js';
import { show } from '../support/show-reply.js';

const STEPS = 3000;
const STATE_EVERY = 25;
const SCAN_STEPS_MAX = 10_000;
const asBuffers = { typeMapping: { [RESP_TYPES.BLOB_STRING]: Buffer } };

type Send = (args: Arg[]) => Promise<unknown>;

const sortedShow = (value: unknown): unknown =>
  Array.isArray(value) ? (value.map(show) as string[]).sort() : show(value);

describe.skipIf(!redisAvailable)('sets against redis-server', () => {
  let server: RunningRedis;
  let redis: ReturnType<typeof createClient>;
  let db: SlotDB;
  let toRedis: Send;
  let toDb: Send;

  beforeAll(async () => {
    server = await startRedis();
    redis = createClient({ socket: { port: server.port, host: '127.0.0.1' } });
    await redis.connect();
    db = await SlotDB.open({ shards: 3 });
    const buffers = db.withBuffers();
    toRedis = (args) => redis.sendCommand(args, asBuffers).catch((error: Error) => error);
    toDb = (args) => buffers.sendCommand(args).catch((error: Error) => error);
  });

  afterAll(async () => {
    await db?.close();
    await redis?.quit();
    await server?.stop();
  });

  /** SPOP: same shape; slotdb's members were in the set; Redis then drops what slotdb dropped. */
  async function comparePop(args: Arg[], expected: unknown, actual: unknown, where: string) {
    const key = args[1]!;
    if (expected === null || actual === null) {
      expect(show(actual), where).toEqual(show(expected));
      return;
    }
    const redisPopped = (Array.isArray(expected) ? expected : [expected]) as Buffer[];
    const dbPopped = (Array.isArray(actual) ? actual : [actual]) as Buffer[];
    expect(Array.isArray(actual), where).toBe(Array.isArray(expected));
    expect(dbPopped.length, where).toBe(redisPopped.length);
    const redisHex = new Set(redisPopped.map((m) => m.toString('hex')));
    const onlyDb = dbPopped.filter((m) => !redisHex.has(m.toString('hex')));
    const dbHex = new Set(dbPopped.map((m) => m.toString('hex')));
    const onlyRedis = redisPopped.filter((m) => !dbHex.has(m.toString('hex')));
    if (onlyDb.length === 0) return;
    // What slotdb popped and Redis did not is still in Redis's set; then re-synchronise.
    expect(await toRedis(['SMISMEMBER', key, ...onlyDb]), where).toEqual(onlyDb.map(() => 1));
    await toRedis(['SADD', key, ...onlyRedis]);
    await toRedis(['SREM', key, ...onlyDb]);
  }

  /** SRANDMEMBER: same shape and size; members of the set; distinct for a positive count. */
  async function compareRandom(args: Arg[], expected: unknown, actual: unknown, where: string) {
    if (expected === null || actual === null || !Array.isArray(expected)) {
      expect(actual === null, where).toBe(expected === null);
      if (actual !== null) expect(await toRedis(['SISMEMBER', args[1]!, actual as Buffer])).toBe(1);
      return;
    }
    const picked = actual as Buffer[];
    expect(Array.isArray(actual), where).toBe(true);
    expect(picked.length, where).toBe(expected.length);
    if (Number(args[2]) > 0) expect(new Set(picked.map(show)).size, where).toBe(picked.length);
    if (picked.length > 0) {
      const found = await toRedis(['SMISMEMBER', args[1]!, ...picked]);
      expect(found, where).toEqual(picked.map(() => 1));
    }
  }

  /** Scans to the end from the replies to cursor 0 (`first`), returning the members seen. */
  async function scanRest(send: Send, args: Arg[], first: unknown): Promise<string[]> {
    let [cursor, members] = first as [Buffer, Buffer[]];
    const seen = new Set(members.map((m) => m.toString('hex')));
    for (let steps = 0; cursor.toString() !== '0'; steps++) {
      if (steps > SCAN_STEPS_MAX) throw new Error('SSCAN did not end');
      const next = args.slice();
      next[2] = cursor;
      [cursor, members] = (await send(next)) as [Buffer, Buffer[]];
      for (const member of members) seen.add(member.toString('hex'));
    }
    return [...seen].sort();
  }

  async function compareState(where: string): Promise<void> {
    for (const key of SET_KEYS) {
      const [type, dbType] = await Promise.all([toRedis(['TYPE', key]), toDb(['TYPE', key])]);
      expect(dbType, `${where}: TYPE ${key}`).toEqual(type);
      const read: Arg[] = type === 'set' ? ['SMEMBERS', key] : ['GET', key];
      const [value, dbValue] = await Promise.all([toRedis(read), toDb(read)]);
      expect(sortedShow(dbValue), `${where}: ${key}`).toEqual(sortedShow(value));
      const [ttl, dbTtl] = await Promise.all([toRedis(['TTL', key]), toDb(['TTL', key])]);
      expect(Math.sign(dbTtl as number), `${where}: TTL ${key}`).toBe(Math.sign(ttl as number));
    }
  }

  it(`replies as Redis to ${STEPS} random set commands`, async () => {
    const seed = fuzzSeed();
    console.log(`sets differential seed ${seed} (replay with SLOTDB_FUZZ_SEED=${seed})`);
    const r = new Random(seed);
    await redis.flushAll();
    await db.flushAll();
    const history: string[] = [];
    const counts = new Map<string, number>();
    for (let step = 0; step < STEPS; step++) {
      const { args, compare } = randomSetCommand(r);
      const name = String(args[0]);
      counts.set(name, (counts.get(name) ?? 0) + 1);
      history.push(args.map((a) => (Buffer.isBuffer(a) ? `<${a.toString('hex')}>` : a)).join(' '));
      const where = `seed ${seed}, step ${step}: ${history.slice(-5).join(' | ')}`;
      const [expected, actual] = await Promise.all([toRedis(args), toDb(args)]);
      if (expected instanceof Error || actual instanceof Error || compare === Compare.Exact) {
        expect(show(actual), where).toEqual(show(expected));
      } else if (compare === Compare.Sorted) {
        expect(sortedShow(actual), where).toEqual(sortedShow(expected));
      } else if (compare === Compare.Pop) {
        await comparePop(args, expected, actual, where);
      } else if (compare === Compare.RandomMember) {
        await compareRandom(args, expected, actual, where);
      } else {
        const [seen, dbSeen] = await Promise.all([
          scanRest(toRedis, args, expected),
          scanRest(toDb, args, actual),
        ]);
        expect(dbSeen, where).toEqual(seen);
      }
      if (step % STATE_EVERY === 0) await compareState(where);
    }
    await compareState(`seed ${seed}, end`);
    expect(await db.dbSize()).toBe(await redis.dbSize());
    // Every set command was sent.
    for (const name of ['SADD', 'SREM', 'SMEMBERS', 'SISMEMBER', 'SMISMEMBER', 'SCARD', 'SPOP']) {
      expect(counts.get(name), name).toBeGreaterThan(10);
    }
    for (const name of ['SRANDMEMBER', 'SMOVE', 'SINTER', 'SINTERCARD', 'SUNION', 'SDIFF']) {
      expect(counts.get(name), name).toBeGreaterThan(10);
    }
    for (const name of ['SINTERSTORE', 'SUNIONSTORE', 'SDIFFSTORE', 'SSCAN']) {
      expect(counts.get(name), name).toBeGreaterThan(10);
    }
  });
});
