// Differential test of sorted sets against a real redis-server (Debian's, 7.0): the same seeded
// random commands (test/support/zset-commands.ts) go to Redis and to slotdb, and every reply must
// be the same, error texts and score formatting included, and so must every key's contents at
// regular checkpoints. Where Redis's reply is random (ZRANDMEMBER) the test compares what is
// determined: the count, membership, distinctness, and each member's score. A ZSCAN of a set Redis
// holds as a skiplist is compared as a whole scan (every member once, same scores), as the order of
// its steps is Redis's hash-table order; a compact set's ZSCAN is compared exactly. Lex ranges on a
// set Redis holds as a skiplist are skipped: over unequal scores Redis leaves them undefined (its
// answer depends on the skiplist's random levels).

import { createClient, RESP_TYPES } from 'redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SlotDB } from '../../dist/src/index.js';
import { fuzzSeed, Random } from '../support/random.js';
import { type RunningRedis, redisAvailable, startRedis } from '../support/redis-server.js';
import {
  type Arg,
  BIG_KEYS,
  bigZadd,
  isLexCommand,
  randomZsetCommand,
  ZSET_KEYS,
} from '../support/zset-commands.js';

const STEPS = 4000;
const CHECKPOINT_STEPS = 100;
const SCAN_STEPS_MAX = 10_000;

/** A reply in comparable form: bulk strings as hex, errors as their text. */
function show(value: unknown): unknown {
  if (Buffer.isBuffer(value)) return `<${value.toString('hex')}>`;
  if (Array.isArray(value)) return value.map(show);
  if (value instanceof Error) return `error: ${value.message}`;
  return value;
}

const asBuffers = { typeMapping: { [RESP_TYPES.BLOB_STRING]: Buffer } };

describe.skipIf(!redisAvailable)('sorted sets against redis-server', () => {
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

  const onRedis = (args: Arg[]) =>
    redis.sendCommand(args, asBuffers).catch((error: Error) => error) as Promise<unknown>;
  const onSlotdb = (args: Arg[]) =>
    db
      .withBuffers()
      .sendCommand(args)
      .catch((error: Error) => error) as Promise<unknown>;

  async function encodingOnRedis(key: Arg): Promise<string | null> {
    const reply = await redis.sendCommand(['OBJECT', 'ENCODING', key]).catch(() => null);
    return reply === null ? null : String(reply);
  }

  /** Every key's type and contents, on both sides. */
  async function checkState(where: string): Promise<void> {
    for (const key of ZSET_KEYS) {
      const type = await onRedis(['TYPE', key]);
      expect(await onSlotdb(['TYPE', key]), `${where}: TYPE ${key}`).toEqual(type);
      if (String(type) !== 'zset') continue;
      const range = ['ZRANGE', key, '0', '-1', 'WITHSCORES'];
      const contents = (await onRedis(range)) as Buffer[];
      expect(show(await onSlotdb(range)), `${where}: ${key}`).toEqual(show(contents));
      // The form matches Redis's encoding: a compact set comes whole from ZSCAN ... COUNT 1, a
      // tree-held one (of two members or more) one member at a time.
      const step = (await onSlotdb(['ZSCAN', key, '0', 'COUNT', '1'])) as [Buffer, Buffer[]];
      const listpack = (await encodingOnRedis(key)) === 'listpack';
      if (listpack || contents.length > 2) {
        expect(step[0].toString() === '0', `${where}: ${key} encoding`).toBe(listpack);
      }
    }
  }

  /** ZRANDMEMBER: same errors and nils; else same count, members of the set, right scores. */
  async function checkRandom(args: Arg[], expected: unknown, actual: unknown, where: string) {
    if (!Array.isArray(expected) || !Array.isArray(actual)) {
      if (expected === null || actual === null || expected instanceof Error) {
        expect(show(actual), where).toEqual(show(expected));
        return;
      }
      expect(await onRedis(['ZSCORE', args[1]!, actual as Buffer]), where).not.toBeNull();
      return;
    }
    expect(actual.length, where).toBe(expected.length);
    const withScores = args.length === 4;
    const members = withScores ? actual.filter((_, i) => i % 2 === 0) : actual;
    const scores = (await onRedis(['ZMSCORE', args[1]!, ...members])) as (Buffer | null)[];
    members.forEach((member, i) => {
      expect(scores[i], `${where}: member ${show(member)}`).not.toBeNull();
      if (withScores) expect(show(actual[i * 2 + 1]), where).toEqual(show(scores[i]));
    });
    if (Number(args[2]) > 0) {
      expect(new Set(members.map((m) => show(m))).size, `${where}: distinct`).toBe(members.length);
    }
  }

  /** Every (member, score) a full ZSCAN with these options returns, as a sorted list. */
  async function fullScan(run: (args: Arg[]) => Promise<unknown>, args: Arg[]): Promise<unknown> {
    const seen = new Set<string>();
    let cursor: Arg = '0';
    for (let step = 0; step < SCAN_STEPS_MAX; step++) {
      const reply = (await run([args[0]!, args[1]!, cursor, ...args.slice(3)])) as [
        Buffer,
        Buffer[],
      ];
      for (let i = 0; i < reply[1].length; i += 2) {
        seen.add(`${show(reply[1][i])}=${reply[1][i + 1]}`);
      }
      cursor = reply[0].toString();
      if (cursor === '0') return [...seen].sort();
    }
    throw new Error('ZSCAN did not end');
  }

  async function checkScan(args: Arg[], expected: unknown, actual: unknown, where: string) {
    if (expected instanceof Error || (await encodingOnRedis(args[1]!)) !== 'skiplist') {
      expect(show(actual), where).toEqual(show(expected));
      return;
    }
    expect(await fullScan(onSlotdb, args), where).toEqual(await fullScan(onRedis, args));
  }

  it(`replies exactly as Redis to ${STEPS} random sorted-set commands`, async () => {
    const seed = fuzzSeed();
    console.log(`sorted-set differential seed ${seed} (replay with SLOTDB_FUZZ_SEED=${seed})`);
    const r = new Random(seed);
    await redis.flushAll();
    await db.flushAll();
    for (const key of BIG_KEYS) {
      const args = bigZadd(r, key);
      expect(await onSlotdb(args)).toEqual(await onRedis(args));
    }
    const history: string[] = [];
    let skipped = 0;
    for (let step = 0; step < STEPS; step++) {
      const args = randomZsetCommand(r);
      const source = String(args[0]).toUpperCase() === 'ZRANGESTORE' ? args[2]! : args[1]!;
      if (isLexCommand(args) && (await encodingOnRedis(source)) === 'skiplist') {
        skipped++;
        continue;
      }
      history.push(args.map((a) => (Buffer.isBuffer(a) ? `<${a.toString('hex')}>` : a)).join(' '));
      const where = `seed ${seed}, step ${step}: ${history.slice(-4).join(' | ')}`;
      const [expected, actual] = await Promise.all([onRedis(args), onSlotdb(args)]);
      const name = String(args[0]).toUpperCase();
      if (name === 'ZRANDMEMBER') await checkRandom(args, expected, actual, where);
      else if (name === 'ZSCAN') await checkScan(args, expected, actual, where);
      else if (name === 'TTL' && typeof expected === 'number' && expected > 0) {
        expect(Math.abs((actual as number) - expected), where).toBeLessThanOrEqual(1);
      } else expect(show(actual), where).toEqual(show(expected));
      if (step % CHECKPOINT_STEPS === 0) await checkState(where);
    }
    await checkState(`seed ${seed}, end`);
    expect(skipped).toBeLessThan(STEPS / 10);
  });

  it('answers edge cases as Redis does: float sums, signed zero, encodings, hex, lex', async () => {
    await redis.flushAll();
    await db.flushAll();
    const many = (key: string, count: number, prefix = 'm') => [
      'ZADD',
      key,
      ...Array.from({ length: count }, (_, i) => [String(i), `${prefix}${i}`]).flat(),
    ];
    const script: Arg[][] = [
      ['ZADD', '{z}a', '0.1', 'x', '0.2', 'y', '0.3', 'w'],
      ['ZADD', '{z}b', '0.2', 'x', '0.7', 'y', '1', 'z', '0.1', 'w'],
      ['ZADD', '{z}c', '0.3', 'x', '0.6', 'w'],
      ['ZUNIONSTORE', '{z}dst', '3', '{z}b', '{z}a', '{z}c', 'WEIGHTS', '0.1', '3', '7'],
      ['ZRANGE', '{z}dst', '0', '-1', 'WITHSCORES'],
      ['ZINTERSTORE', '{z}dst', '3', '{z}b', '{z}a', '{z}c', 'WEIGHTS', '0.1', '3', '7'],
      ['ZRANGE', '{z}dst', '0', '-1', 'WITHSCORES'],
      ['ZINTERSTORE', '{z}dst', '2', '{z}a', '{z}b', 'WEIGHTS', 'inf', '-inf', 'AGGREGATE', 'MIN'],
      ['ZRANGE', '{z}dst', '0', '-1', 'WITHSCORES'],
      ['ZUNIONSTORE', '{z}dst', '2', '{z}a', '{z}b', 'WEIGHTS', '0', 'inf', 'AGGREGATE', 'MAX'],
      ['ZRANGE', '{z}dst', '0', '-1', 'WITHSCORES'],
      ['ZUNIONSTORE', '{z}dst', '2', '{z}a', '{z}str', 'WEIGHTS', 'x'],
      ['SET', '{z}str', 'v'],
      ['ZUNIONSTORE', '{z}dst', '2', '{z}a', '{z}str', 'WEIGHTS', 'x'],
      ['ZUNIONSTORE', '{z}dst', '2', '{z}a', '{z}none', 'WEIGHTS', 'x', '1'],
      many('{z}big1', 130),
      ['ZADD', '{z}big1', '-0', 'neg', '-0', 'm5', '1e20', 'e', '123456789012345678', 'h'],
      ['ZSCORE', '{z}big1', 'neg'],
      ['ZSCORE', '{z}big1', 'm5'],
      ['ZINCRBY', '{z}big1', '-0', 'neg'],
      ['ZRANGESTORE', '{z}dst', '{z}big1', '0', '129'],
      ['ZSCORE', '{z}dst', 'neg'],
      ['ZRANGESTORE', '{z}dst', '{z}big1', '-inf', '+inf', 'BYSCORE'],
      ['ZSCORE', '{z}dst', 'neg'],
      ['ZRANGESTORE', '{z}dst', '{z}big1', '(0', '+inf', 'BYSCORE', 'REV', 'LIMIT', '0', '200'],
      ['ZRANGESTORE', '{z}dst', '{z}big1', '0', '10'],
      ['ZSCAN', '{z}dst', '0'],
      ['ZSCAN', '{z}dst', '12345', 'MATCH', 'm*'],
      ['ZUNIONSTORE', '{z}dst2', '1', '{z}big1'],
      ['ZSCORE', '{z}dst2', 'neg'],
      ['ZREMRANGEBYRANK', '{z}dst2', '0', '120'],
      ['ZUNIONSTORE', '{z}dst2', '2', '{z}dst2', '{z}none'],
      ['ZSCAN', '{z}dst2', '0'],
      ['ZINCRBY', '{z}new', '-0', 'm'],
      ['ZSCORE', '{z}new', 'm'],
      ['ZADD', '{z}new2', '-0', 'b', '1', 'L'.repeat(65), '-0', 'c'],
      ['ZMSCORE', '{z}new2', 'b', 'c'],
      [
        'ZADD',
        '{z}hex',
        '0x10',
        'a',
        '0x1.8p1',
        'b',
        '0X.8P-1',
        'c',
        '1e-310',
        'd',
        '4611686018427387904',
        'e',
      ],
      [
        'ZADD',
        '{z}hex',
        '-4611686018427387904',
        'f',
        '4611686018427387905000',
        'g',
        '1250000000000000.25',
        'i',
      ],
      ['ZSCAN', '{z}hex', '0'],
      ['ZRANGE', '{z}hex', '0', '-1', 'WITHSCORES'],
      ['ZADD', '{z}lex', '1', 'b', '0', 'a', '2', 'c', '1', 'd', '0', 'e', '3', 'aa'],
      ['ZRANGE', '{z}lex', '[a', '[d', 'BYLEX'],
      ['ZRANGE', '{z}lex', '[d', '[a', 'BYLEX', 'REV'],
      ['ZRANGE', '{z}lex', '-', '+', 'BYLEX', 'LIMIT', '2', '3'],
      ['ZRANGE', '{z}lex', '+', '-', 'BYLEX', 'REV', 'LIMIT', '1', '2'],
      ['ZLEXCOUNT', '{z}lex', '(a', '[e'],
      ['ZRANGESTORE', '{z}dst', '{z}lex', '[b', '+', 'BYLEX'],
      ['ZRANGE', '{z}dst', '0', '-1', 'WITHSCORES'],
      ['ZRANDMEMBER', '{z}lex', '-4611686018427387904', 'WITHSCORES'],
      ['ZRANDMEMBER', '{z}lex', '-9223372036854775808'],
      ['ZCOUNT', '{z}big1', '(0', '1e400'],
      ['ZCOUNT', '{z}big1', '', '(1'],
      ['ZREMRANGEBYSCORE', '{z}big1', '-inf', '(10'],
      ['ZRANGE', '{z}big1', '0', '5', 'WITHSCORES'],
      ['ZRANGE', '{z}big1', '+inf', '-inf', 'BYSCORE', 'REV', 'LIMIT', '3', '4', 'WITHSCORES'],
      ['ZPOPMAX', '{z}big1', '3'],
      ['ZRANK', '{z}big1', 'm100'],
      ['ZREVRANK', '{z}big1', 'm100'],
    ];
    for (const args of script) {
      const where = args.map((a) => String(a).slice(0, 40)).join(' ');
      const [expected, actual] = await Promise.all([onRedis(args), onSlotdb(args)]);
      if (String(args[0]) === 'ZSCAN' && (await encodingOnRedis(args[1]!)) === 'skiplist') {
        expect(await fullScan(onSlotdb, args), where).toEqual(await fullScan(onRedis, args));
      } else {
        expect(show(actual), where).toEqual(show(expected));
      }
    }
  });
});
