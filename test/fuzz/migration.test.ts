// Migration fuzz: three client threads issue seeded random commands (pipelined and blocking) while
// the main thread moves their slots back and forth between shards, with key and slot locks, small
// batches, and some migrations cancelled mid-way. Each client checks every reply against its own
// model (it is the only writer of its keys), and at the end the database must hold exactly what
// the models say. The seed is printed; SLOTDB_FUZZ_SEED=<seed> replays a run's choices.

import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { keySlot, SlotDB } from '../../dist/src/index.js';
import { fuzzSeed, Random } from '../support/random.js';

const CLIENT_THREADS = 3;
const ROUNDS = 300;
const TAGS = ['t0', 't1', 't2', 't3', 't4', 't5'];
/** Keys per slot that nobody touches, so that each move takes many batches. */
const FILLER_PER_SLOT = 1500;

interface ClientResult {
  readonly checked: number;
  readonly model: [string, string][];
}

function clientThread(handle: unknown, client: number, seed: number): Promise<ClientResult> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL('../support/fuzz-client.mjs', import.meta.url), {
      workerData: { handle, client, seed, rounds: ROUNDS, tags: TAGS },
    });
    worker.once('message', (message) =>
      message.ok ? resolve(message) : reject(new Error(message.error)),
    );
    worker.once('error', reject);
  });
}

describe('migration fuzz', () => {
  it('clients never see an error, a stale read or a lost write while slots move back and forth', async () => {
    const seed = fuzzSeed();
    console.log(`migration fuzz seed ${seed} (replay with SLOTDB_FUZZ_SEED=${seed})`);
    const r = new Random(seed);
    const db = await SlotDB.open({ shards: 3 });
    try {
      for (const tag of TAGS) {
        await db.mSet(
          Array.from(
            { length: FILLER_PER_SLOT },
            (_, i) => [`{${tag}}fill:${i}`, `f${i}`] as [string, string],
          ),
        );
      }
      let running = true;
      const clients = Promise.all(
        Array.from({ length: CLIENT_THREADS }, async (_, c) =>
          clientThread(await db.handle(), c, seed + c + 1),
        ),
      ).finally(() => (running = false));

      const outcomes = { completed: 0, cancelled: 0 };
      const movers = [0, 1].map(async () => {
        while (running) {
          const slot = keySlot(r.pick(TAGS));
          const target = (db.slotOwner(slot) + 1 + r.int(db.shardCount - 1)) % db.shardCount;
          const controller = new AbortController();
          const cancel = r.chance(0.25);
          if (cancel) setTimeout(() => controller.abort(), r.int(4));
          try {
            await db.migrateSlot(slot, target, {
              lock: r.chance(0.2) ? 'slot' : 'key',
              batchKeys: 1 + r.int(64),
              window: 1 + r.int(3),
              signal: controller.signal,
            });
            outcomes.completed++;
          } catch (error) {
            const name = (error as Error).name;
            if (name === 'AbortError') outcomes.cancelled++;
            else if (!(error as Error).message.includes('already migrating')) throw error;
          }
        }
      });
      const results = await clients;
      await Promise.all(movers);
      console.log(
        `migration fuzz: ${results.reduce((n, c) => n + c.checked, 0)} replies checked, ` +
          `${outcomes.completed} migrations completed, ${outcomes.cancelled} cancelled`,
      );
      expect(outcomes.completed).toBeGreaterThan(0);

      // The database holds exactly what the clients' models say, and every filler key.
      for (const result of results) {
        const keys = result.model.map(([key]) => key);
        if (keys.length > 0)
          expect(await db.mGet(keys), `seed ${seed}`).toEqual(
            result.model.map(([, value]) => value),
          );
      }
      const modelKeys = results.reduce((n, c) => n + c.model.length, 0);
      expect(await db.dbSize(), `seed ${seed}`).toBe(TAGS.length * FILLER_PER_SLOT + modelKeys);
      for (const tag of TAGS) {
        const slot = keySlot(tag);
        expect(db.stats().migrations).toEqual([]);
        const filler = await db.mGet(
          Array.from({ length: FILLER_PER_SLOT }, (_, i) => `{${tag}}fill:${i}`),
        );
        expect(
          filler.every((value, i) => value === `f${i}`),
          `filler of slot ${slot}`,
        ).toBe(true);
      }
      // Each slot lives on exactly one shard: the others hold none of its keys.
      const keysPerShard = db.stats().shards.map((shard) => shard.keys);
      expect(keysPerShard.reduce((a, b) => a + b, 0)).toBe(
        TAGS.length * FILLER_PER_SLOT + modelKeys,
      );
    } finally {
      await db.close();
    }
  });
});
