// Helpers for integration tests: they run against the build (dist/), because shard workers are
// loaded by Node itself, outside vitest's transform.

import type { OpenOptions } from '../../dist/src/index.js';
import { SlotDB } from '../../dist/src/index.js';

export async function withDb<T>(
  options: OpenOptions,
  body: (db: SlotDB) => Promise<T>,
): Promise<T> {
  const db = await SlotDB.open(options);
  try {
    return await body(db);
  } finally {
    await db.close();
  }
}

/** The message of the error a promise rejects with (fails the test if it resolves). */
export async function errorOf(promise: Promise<unknown>): Promise<string> {
  try {
    const value = await promise;
    throw new Error(`expected an error, got ${JSON.stringify(value)}`);
  } catch (error) {
    return (error as Error).message;
  }
}

/** Keys that hash to different slots, one per shard of a `shards`-shard database. */
export function keysOnEveryShard(db: SlotDB, prefix: string): string[] {
  const byShard = new Map<number, string>();
  for (let i = 0; byShard.size < db.shardCount; i++) {
    const key = `${prefix}${i}`;
    const shard = db.slotOwner(db.sync.clusterKeySlot(key));
    if (!byShard.has(shard)) byShard.set(shard, key);
  }
  return [...byShard.values()];
}

export { SlotDB };
