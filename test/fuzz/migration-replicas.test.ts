// Migration fuzz with replicas and failovers: client threads issue seeded random commands on their
// own keys (pipelined and blocking) while the main thread moves their slots back and forth (some
// moves cancelled) and kills primaries at random points; each kill promotes a replica. Each client
// checks every reply against its model, which allows a write no WAIT counted to be lost (and no
// other error than a FailoverError); at the end the database must hold a value each model allows
// for every key, every filler key (all counted by a WAIT before the first kill), each key once,
// and no slot still moving. The seed is printed; SLOTDB_FUZZ_SEED=<seed> replays its choices.

import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { keySlot, SlotDB } from '../../dist/src/index.js';
import { replicasStreaming, shardWorker } from '../../dist/src/testing.js';
import { fuzzSeed, Random } from '../support/random.js';

const SHARDS = 3;
const CLIENT_THREADS = 2;
const ROUNDS = 300;
/** Each kill takes a spare worker seat for the replacement replica: 2 * shards * (1 + replicas) seats. */
const KILLS = 5;
const TAGS = ['r0', 'r1', 'r2', 'r3', 'r4'];
/** Keys per slot that nobody touches, so that each move takes several batches. */
const FILLER_PER_SLOT = 400;

interface ClientResult {
  readonly checked: number;
  readonly waits: number;
  readonly failovers: number;
  /** Per key, the values it may hold ('<integer>': any integer). */
  readonly model: [string, (string | null)[]][];
}

function clientThread(handle: unknown, client: number, seed: number): Promise<ClientResult> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL('../support/fuzz-replica-client.mjs', import.meta.url), {
      workerData: { handle, client, seed, rounds: ROUNDS, tags: TAGS },
    });
    worker.once('message', (message) =>
      message.ok ? resolve(message) : reject(new Error(message.error)),
    );
    worker.once('error', reject);
  });
}

/** Errors a move may end with while primaries die: cancelled, busy, or a shard down meanwhile. */
function expectedMoveError(error: Error): string | undefined {
  if (error.name === 'AbortError') return 'cancelled';
  if (error.message.includes('already migrating')) return 'busy';
  if (error.name === 'ShardDownError' || error.name === 'FailoverError') return 'shard down';
  if (error.name === 'ShardRequestError' || error.name === 'MigrationError') return 'failed';
  return undefined;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

describe('migration fuzz with replicas', () => {
  it('no acknowledged key is lost or duplicated while slots move and primaries fail over', async () => {
    const seed = fuzzSeed();
    console.log(`migration replicas fuzz seed ${seed} (replay with SLOTDB_FUZZ_SEED=${seed})`);
    const r = new Random(seed);
    const db = await SlotDB.open({ shards: SHARDS, replicas: 1 });
    try {
      for (const tag of TAGS) {
        const pairs = Array.from({ length: FILLER_PER_SLOT }, (_, i) => [`{${tag}}f${i}`, `f${i}`]);
        await db.mSet(pairs as [string, string][]);
      }
      expect(await db.wait(1, 5000)).toBe(1);

      let running = true;
      const clients = Promise.all(
        Array.from({ length: CLIENT_THREADS }, async (_, c) =>
          clientThread(await db.handle(), c, seed + c + 1),
        ),
      ).finally(() => (running = false));

      const outcomes: Record<string, number> = { completed: 0 };
      const mover = (async () => {
        while (running) {
          const slot = keySlot(r.pick(TAGS));
          const target = (db.slotOwner(slot) + 1 + r.int(SHARDS - 1)) % SHARDS;
          const controller = new AbortController();
          if (r.chance(0.2)) setTimeout(() => controller.abort(), r.int(6));
          try {
            await db.migrateSlot(slot, target, {
              batchKeys: 1 + r.int(64),
              window: 1 + r.int(3),
              signal: controller.signal,
              ...(r.chance(0.5) ? { replicas: 1 } : {}),
            });
            outcomes.completed!++;
          } catch (error) {
            const outcome = expectedMoveError(error as Error);
            if (outcome === undefined) throw error;
            outcomes[outcome] = (outcomes[outcome] ?? 0) + 1;
            if (outcome === 'shard down') await sleep(5);
          }
        }
      })();
      let kills = 0;
      const killer = (async () => {
        while (running && kills < KILLS) {
          await sleep(100 + r.int(400));
          if (!running) break;
          // A shard whose replica is still copying would have none to take over: wait for it.
          await replicasStreaming(db, 20_000);
          await shardWorker(db, r.int(SHARDS)).terminate();
          kills++;
        }
      })();
      const results = await clients;
      await Promise.all([mover, killer]);
      const checked = results.reduce((n, c) => n + c.checked, 0);
      const failovers = results.reduce((n, c) => n + c.failovers, 0);
      console.log(
        `migration replicas fuzz: ${checked} replies checked, ${kills} primaries killed, ` +
          `${failovers} FailoverErrors, moves ${JSON.stringify(outcomes)}`,
      );
      expect(outcomes.completed).toBeGreaterThan(0);
      expect(kills).toBeGreaterThan(0);

      // Every move ended, and each key is where its slot is, once.
      await replicasStreaming(db, 20_000);
      expect(db.stats().migrations).toEqual([]);
      let present = 0;
      for (const result of results) {
        const keys = result.model.map(([key]) => key);
        const values = await db.mGet(keys);
        result.model.forEach(([key, possible], i) => {
          const value = values[i] ?? null;
          const allowed =
            possible.includes(value) ||
            (possible.includes('<integer>') && /^-?\d+$/.test(String(value)));
          expect(
            allowed,
            `seed ${seed}: ${key} = ${value}, may be ${JSON.stringify(possible)}`,
          ).toBe(true);
          if (value !== null) present++;
        });
      }
      for (const tag of TAGS) {
        const filler = await db.mGet(
          Array.from({ length: FILLER_PER_SLOT }, (_, i) => `{${tag}}f${i}`),
        );
        const missing = filler.filter((value, i) => value !== `f${i}`).length;
        expect(missing, `seed ${seed}: filler keys of {${tag}} lost`).toBe(0);
      }
      const total = TAGS.length * FILLER_PER_SLOT + present;
      expect(await db.dbSize(), `seed ${seed}`).toBe(total);
      expect(db.stats().keys, `seed ${seed}: keys per shard`).toBe(total);
    } finally {
      await db.close();
    }
  }, 120_000);
});
