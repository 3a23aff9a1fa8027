// Differential test of the blocking list commands against a real redis-server (Debian's, 7.0):
// seeded random BLPOP, BRPOP, BLMOVE, BRPOPLPUSH and BLMPOP mixed with the other list commands
// (strings, deletes and expiries included) go to Redis and to slotdb, and every reply must be the
// same: with data there they answer at once as Redis does, on empty keys their short timeouts
// answer null, and bad arguments get Redis's errors. Each key's type and list are compared too.

import { createClient, RESP_TYPES } from 'redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SlotDB } from '../../dist/src/index.js';
import { randomBlockingCommand } from '../support/blocking-commands.js';
import { type Arg, isTimeDependent } from '../support/commands.js';
import { listKeysState, randomListCommand, type Send } from '../support/list-commands.js';
import { fuzzSeed, Random } from '../support/random.js';
import { type RunningRedis, redisAvailable, startRedis } from '../support/redis-server.js';
import { show } from '../support/show-reply.js';

const STEPS = 2000;
const STATE_EVERY_STEPS = 100;
const BLOCKING = ['BLPOP', 'BRPOP', 'BLMOVE', 'BRPOPLPUSH', 'BLMPOP'];

const name = (args: readonly Arg[]): string => String(args[0]).toUpperCase();

describe.skipIf(!redisAvailable)('blocking list commands against redis-server', () => {
  let server: RunningRedis;
  let redis: ReturnType<typeof createClient>;
  let db: SlotDB;

  beforeAll(async () => {
    // hz 100: Redis looks at blocked clients' timeouts every 10 ms (at the default 10, 100 ms).
    server = await startRedis(['--hz', '100']);
    redis = createClient({ socket: { port: server.port, host: '127.0.0.1' } });
    await redis.connect();
    db = await SlotDB.open({ shards: 3 });
  });

  afterAll(async () => {
    await db?.close();
    await redis?.quit();
    await server?.stop();
  });

  it(`replies exactly as Redis to ${STEPS} random commands, the blocking ones among them`, async () => {
    const seed = fuzzSeed();
    console.log(`blocking differential seed ${seed} (replay with SLOTDB_FUZZ_SEED=${seed})`);
    const r = new Random(seed);
    await redis.flushAll();
    await db.flushAll();
    const asBuffers = { typeMapping: { [RESP_TYPES.BLOB_STRING]: Buffer } };
    const dbBuffers = db.withBuffers();
    const toRedis: Send = (args) =>
      redis.sendCommand(args, asBuffers).catch((error: Error) => error);
    const toDb: Send = (args) => dbBuffers.sendCommand(args).catch((error: Error) => error);
    const outcomes = new Map<string, { data: number; timeout: number; error: number }>();
    const history: string[] = [];
    for (let step = 0; step < STEPS; step++) {
      const args = r.chance(0.45) ? randomBlockingCommand(r) : randomListCommand(r);
      history.push(args.map((a) => (Buffer.isBuffer(a) ? `<${a.toString('hex')}>` : a)).join(' '));
      const [expected, actual] = await Promise.all([toRedis(args), toDb(args)]);
      const where = `seed ${seed}, step ${step}: ${history.slice(-5).join(' | ')}`;
      if (isTimeDependent(args) && typeof expected === 'number' && expected >= 0) {
        expect(Math.abs((actual as number) - expected), where).toBeLessThanOrEqual(1);
      } else {
        expect(show(actual), where).toEqual(show(expected));
      }
      if (BLOCKING.includes(name(args))) {
        const counts = outcomes.get(name(args)) ?? { data: 0, timeout: 0, error: 0 };
        if (expected instanceof Error) counts.error++;
        else if (expected === null) counts.timeout++;
        else counts.data++;
        outcomes.set(name(args), counts);
      }
      if (step % STATE_EVERY_STEPS === 0) {
        expect(await listKeysState(toDb), `state, ${where}`).toEqual(await listKeysState(toRedis));
      }
    }
    expect(await listKeysState(toDb)).toEqual(await listKeysState(toRedis));
    expect(await db.dbSize()).toBe(await redis.dbSize());
    // Every blocking command found data, timed out and was refused a fair number of times.
    for (const command of BLOCKING) {
      const counts = outcomes.get(command);
      expect(counts?.data ?? 0, `${command} with data`).toBeGreaterThan(5);
      expect(counts?.timeout ?? 0, `${command} timed out`).toBeGreaterThan(5);
      expect(counts?.error ?? 0, `${command} refused`).toBeGreaterThan(2);
    }
  });

  it('answers at once, without waiting for the timeout, when data is there', async () => {
    await redis.flushAll();
    await db.flushAll();
    for (const send of [
      (args: Arg[]) => redis.sendCommand(args),
      (args: Arg[]) => db.sendCommand(args),
    ]) {
      await send(['RPUSH', '{l}a', 'x', 'y', 'z']);
      const started = performance.now();
      expect(await send(['BLPOP', '{l}b', '{l}a', '5'])).toEqual(['{l}a', 'x']);
      expect(await send(['BLMOVE', '{l}a', '{l}b', 'RIGHT', 'LEFT', '5'])).toBe('z');
      expect(await send(['BLMPOP', '5', '2', '{l}c', '{l}b', 'LEFT', 'COUNT', '9'])).toEqual([
        '{l}b',
        ['z'],
      ]);
      expect(performance.now() - started).toBeLessThan(1000);
    }
  });
});
