// Live migration, one rule of docs/migration.md at a time. Faults make the in-between states last
// long enough to look at: a target that holds its acknowledgements keeps a batch in flight, a
// source that pauses sending keeps the slot split between the two shards.

import { describe, expect, it } from 'vitest';
import type { MigrationEvent, SlotDB } from '../../dist/src/index.js';
import { keySlot, MigrationError, OptionError } from '../../dist/src/index.js';
import { setShardFaults, shardWorker } from '../../dist/src/testing.js';
import { withDb } from '../support/db.js';
import { holdFirstBatch, keysOn, until, within } from '../support/migration.js';

const TAG = 'm';
const SLOT = keySlot(TAG);
const key = (i: number): string => `{${TAG}}k${i}`;
const KEYS = 100;

/** Loads KEYS keys into the slot, in order (a batch takes keys in insertion order). */
async function load(db: SlotDB): Promise<void> {
  for (let i = 0; i < KEYS; i++) await db.set(key(i), `v${i}`);
}

function shardsOf(db: SlotDB): { source: number; target: number } {
  const source = db.slotOwner(SLOT);
  return { source, target: (source + 1) % db.shardCount };
}

describe('live migration', () => {
  it('rules 1-3: resident keys run on the source at full speed; only keys in flight wait for writes; deletion waits for the ack', async () => {
    await withDb({ shards: 2 }, async (db) => {
      await load(db);
      // One batch (keys 0..9) is applied on the target, its ack held: those keys are locked.
      const { source, target, moving } = await holdFirstBatch(db, SLOT);
      expect(await db.get(key(0))).toBe('v0'); // a locked key is still read on the source
      const lockedWrite = db.set(key(0), 'new');
      expect(await within(lockedWrite, 100)).toBe('pending'); // its writes wait
      expect(await db.set(key(50), 'free')).toBe('OK'); // a key not in flight is written at once
      expect(await db.incr(`{${TAG}}counter`)).toBe(1); // as is a new key (it goes to the target)
      // Rule 3: the source still holds the batch's keys while the ack is out.
      expect(keysOn(db, source)).toBe(KEYS);
      await setShardFaults(db, target, {});
      expect(await lockedWrite).toBe('OK');
      const report = await moving;
      expect(await db.get(key(0))).toBe('new');
      expect(await db.get(key(50))).toBe('free');
      expect(report.keys).toBe(KEYS);
      expect(report.waits.count).toBeGreaterThanOrEqual(1);
      expect(report.keyLockMsMax).toBeGreaterThanOrEqual(90);
      expect(keysOn(db, source)).toBe(0);
      expect(keysOn(db, target)).toBe(KEYS + 1);
    });
  });

  it('rule 4: keys that moved, and keys the source lacks, are served by the target without the caller seeing it', async () => {
    await withDb({ shards: 2 }, async (db) => {
      await load(db);
      const { source, target, moving } = await holdFirstBatch(db, SLOT);
      await setShardFaults(db, source, { pauseSending: true });
      await setShardFaults(db, target, {});
      await until(() => keysOn(db, source) === KEYS - 10); // keys 0..9 moved
      expect(await db.get(key(3))).toBe('v3'); // moved: forwarded to the target
      expect(await db.get(key(60))).toBe('v60'); // not moved: served by the source
      expect(await db.get(`{${TAG}}absent`)).toBeNull();
      expect(await db.set(`{${TAG}}created`, 'x')).toBe('OK'); // created on the target
      expect(keysOn(db, target)).toBe(11);
      expect(await db.append(key(3), '+')).toBe(3);
      await setShardFaults(db, source, {});
      const report = await moving;
      expect(report.redirections).toBeGreaterThanOrEqual(4);
      expect(await db.mGet([key(3), `{${TAG}}created`, key(99)])).toEqual(['v3+', 'x', 'v99']);
    });
  });

  it('rule 5: a command on keys split between source and target waits, then runs, and never fails', async () => {
    await withDb({ shards: 2 }, async (db) => {
      await load(db);
      const { source, target, moving } = await holdFirstBatch(db, SLOT);
      await setShardFaults(db, source, { pauseSending: true });
      await setShardFaults(db, target, {});
      await until(() => keysOn(db, source) === KEYS - 10);
      const split = db.mGet([key(1), key(70)]); // key 1 moved, key 70 did not
      const splitWrite = db.mSetNX({ [key(2)]: 'a', [`{${TAG}}new`]: 'b' }); // key 2 moved, new key absent
      const splitDelete = db.del([key(4), key(80)]);
      expect(await within(split, 100)).toBe('pending');
      await setShardFaults(db, source, {});
      expect(await split).toEqual(['v1', 'v70']);
      expect(await splitWrite).toBe(0); // key 2 exists: MSETNX sets nothing, as in Redis
      expect(await splitDelete).toBe(2);
      await moving;
      expect(await db.mGet([key(4), key(80), `{${TAG}}new`])).toEqual([null, null, null]);
    });
  });

  it('rule 6: when the slot is empty on the source, ownership flips and the source drops its table', async () => {
    await withDb({ shards: 3 }, async (db) => {
      await load(db);
      const { source, target } = shardsOf(db);
      const slotsBefore = db.stats().shards[target]!.slots;
      const epochBefore = db.stats().epoch;
      const events: MigrationEvent[] = [];
      db.on('migration', (event) => events.push(event));
      const report = await db.migrateSlot(SLOT, target);
      expect(db.slotOwner(SLOT)).toBe(target);
      expect(report).toMatchObject({ slot: SLOT, source, target, keys: KEYS, lock: 'key' });
      expect(report.batches).toBeGreaterThanOrEqual(1);
      expect(report.bytes).toBeGreaterThan(KEYS * 4);
      expect(keysOn(db, source)).toBe(0);
      expect(db.stats().shards[target]!.slots).toBe(slotsBefore + 1);
      expect(db.stats().epoch).toBe(epochBefore + 1);
      expect(await db.clusterCountKeysInSlot(SLOT)).toBe(KEYS);
      const ranges = (await db.sendCommand(['CLUSTER', 'SLOTS'])) as [
        number,
        number,
        [string, number, string],
      ][];
      expect(ranges.find(([start, end]) => start <= SLOT && SLOT <= end)![2][1]).toBe(target);
      expect(events.map((event) => event.type)).toContain('started');
      expect(events.at(-1)).toMatchObject({
        type: 'completed',
        slot: SLOT,
        keys: KEYS,
        keysLeft: 0,
      });
    });
  });

  it("rule 7: one client's pipelined commands on a key keep their order across the flip", async () => {
    await withDb({ shards: 2 }, async (db) => {
      await load(db);
      const { target } = shardsOf(db);
      const counter = key(0);
      await db.set(counter, '0');
      let issued = 0;
      const replies: number[] = [];
      let moving = true;
      const migration = db
        .migrateSlot(SLOT, target, { batchKeys: 5, window: 1 })
        .finally(() => (moving = false));
      while (moving || issued < 5000) {
        const batch = Array.from({ length: 50 }, () => db.incr(counter));
        issued += 50;
        replies.push(...(await Promise.all(batch)));
      }
      await migration;
      expect(replies).toEqual(Array.from({ length: issued }, (_, i) => i + 1));
      expect(await db.get(counter)).toBe(String(issued));
    });
  });

  it('rule 8: a cancelled migration brings every key back; nothing acknowledged is lost; the slot moves again later', async () => {
    await withDb({ shards: 2 }, async (db) => {
      await load(db);
      const controller = new AbortController();
      const { source, target, moving } = await holdFirstBatch(db, SLOT, {
        signal: controller.signal,
      });
      await setShardFaults(db, source, { pauseSending: true });
      await setShardFaults(db, target, {});
      await until(() => keysOn(db, source) === KEYS - 10);
      expect(await db.set(key(5), 'written-on-target')).toBe('OK');
      expect(await db.set(key(50), 'written-on-source')).toBe('OK');
      controller.abort();
      const error = await moving.catch((e: unknown) => e);
      expect((error as Error).name).toBe('AbortError');
      expect(db.slotOwner(SLOT)).toBe(source);
      expect(keysOn(db, source)).toBe(KEYS);
      expect(keysOn(db, target)).toBe(0);
      const values = await db.mGet(Array.from({ length: KEYS }, (_, i) => key(i)));
      expect(values[5]).toBe('written-on-target');
      expect(values[50]).toBe('written-on-source');
      expect(values.filter((value) => value === null)).toHaveLength(0);
      await setShardFaults(db, source, {});
      const again = await db.migrateSlot(SLOT, target);
      expect(again.keys).toBe(KEYS);
      expect(await db.get(key(5))).toBe('written-on-target');
    });
  });

  it('rule 8: when the target dies mid-way, the source keeps the keys it was not told were applied and serves the slot', async () => {
    await withDb({ shards: 3 }, async (db) => {
      await load(db);
      const { source, target, moving } = await holdFirstBatch(db, SLOT);
      const waitingWrite = db.set(key(1), 'after');
      await shardWorker(db, target).terminate();
      const error = await moving.catch((e: unknown) => e);
      expect(error).toBeInstanceOf(MigrationError);
      expect((error as Error).message).toMatch(/failed: shard \d died/);
      expect(await waitingWrite).toBe('OK');
      expect(db.slotOwner(SLOT)).toBe(source);
      const values = await db.mGet(Array.from({ length: KEYS }, (_, i) => key(i)));
      expect(values[1]).toBe('after');
      expect(values.filter((value) => value === null)).toHaveLength(0);
      const other = [0, 1, 2].find((shard) => shard !== source && shard !== target)!;
      expect((await db.migrateSlot(SLOT, other)).keys).toBe(KEYS);
    });
  });

  it("'slot' lock mode: every request for the slot waits for the whole move", async () => {
    await withDb({ shards: 2 }, async (db) => {
      await load(db);
      const { source, target } = shardsOf(db);
      await setShardFaults(db, source, { pauseSending: true });
      const moving = db.migrateSlot(SLOT, target, { lock: 'slot' });
      await until(() => db.stats().migrations.some((migration) => migration.slot === SLOT));
      const read = db.get(key(90));
      expect(await within(read, 100)).toBe('pending');
      expect(await db.get('elsewhere')).toBeNull(); // other slots are not affected
      await setShardFaults(db, source, {});
      expect(await read).toBe('v90');
      const report = await moving;
      expect(report.lock).toBe('slot');
      expect(report.waits.maxMs).toBeGreaterThanOrEqual(90);
    });
  });

  it('migrateSlots and rebalance spread slots and keys', async () => {
    await withDb({ shards: 4 }, async (db) => {
      // Every key on shard 0's slots: all load on one shard.
      const ownSlots = Array.from({ length: 16384 }, (_, slot) => slot).filter(
        (slot) => db.slotOwner(slot) === 0,
      );
      const keys: string[] = [];
      for (let i = 0; keys.length < 4000; i++)
        if (db.slotOwner(keySlot(`r${i}`)) === 0) keys.push(`r${i}`);
      await db.mSet(keys.map((k) => [k, 'v'] as [string, string]));
      const moved = await db.migrateSlots(ownSlots.slice(0, 8), 1, { parallel: 3 });
      expect(moved.slots).toBe(8);
      for (const slot of ownSlots.slice(0, 8)) expect(db.slotOwner(slot)).toBe(1);
      const summary = await db.rebalance();
      const perShard = db.stats().shards.map((shard) => shard.keys);
      expect(perShard.reduce((a, b) => a + b, 0)).toBe(4000);
      for (const count of perShard) expect(Math.abs(count - 1000)).toBeLessThan(100);
      expect(summary.moves.length).toBeGreaterThan(0);
      expect(await db.dbSize()).toBe(4000);
    });
  });

  it('refuses bad requests with clear errors', async () => {
    await withDb({ shards: 2 }, async (db) => {
      await expect(db.migrateSlot(16384, 1)).rejects.toBeInstanceOf(OptionError);
      await expect(db.migrateSlot(0, 2)).rejects.toThrow(/targetShard/);
      await expect(db.migrateSlot(0, 1, { lock: 'row' as never })).rejects.toThrow(/option 'lock'/);
      await expect(db.migrateSlot(0, 1, { batchKeys: 0 })).rejects.toThrow(/option 'batchKeys'/);
      await expect(db.migrateSlot(0, 1, { signal: AbortSignal.abort() })).rejects.toThrow(
        /aborted/,
      );
      await setShardFaults(db, 0, { pauseSending: true });
      await db.set('{s0}x', 'v');
      const slot = keySlot('s0');
      const from = db.slotOwner(slot);
      const first = db.migrateSlot(slot, 1 - from);
      await expect(db.migrateSlot(slot, 1 - from)).rejects.toThrow(/already migrating/);
      await setShardFaults(db, 0, {});
      await first;
      expect((await db.migrateSlot(slot, db.slotOwner(slot))).keys).toBe(0);
    });
  });
});

describe('live migration and FLUSHALL', () => {
  it('a FLUSHALL during a move empties both sides; writes after it survive the move', async () => {
    await withDb({ shards: 2 }, async (db) => {
      await load(db);
      const { source, target, moving } = await holdFirstBatch(db, SLOT);
      expect(await db.flushAll()).toBe('OK');
      expect(await db.set(key(0), 'after')).toBe('OK');
      expect(await db.set(key(77), 'after')).toBe('OK');
      await setShardFaults(db, target, {});
      await moving;
      expect(db.slotOwner(SLOT)).toBe(target);
      expect(await db.dbSize()).toBe(2);
      expect(await db.mGet([key(0), key(1), key(77)])).toEqual(['after', null, 'after']);
      expect(keysOn(db, source)).toBe(0);
    });
  });

  it('a throttle whose batches are smaller than the cost of starting a slot still moves the slot', async () => {
    await withDb({ shards: 2 }, async (db) => {
      const slot = keySlot('{small}');
      for (let i = 0; i < 50; i++) await db.set(`{small}${i}`, 'v');
      const target = 1 - db.slotOwner(slot);
      // batchKeys 4 at 1,000 keys/s: a slot's start costs more than 4 keys of budget, so a bucket
      // as deep as one batch could never pay for it and the move would never begin.
      const report = await db.migrateSlot(slot, target, { batchKeys: 4, keysPerSecond: 1000 });
      expect(report.keys).toBe(50);
      expect(db.slotOwner(slot)).toBe(target);
    });
  });
});
