// Helpers for tests that look at a slot while it moves: a target that holds its acknowledgements
// keeps the first batch in flight for as long as a test needs.

import type { MigrateOptions, MigrationReport, SlotDB } from '../../dist/src/index.js';
import { setShardFaults } from '../../dist/src/testing.js';

export const keysOn = (db: SlotDB, shard: number): number => db.stats().shards[shard]!.keys;

/** 'pending' if the promise has not settled within `ms`, else its value (or 'error: ...'). */
export async function within(promise: Promise<unknown>, ms: number): Promise<unknown> {
  const timeout = new Promise((resolve) => setTimeout(() => resolve('pending'), ms));
  return Promise.race([
    promise.then(
      (value) => value,
      (error: Error) => `error: ${error.message}`,
    ),
    timeout,
  ]);
}

/** Waits until `check` holds (polling), failing after 10 s. */
export async function until(check: () => boolean | Promise<boolean>): Promise<void> {
  for (let waited = 0; !(await check()); waited += 5) {
    if (waited > 10_000) throw new Error('condition not reached in 10 s');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/**
 * Starts moving `slot` to the next shard in batches of 10 keys, one batch in flight, with the
 * target holding its acknowledgements; resolves once the first batch is applied there, its keys
 * still locked on the source. `setShardFaults(db, target, {})` lets the move go on.
 */
export async function holdFirstBatch(
  db: SlotDB,
  slot: number,
  options: MigrateOptions = {},
): Promise<{ source: number; target: number; moving: Promise<MigrationReport> }> {
  const source = db.slotOwner(slot);
  const target = (source + 1) % db.shardCount;
  const before = keysOn(db, target);
  await setShardFaults(db, target, { holdAcks: true });
  const moving = db.migrateSlot(slot, target, { batchKeys: 10, window: 1, ...options });
  await until(() => keysOn(db, target) === before + 10);
  return { source, target, moving };
}
