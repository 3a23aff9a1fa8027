// The migration's pace with real shards: an adaptive move finds the clients (a load from this
// thread) and paces itself, and moves unpaced without them; the profile shows which; a byte
// ceiling holds a move back; every key arrives intact either way.

import { describe, expect, it } from 'vitest';
import type { ProfileReport, SlotDB } from '../../dist/src/index.js';
import { keySlot } from '../../dist/src/index.js';
import { withDb } from '../support/db.js';

const VALUE = 'v'.repeat(32);

/** `count` slots owned by shard 0, each holding `perSlot` keys; returns the slots and keys. */
async function loadSlots(
  db: SlotDB,
  count: number,
  perSlot: number,
): Promise<{ slots: number[]; keys: string[] }> {
  const tags = new Map<number, string>();
  for (let i = 0; tags.size < count; i++) {
    const slot = keySlot(`p${i}`);
    if (db.slotOwner(slot) === 0 && !tags.has(slot)) tags.set(slot, `p${i}`);
  }
  const keys = [...tags.values()].flatMap((tag) =>
    Array.from({ length: perSlot }, (_, i) => `{${tag}}${i}`),
  );
  for (let i = 0; i < keys.length; i += 10_000)
    await db.mSet(
      keys.slice(i, i + 10_000).map((k, j) => [k, `${VALUE}${i + j}`] as [string, string]),
    );
  return { slots: [...tags.keys()], keys };
}

/** Pipelined reads from this thread until `stop.done`, on keys of every shard. */
async function clients(
  db: SlotDB,
  keys: readonly string[],
  stop: { done: boolean },
): Promise<void> {
  let cursor = 0;
  while (!stop.done) {
    const batch: Promise<unknown>[] = [];
    for (let i = 0; i < 200; i++) {
      cursor = (cursor + 7919) % keys.length;
      batch.push(db.get(keys[cursor]!));
    }
    await Promise.all(batch);
  }
}

/** The pace each shard reported over the profile (null where it had none). */
function paces(report: ProfileReport, shard: number): number[] {
  return report.timeline.flatMap((bucket) => {
    const duty = bucket.paceDuty?.[shard];
    return duty === null || duty === undefined ? [] : [duty];
  });
}

async function expectIntact(db: SlotDB, keys: readonly string[]): Promise<void> {
  const values = await db.mGet([...keys.slice(0, 2000)]);
  expect(values).toEqual(values.map((_, i) => `${VALUE}${i}`));
  expect(await db.dbSize()).toBeGreaterThanOrEqual(keys.length);
}

describe('adaptive migration pace', () => {
  it('under client load, the source paces itself below a full core and the move completes', async () => {
    await withDb({ shards: 3 }, async (db) => {
      const { slots, keys } = await loadSlots(db, 40, 200);
      const moving = new Set(slots);
      const others = Array.from({ length: 3000 }, (_, i) => `other${i}`).filter(
        (k) => !moving.has(keySlot(k)),
      );
      await db.mSet(others.map((k) => [k, VALUE] as [string, string]));
      const stop = { done: false };
      const load = clients(db, others, stop);
      // Let the clients run before the move, so the pace's first period sees them.
      await new Promise((resolve) => setTimeout(resolve, 200));
      const profile = db.profile({ bucketMs: 50 });
      const summary = await db.migrateSlots(slots, 1, { parallel: 8 });
      const report = await profile.stop();
      stop.done = true;
      await load;
      expect(summary.slots).toBe(40);
      expect(summary.keys).toBe(keys.length);
      for (const slot of slots) expect(db.slotOwner(slot)).toBe(1);
      const source = paces(report, 0);
      expect(source.length).toBeGreaterThan(0);
      // Loaded: a duty below a whole core, never the unpaced 1.
      expect(Math.min(...source)).toBeLessThan(1);
      expect(report.timeline.some((b) => (b.migratedKeysPerSecond ?? 0) > 0)).toBe(true);
      await expectIntact(db, keys);
    });
  });

  it('without clients, the move is unpaced (the profile shows a pace of 1)', async () => {
    await withDb({ shards: 2 }, async (db) => {
      const { slots, keys } = await loadSlots(db, 20, 5000);
      const profile = db.profile({ bucketMs: 50 });
      const summary = await db.migrateSlots(slots, 1);
      const report = await profile.stop();
      expect(summary.keys).toBe(keys.length);
      const source = paces(report, 0);
      // The first period senses (its duty is below 1); every later adjustment found no clients.
      expect(source.length).toBeGreaterThan(1);
      expect(source.at(-1)).toBe(1);
      await expectIntact(db, keys);
    });
  });

  it('pace max and a byte ceiling: the ceiling holds the move to its rate', async () => {
    await withDb({ shards: 2 }, async (db) => {
      const { slots, keys } = await loadSlots(db, 1, 300);
      const bytes = keys.reduce((total, k, i) => total + k.length + `${VALUE}${i}`.length, 0);
      const started = performance.now();
      // The slot's bytes per second, less the 10 ms burst: the move cannot end in under half a
      // second (a lower bound only: a slow machine takes longer, never shorter).
      const bytesPerSecond = bytes;
      const summary = await db.migrateSlot(slots[0]!, 1, {
        pace: 'max',
        bytesPerSecond,
        batchKeys: 20,
      });
      expect(summary.keys).toBe(300);
      expect(performance.now() - started).toBeGreaterThan(500);
      await expectIntact(db, keys);
    });
  });

  it("an adaptive pace under a key ceiling moves a slot with no clients (its idle batches are bigger than the ceiling's burst)", async () => {
    await withDb({ shards: 2 }, async (db) => {
      const { slots, keys } = await loadSlots(db, 2, 3000);
      const summary = await db.migrateSlots(slots, 1, { pace: 'adaptive', keysPerSecond: 20_000 });
      expect(summary.keys).toBe(keys.length);
      await expectIntact(db, keys);
    });
  });

  it('refuses a pace it does not know and a bad byte rate, naming the option', async () => {
    await withDb({ shards: 2 }, async (db) => {
      await expect(db.migrateSlot(0, 1, { pace: 'slow' as never })).rejects.toThrow(
        /option 'pace'/,
      );
      await expect(db.migrateSlots([0], 1, { bytesPerSecond: -5 })).rejects.toThrow(
        /option 'bytesPerSecond'/,
      );
    });
  });
});
