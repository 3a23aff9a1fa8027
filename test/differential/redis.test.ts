// Differential tests against a real redis-server (Debian's, 7.0): the same seeded random commands go
// to Redis and to slotdb, and every reply must be the same, error texts included. A second,
// cluster-enabled server checks keySlot against CLUSTER KEYSLOT for random keys.

import { createClient, RESP_TYPES } from 'redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keySlot, SlotDB } from '../../dist/src/index.js';
import { type Arg, isTimeDependent, randomCommand } from '../support/commands.js';
import { fuzzSeed, Random } from '../support/random.js';
import { type RunningRedis, redisAvailable, startRedis } from '../support/redis-server.js';
import { show } from '../support/show-reply.js';

const STEPS = 3000;

describe.skipIf(!redisAvailable)('against redis-server', () => {
  let plain: RunningRedis;
  let cluster: RunningRedis;
  let redis: ReturnType<typeof createClient>;
  let redisCluster: ReturnType<typeof createClient>;
  let db: SlotDB;

  beforeAll(async () => {
    plain = await startRedis();
    cluster = await startRedis(['--cluster-enabled', 'yes', '--cluster-config-file', 'nodes.conf']);
    redis = createClient({ socket: { port: plain.port, host: '127.0.0.1' } });
    redisCluster = createClient({ socket: { port: cluster.port, host: '127.0.0.1' } });
    await redis.connect();
    await redisCluster.connect();
    db = await SlotDB.open({ shards: 3 });
  });

  afterAll(async () => {
    await db?.close();
    await redis?.quit();
    await redisCluster?.quit();
    await plain?.stop();
    await cluster?.stop();
  });

  it('keySlot equals CLUSTER KEYSLOT for random keys and tag edge cases', async () => {
    const r = new Random(fuzzSeed());
    const keys: Buffer[] = [
      '',
      '{}',
      '{a}{b}',
      'a{',
      '{',
      '}',
      '}{',
      'a{}b{c}',
      '{{}}',
      '{}}',
      'foo',
      'ключ{тег}',
    ].map((k) => Buffer.from(k));
    const alphabet = Buffer.from('ab{}x');
    for (let i = 0; i < 500; i++) {
      const length = r.int(12);
      const key = Buffer.alloc(length);
      for (let j = 0; j < length; j++)
        key[j] = r.chance(0.7) ? alphabet[r.int(alphabet.length)]! : r.int(256);
      keys.push(key);
    }
    const slots = await Promise.all(
      keys.map((key) => redisCluster.sendCommand(['CLUSTER', 'KEYSLOT', key])),
    );
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i]!;
      expect(keySlot(key), `seed ${r.seed} key <${key.toString('hex')}>`).toBe(slots[i]);
    }
  });

  it(`replies exactly as Redis to ${STEPS} random commands`, async () => {
    const seed = fuzzSeed();
    console.log(`differential seed ${seed} (replay with SLOTDB_FUZZ_SEED=${seed})`);
    const r = new Random(seed);
    await redis.flushAll();
    await db.flushAll();
    const asBuffers = { typeMapping: { [RESP_TYPES.BLOB_STRING]: Buffer } };
    const dbBuffers = db.withBuffers();
    const history: string[] = [];
    for (let step = 0; step < STEPS; step++) {
      const args: Arg[] = randomCommand(r);
      history.push(args.map((a) => (Buffer.isBuffer(a) ? `<${a.toString('hex')}>` : a)).join(' '));
      const [expected, actual] = await Promise.all([
        redis.sendCommand(args, asBuffers).catch((error: Error) => error),
        dbBuffers.sendCommand(args).catch((error: Error) => error),
      ]);
      const where = `seed ${seed}, step ${step}: ${history.slice(-5).join(' | ')}`;
      if (isTimeDependent(args) && typeof expected === 'number' && expected >= 0) {
        expect(typeof actual, where).toBe('number');
        expect(Math.abs((actual as number) - expected), where).toBeLessThanOrEqual(1);
      } else {
        expect(show(actual), where).toEqual(show(expected));
      }
    }
    expect(await db.dbSize()).toBe(await redis.dbSize());
  });
});
