// Slot moves on a database with replicas: a move is durable through a failover of either shard.
// The target acknowledges a batch only once its replicas hold it, so a slot that moved is all
// there after the target's primary dies right after the move; if the target's primary dies in the
// middle, the move goes on with its promoted replica; if the source's primary dies, its promoted
// replica goes on as the source; a cancel brings every key back, durably too
// (workers/migration/durability.ts, src/migration/failover.ts).

import { describe, expect, it } from 'vitest';
import type { SlotDB } from '../../dist/src/index.js';
import { FailoverError, keySlot, OptionError } from '../../dist/src/index.js';
import { replicasStreaming, setShardFaults, shardWorker } from '../../dist/src/testing.js';
import { withDb } from '../support/db.js';
import { holdFirstBatch, keysOn, until } from '../support/migration.js';

const TAG = 'durable';
const SLOT = keySlot(TAG);
const key = (i: number): string => `{${TAG}}k${i}`;
const KEYS = 400;
/** Writes acknowledged this long before a primary's death (not waited for) may die with it. */
const LOSS_WINDOW_MS = 250;

/** Runs `call` until it does not fail with a FailoverError (a command in flight to a dead primary). */
async function retried<T>(call: () => Promise<T>): Promise<T> {
  const deadline = performance.now() + 10_000;
  for (;;) {
    try {
      return await call();
    } catch (error) {
      if (!(error instanceof FailoverError) || performance.now() > deadline) throw error;
    }
  }
}

/** Loads KEYS string keys, a hash and a list into the slot; waits until the replicas hold them. */
async function load(db: SlotDB): Promise<void> {
  for (let i = 0; i < KEYS; i += 100) {
    const pairs = Array.from({ length: 100 }, (_, j) => [key(i + j), `v${i + j}`] as const);
    await db.mSet(pairs as [string, string][]);
  }
  await db.hSet(`{${TAG}}hash`, { a: '1', b: '2' });
  await db.rPush(`{${TAG}}list`, ['x', 'y', 'z']);
  expect(await db.wait(1, 5000)).toBe(1);
}

/**
 * Every key load() wrote (with the values `changed` overrides; null: deleted), read through the
 * slot's owner, and no other.
 */
async function expectAll(db: SlotDB, changed: Record<string, string | null> = {}): Promise<void> {
  const keys = Array.from({ length: KEYS }, (_, i) => key(i));
  const values = await retried(() => db.mGet(keys));
  expect(values).toEqual(keys.map((k, i) => (k in changed ? changed[k] : `v${i}`)));
  expect(await retried(() => db.hGetAll(`{${TAG}}hash`))).toEqual({ a: '1', b: '2' });
  expect(await retried(() => db.lRange(`{${TAG}}list`, 0, -1))).toEqual(['x', 'y', 'z']);
  const deleted = Object.values(changed).filter((value) => value === null).length;
  expect(await retried(() => db.clusterCountKeysInSlot(SLOT))).toBe(KEYS + 2 - deleted);
}

/** The other shard of a two-shard database. */
const other = (shard: number): number => 1 - shard;

/** Resolves once the slot stopped moving (stats().migrations no longer lists it). */
const settled = (db: SlotDB): Promise<void> =>
  until(() => !db.stats().migrations.some((move) => move.slot === SLOT));

describe('slot moves with replicas', () => {
  it('checks the replicas option: 0 up to the replicas per shard', async () => {
    await withDb({ shards: 2, replicas: 1 }, async (db) => {
      const target = other(db.slotOwner(SLOT));
      await expect(db.migrateSlot(SLOT, target, { replicas: 2 })).rejects.toBeInstanceOf(
        OptionError,
      );
      await expect(db.migrateSlot(SLOT, target, { replicas: -1 })).rejects.toThrow(
        "option 'replicas' must be an integer from 0 to 1",
      );
      await expect(db.migrateSlot(SLOT, target, { replicas: 0 })).resolves.toMatchObject({
        slot: SLOT,
      });
    });
  });

  it("keeps a slot that moved to B whole when B's primary dies right after the move", async () => {
    await withDb({ shards: 2, replicas: 1 }, async (db) => {
      await load(db);
      const target = other(db.slotOwner(SLOT));
      const report = await db.migrateSlot(SLOT, target, { replicas: 1, batchKeys: 50 });
      expect(report.keys).toBe(KEYS + 2);
      const dead = db.stats().shards[target]!.primary;
      await shardWorker(db, target).terminate();
      await until(() => db.stats().shards[target]!.primary !== dead);
      expect(db.slotOwner(SLOT)).toBe(target);
      await expectAll(db);
      await until(() => keysOn(db, other(target)) === 0);
    });
  });

  it("goes on with B's promoted replica when B's primary dies in the middle of the move", async () => {
    await withDb({ shards: 2, replicas: 1 }, async (db) => {
      await load(db);
      // The first batch is applied on B (and held by its replica), its ack held: its keys are
      // still locked on A. Meanwhile a write lands on B through A (a key A does not have).
      const { source, target, moving } = await holdFirstBatch(db, SLOT);
      expect(await db.set(`{${TAG}}created`, 'on B')).toBe('OK');
      expect(await db.wait(1, 5000)).toBe(1);
      const dead = db.stats().shards[target]!.primary;
      await shardWorker(db, target).terminate();
      const report = await moving;
      expect(report.keys).toBe(KEYS + 2);
      expect(db.stats().shards[target]!.primary).not.toBe(dead);
      expect(db.slotOwner(SLOT)).toBe(target);
      await settled(db);
      const keys = Array.from({ length: KEYS }, (_, i) => key(i));
      expect(await db.mGet(keys)).toEqual(keys.map((_, i) => `v${i}`));
      expect(await db.get(`{${TAG}}created`)).toBe('on B');
      expect(await db.clusterCountKeysInSlot(SLOT)).toBe(KEYS + 3);
      await until(() => keysOn(db, source) === 0);
      // The promoted target has replicas again, and the slot can move back.
      await replicasStreaming(db);
      await db.migrateSlot(SLOT, source);
      expect(await db.get(`{${TAG}}created`)).toBe('on B');
    });
  });

  it("goes on with A's promoted replica as the source when A's primary dies in the middle", async () => {
    await withDb({ shards: 2, replicas: 1 }, async (db) => {
      await load(db);
      const { source, target, moving } = await holdFirstBatch(db, SLOT);
      // The first batch arrives; A deletes its keys and pauses with the rest still there.
      await setShardFaults(db, source, { pauseSending: true });
      await setShardFaults(db, target, {});
      await until(() => keysOn(db, source) === KEYS + 2 - 10);
      expect(await db.set(key(3), 'changed on B')).toBe('OK'); // moved: forwarded to B
      expect(await db.set(key(300), 'changed on A')).toBe('OK'); // not moved yet
      expect(await db.wait(1, 5000)).toBe(1);
      const dead = db.stats().shards[source]!.primary;
      await shardWorker(db, source).terminate();
      const report = await moving;
      expect(report.source).not.toBe(dead);
      expect(db.slotOwner(SLOT)).toBe(target);
      await settled(db);
      await expectAll(db, { [key(3)]: 'changed on B', [key(300)]: 'changed on A' });
      await until(() => keysOn(db, source) === 0 && keysOn(db, target) === KEYS + 2);
    });
  });

  it('brings every key back on a cancel, durably: then A fails over and loses none', async () => {
    await withDb({ shards: 2, replicas: 1 }, async (db) => {
      await load(db);
      const controller = new AbortController();
      const { source, moving } = await holdFirstBatch(db, SLOT, { signal: controller.signal });
      const target = other(source);
      controller.abort();
      await setShardFaults(db, target, {});
      await expect(moving).rejects.toMatchObject({ name: 'AbortError' });
      await settled(db);
      expect(db.slotOwner(SLOT)).toBe(source);
      await until(() => keysOn(db, target) === 0);
      await shardWorker(db, source).terminate();
      await expectAll(db);
    });
  });

  it('cancel while B fails over: the keys come back from its promoted replica, none twice', async () => {
    await withDb({ shards: 2, replicas: 1 }, async (db) => {
      await load(db);
      const source = db.slotOwner(SLOT);
      const target = other(source);
      // Part of the slot moves to B; then the move is cancelled, B sends a first batch back, and A
      // applies it and holds its ack (the keys are on both shards: one batch more than the slot).
      const controller = new AbortController();
      const moving = db.migrateSlot(SLOT, target, {
        batchKeys: 20,
        window: 1,
        keysPerSecond: 400,
        signal: controller.signal,
      });
      await until(() => keysOn(db, target) >= 100);
      await setShardFaults(db, source, { pauseSending: true, holdAcks: true });
      controller.abort();
      await until(() => keysOn(db, source) + keysOn(db, target) === KEYS + 2 + 20);
      // B's primary dies: its promoted replica still holds that batch's keys and sends them again;
      // A keeps what it has: key 0 came back and changed since, key 1 came back and was deleted.
      expect(await db.set(key(0), 'changed on A')).toBe('OK');
      expect(await db.del(key(1))).toBe(1);
      await shardWorker(db, target).terminate();
      await setShardFaults(db, source, {});
      await expect(moving).rejects.toMatchObject({ name: 'AbortError' });
      await settled(db);
      expect(db.slotOwner(SLOT)).toBe(source);
      await expectAll(db, { [key(0)]: 'changed on A', [key(1)]: null });
      await until(() => keysOn(db, source) === KEYS + 1 && keysOn(db, target) === 0);
    });
  });

  for (const dies of ['target', 'source'] as const) {
    it(`moves a big hash in pieces while it is written to, and the ${dies}'s primary dies`, async () => {
      await withDb({ shards: 2, replicas: 1 }, async (db) => {
        const big = `{${TAG}}big`;
        const model = new Map<string, string>();
        for (let from = 0; from < 40_000; from += 5000) {
          const pairs: [string, string][] = [];
          for (let i = from; i < from + 5000; i++) pairs.push([`f${i}`, `v${i}`]);
          for (const [field, value] of pairs) model.set(field, value);
          await db.hSet(big, pairs);
        }
        expect(await db.wait(1, 5000)).toBe(1);
        const source = db.slotOwner(SLOT);
        const target = other(source);
        let bytes = 0;
        db.on('migration', (event) => (bytes = event.bytes));
        // About 30 pieces of 32 KiB a second: the move takes most of a second.
        const moving = db.migrateSlot(SLOT, target, { pieceBytes: 32 * 1024, keysPerSecond: 7680 });
        let done = false;
        // A write acknowledged just before the kill, and not waited for, may be lost with the
        // dead primary (as in Redis). Each field's recent writes are kept with when they were
        // acknowledged, to allow exactly those losses.
        const recent = new Map<string, { value: string | undefined; ackedAt: number }[]>();
        const writer = (async () => {
          for (let i = 0; !done; i++) {
            const field = `f${(i * 7919) % 50_000}`;
            const previous = model.get(field);
            model.set(field, `w${i}`);
            await retried(() => db.hSet(big, field, `w${i}`));
            const writes = recent.get(field) ?? [{ value: previous, ackedAt: 0 }];
            writes.push({ value: `w${i}`, ackedAt: performance.now() });
            recent.set(field, writes.slice(-8));
          }
        })();
        await until(() => bytes > 100_000);
        const victim = shardWorker(db, dies === 'target' ? target : source);
        const lossFrom = performance.now() - LOSS_WINDOW_MS;
        await victim.terminate();
        const lossTo = performance.now();
        const report = await moving.finally(() => (done = true));
        await writer;
        expect(report.keysInPieces).toBe(1);
        expect(db.slotOwner(SLOT)).toBe(target);
        await settled(db);
        const actual = await db.hGetAll(big);
        // A field may show a value older than its last write only if every write after that value
        // was acknowledged within the loss window around the kill.
        for (const [field, value] of model) {
          const writes = recent.get(field);
          if (actual[field] === value || writes === undefined) continue;
          const shown = writes.findLastIndex((write) => write.value === actual[field]);
          const later = writes.slice(shown + 1);
          const lost = later.every((w) => w.ackedAt >= lossFrom && w.ackedAt <= lossTo);
          if (shown >= 0 && lost) actual[field] = value;
        }
        expect(Object.keys(actual).length).toBe(model.size);
        expect(actual).toEqual(Object.fromEntries(model));
        await until(() => keysOn(db, source) === 0);
      });
    });
  }
});
