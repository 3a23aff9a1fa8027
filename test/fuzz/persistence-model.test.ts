// Model-based fuzz of persistence: seeded random writes of every type (strings, lists, sets,
// hashes, sorted sets, deadlines, RENAME, FLUSHALL) go to a 3-shard database kept on disk, in
// pipelined batches, and to a plain model (test/support/typed-model.ts). Now and then a slot
// holding keys moves to another shard; at random points the database is closed and opened again on
// the same directory, with another appendfsync and snapshot compression, and once in a while with a
// small autoAofRewriteMinSize so snapshots are taken and committed mid-run. Before each close and
// after each open the whole keyspace must equal the model's, and the slot map must be the one the
// database closed with. SLOTDB_FUZZ_SEED=<seed> replays a failure.

import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { keySlot, type OpenOptions, SlotDB } from '../../dist/src/index.js';
import { fuzzSeed, Random } from '../support/random.js';
import { readKeyspace, TypedModel } from '../support/typed-model.js';

const SHARDS = 3;
const STEPS = Number(process.env.SLOTDB_PERSIST_STEPS ?? 2500);

const dirs: string[] = [];

afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/** Options for the `count`th open: every third one takes snapshots soon. */
function openOptions(r: Random, dir: string, count: number): OpenOptions {
  return {
    shards: SHARDS,
    dir,
    appendfsync: r.pick(['always', 'everysec', 'no'] as const),
    snapshotCompression: r.pick(['lz4', 'none'] as const),
    // Small: a snapshot starts as soon as a log passes a few kilobytes, while writes go on.
    autoAofRewriteMinSize: count % 3 === 1 ? r.between(1024, 8192) : undefined,
    // ... and once the log grew by a few percent since the open (the base is the log loaded).
    autoAofRewritePercentage: count % 3 === 1 ? r.between(1, 20) : undefined,
  };
}

/** The owner of every slot now (the slot map a reopen must give back). */
function slotMap(db: SlotDB): number[] {
  return Array.from({ length: 16384 }, (_, slot) => db.slotOwner(slot));
}

async function moveSomeSlot(db: SlotDB, r: Random, model: TypedModel): Promise<void> {
  const keys = [...model.data.keys()];
  if (keys.length === 0) return;
  const slot = keySlot(r.pick(keys));
  const target = (db.slotOwner(slot) + 1 + r.int(SHARDS - 1)) % SHARDS;
  await db.migrateSlots([slot], target);
}

describe('persistence against a model', () => {
  it('every reopen finds exactly the keys the model holds, and the slot map', async () => {
    const seed = fuzzSeed();
    const r = new Random(seed);
    const where = (step: number, what: string) => `seed ${seed} step ${step}: ${what}`;
    const dir = mkdtempSync(join(tmpdir(), 'slotdb-'));
    dirs.push(dir);
    const model = new TypedModel();
    console.log(`persistence model fuzz seed ${seed}`);
    let db = await SlotDB.open(openOptions(r, dir, 0));
    let reopens = 0;
    try {
      let nextReopen = r.between(100, 500);
      for (let step = 0; step < STEPS; ) {
        // A pipelined batch: sent in one go, applied to the model in the order sent.
        const batch = Array.from({ length: r.between(1, 40) }, () => model.command(r));
        const replies = batch.map((args) => db.sendCommand(args).catch((error: Error) => error));
        for (const args of batch) model.apply(args);
        await Promise.all(replies);
        step += batch.length;
        if (r.chance(0.03)) await moveSomeSlot(db, r, model);
        if (step < nextReopen) continue;
        nextReopen = step + r.between(100, 500);
        expect(await readKeyspace(db), where(step, 'before close')).toEqual(model.dump());
        const owners = slotMap(db);
        await db.close();
        reopens++;
        db = await SlotDB.open(openOptions(r, dir, reopens));
        expect(await readKeyspace(db), where(step, 'after reopen')).toEqual(model.dump());
        expect(slotMap(db), where(step, 'slot map after reopen')).toEqual(owners);
      }
      expect(await readKeyspace(db), where(STEPS, 'at the end')).toEqual(model.dump());
    } finally {
      await db.close();
    }
    expect(reopens).toBeGreaterThan(2);
    // Snapshots were committed on the way (a shard's files are past their first generation).
    const manifest = JSON.parse(readFileSync(join(dir, 'MANIFEST'), 'utf8'));
    const generations = manifest.files.map((files: { generation: number }) => files.generation);
    expect(Math.max(...generations)).toBeGreaterThan(1);
  });
});
