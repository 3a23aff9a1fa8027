// Differential test of transactions against a real redis-server in cluster mode (one node that
// serves every slot, so that CROSSSLOT is answered as slotdb answers it): the same seeded random
// blocks (WATCH, MULTI, queued commands with errors among them, EXEC or DISCARD, RENAME, RENAMENX,
// COPY) go to Redis over one connection and to slotdb's isolated client, while a second
// connection (the shared db for slotdb) changes watched keys in between. Every reply must be the
// same, error texts included. SLOTDB_FUZZ_SEED replays a run.

import { createClient, RESP_TYPES } from 'redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keySlot, SlotDB } from '../../dist/src/index.js';
import { fuzzSeed, Random } from '../support/random.js';
import { type RunningRedis, redisAvailable, startRedis } from '../support/redis-server.js';
import { show } from '../support/show-reply.js';
import {
  type Arg,
  FOREIGN_KEYS,
  HOME_KEYS,
  TransactionBlocks,
} from '../support/transaction-commands.js';

const STEPS = 3000;
const CLUSTER_READY_MS_MAX = 10_000;

const printable = (args: readonly Arg[]): string =>
  args.map((a) => (Buffer.isBuffer(a) ? `<${a.toString('hex')}>` : a)).join(' ');

type RedisClient = ReturnType<typeof createClient>;
type Sender = (args: Arg[]) => Promise<unknown>;

/** A single-node cluster that serves every slot, ready for commands. */
async function startClusterNode(): Promise<{ server: RunningRedis; client: () => RedisClient }> {
  const server = await startRedis([
    '--cluster-enabled',
    'yes',
    '--cluster-config-file',
    'nodes.conf',
  ]);
  const client = (): RedisClient =>
    createClient({ socket: { port: server.port, host: '127.0.0.1' } });
  const admin = client();
  await admin.connect();
  await admin.sendCommand(['CLUSTER', 'ADDSLOTSRANGE', '0', '16383']);
  const started = Date.now();
  while (!String(await admin.sendCommand(['CLUSTER', 'INFO'])).includes('cluster_state:ok')) {
    if (Date.now() - started > CLUSTER_READY_MS_MAX) throw new Error('cluster did not get ready');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  await admin.quit();
  return { server, client };
}

describe.skipIf(!redisAvailable)('transactions against redis-server (cluster mode)', () => {
  let node: RunningRedis;
  let redisTx: RedisClient;
  let redisOther: RedisClient;
  let db: SlotDB;

  beforeAll(async () => {
    const started = await startClusterNode();
    node = started.server;
    redisTx = started.client();
    redisOther = started.client();
    await redisTx.connect();
    await redisOther.connect();
    db = await SlotDB.open({ shards: 3 });
  });

  afterAll(async () => {
    await db?.close();
    await redisTx?.quit();
    await redisOther?.quit();
    await node?.stop();
  });

  it('keeps its keys where the blocks expect them', () => {
    const homeSlot = keySlot('{h}');
    for (const key of HOME_KEYS) expect(keySlot(key)).toBe(homeSlot);
    const foreign = FOREIGN_KEYS.map((key) => keySlot(key));
    expect(new Set([homeSlot, ...foreign]).size).toBe(3);
  });

  it(`replies exactly as Redis to ${STEPS} random transaction steps`, async () => {
    const seed = fuzzSeed();
    console.log(`transactions differential seed ${seed} (replay with SLOTDB_FUZZ_SEED=${seed})`);
    const r = new Random(seed);
    const blocks = new TransactionBlocks(r);
    await redisTx.flushAll();
    await db.flushAll();
    const asBuffers = { typeMapping: { [RESP_TYPES.BLOB_STRING]: Buffer } };
    const expected = {
      tx: (args: Arg[]) => redisTx.sendCommand(args, asBuffers),
      other: (args: Arg[]) => redisOther.sendCommand(args, asBuffers),
    };
    const buffers = db.withBuffers();
    await buffers.isolated(async (isolated) => {
      const actual = {
        tx: (args: Arg[]) => isolated.sendCommand(args),
        other: (args: Arg[]) => buffers.sendCommand(args),
      };
      const history: string[] = [];
      for (let step = 0; step < STEPS; ) {
        for (const { other, args } of blocks.next()) {
          history.push(`${other ? 'other' : 'tx'}: ${printable(args)}`);
          const send = (side: { tx: Sender; other: Sender }) =>
            (other ? side.other : side.tx)(args).catch((error: Error) => error);
          const [want, got] = [await send(expected), await send(actual)];
          const where = `seed ${seed}, step ${step}: ${history.slice(-12).join(' | ')}`;
          expect(show(got), where).toEqual(show(want));
          step++;
        }
      }
    });
    for (const key of HOME_KEYS) {
      const want = await redisOther.sendCommand(['GET', key], asBuffers).catch((e: Error) => e);
      const got = await buffers.get(key).catch((e: Error) => e);
      expect(show(got), `final value of ${printable([key])}`).toEqual(show(want));
    }
    expect(await db.dbSize()).toBe(await redisOther.dbSize());
  });
});
