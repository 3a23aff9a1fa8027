// A shard that dies while a slot moves (issue 12, items 10 and 11): the surviving shard serves the
// keys it has, a key that died with the other shard fails with ShardDownError (never reads as
// missing), the move is reported failed and leaves stats().migrations, and the slot keeps its
// lost-keys mark: only FLUSHALL clears it (docs/migration.md, "Cancel and failure").

import { describe, expect, it } from 'vitest';
import type { SlotDB } from '../../dist/src/index.js';
import { keySlot, MigrationError, ShardDownError } from '../../dist/src/index.js';
import { setShardFaults, shardWorker } from '../../dist/src/testing.js';
import { withDb } from '../support/db.js';
import { holdFirstBatch, keysOn, until } from '../support/migration.js';

const TAG = 'death';
const SLOT = keySlot(TAG);
const key = (i: number): string => `{${TAG}}k${i}`;
const KEYS = 100;

/** The error a promise rejects with (fails the test if it resolves). */
async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    (value) => {
      throw new Error(`expected an error, got ${JSON.stringify(value)}`);
    },
    (error: unknown) => error,
  );
}

/**
 * Loads KEYS keys into the slot and starts moving it to the next shard; resolves once keys 0..9
 * moved (acknowledged, deleted at the source) and the source paused with the rest still there.
 */
async function splitSlot(
  db: SlotDB,
): Promise<{ source: number; target: number; moving: Promise<unknown> }> {
  for (let i = 0; i < KEYS; i++) await db.set(key(i), `v${i}`);
  const { source, target, moving } = await holdFirstBatch(db, SLOT);
  const settled = moving.then(
    () => 'resolved',
    (error: unknown) => error,
  );
  await setShardFaults(db, source, { pauseSending: true });
  await setShardFaults(db, target, {});
  await until(() => keysOn(db, source) === KEYS - 10);
  return { source, target, moving: settled };
}

const moving = (db: SlotDB): number[] => db.stats().migrations.map((m) => m.slot);

describe('a shard that dies while a slot moves', () => {
  it('source dies: the target serves the keys that moved, reads and writes; the keys left on the source fail; the move fails and leaves stats', async () => {
    await withDb({ shards: 2 }, async (db) => {
      const { source, target, moving: move } = await splitSlot(db);
      await shardWorker(db, source).terminate();
      const error = await move;
      expect(error instanceof ShardDownError || error instanceof MigrationError).toBe(true);
      await until(() => db.slotOwner(SLOT) === target);
      expect(moving(db)).not.toContain(SLOT);
      // Keys that had moved stay readable and writable, async and sync.
      expect(await db.get(key(3))).toBe('v3');
      expect(await db.set(key(3), 'new')).toBe('OK');
      expect(await db.append(key(4), '+')).toBe(3);
      expect(db.sync.get(key(3))).toBe('new');
      // Keys that were on the dead source, and keys the target cannot tell from them, fail.
      expect(await rejection(db.get(key(60)))).toBeInstanceOf(ShardDownError);
      const absent = await rejection(db.get(`{${TAG}}absent`));
      expect(absent).toBeInstanceOf(ShardDownError);
      expect((absent as Error).message).toMatch(`shard ${source} is down`);
      expect(() => db.sync.get(key(60))).toThrow(ShardDownError);
      expect(await rejection(db.mGet([key(3), key(60)]))).toBeInstanceOf(ShardDownError);
    });
  });

  it('target dies: keys that had moved to it fail with ShardDownError, never null; the source serves the rest; the slot does not move while marked', async () => {
    await withDb({ shards: 3 }, async (db) => {
      const { source, target, moving: move } = await splitSlot(db);
      await shardWorker(db, target).terminate();
      expect(await move).toBeInstanceOf(MigrationError);
      await until(() => !moving(db).includes(SLOT));
      expect(db.slotOwner(SLOT) === source).toBe(true);
      // Keys the source still has keep working.
      expect(await db.get(key(60))).toBe('v60');
      expect(await db.set(key(60), 'new')).toBe('OK');
      expect(db.sync.get(key(60))).toBe('new');
      // A key that moved to the dead target, or one the source cannot tell from it: ShardDownError.
      for (const lost of [key(3), `{${TAG}}absent`]) {
        const error = await rejection(db.get(lost));
        expect(error).toBeInstanceOf(ShardDownError);
        expect((error as Error).message).toMatch(`shard ${target} is down`);
      }
      expect(() => db.sync.get(key(3))).toThrow(ShardDownError);
      expect(await rejection(db.exists(key(3)))).toBeInstanceOf(ShardDownError);
      const count = db.sendCommand(['CLUSTER', 'COUNTKEYSINSLOT', String(SLOT)]);
      expect(await rejection(count)).toBeInstanceOf(ShardDownError);
      // The slot does not move while it is marked.
      const third = 3 - source - target;
      const refused = await rejection(db.migrateSlot(SLOT, third));
      expect(refused).toBeInstanceOf(MigrationError);
      expect((refused as Error).message).toMatch('lost keys');
      // Other slots of the source are untouched.
      const other = `{${TAG}x}`;
      if (db.slotOwner(keySlot(other)) === source) expect(await db.get(other)).toBeNull();
      // FLUSHALL would clear the mark, but it is refused while a shard is dead: the mark stays.
      expect(await rejection(db.flushAll())).toBeInstanceOf(ShardDownError);
      expect(await rejection(db.get(key(3)))).toBeInstanceOf(ShardDownError);
      expect(await db.get(key(60))).toBe('new');
    });
  });

  it('target dies while a request waits for keys split between the shards: it fails, it does not read a lost key as missing', async () => {
    await withDb({ shards: 2 }, async (db) => {
      const { target, moving: move } = await splitSlot(db);
      // key(3) moved to the target, key(60) is still here: the MGET waits (rule 5).
      const waiting = db.mGet([key(3), key(60)]).then(
        (value) => value,
        (error: unknown) => error,
      );
      const early = await Promise.race([
        waiting,
        new Promise((resolve) => setTimeout(() => resolve('pending'), 100)),
      ]);
      expect(early).toBe('pending');
      await shardWorker(db, target).terminate();
      const outcome = await waiting;
      expect(outcome).toBeInstanceOf(ShardDownError);
      expect((outcome as Error).message).toMatch(`shard ${target} is down`);
      expect(await move).toBeInstanceOf(MigrationError);
      expect(await db.get(key(60))).toBe('v60');
    });
  });
});
