// Lists through live migration: every list arrives whole and in order (binary elements, a long
// list, lists changed while the slot moves), and a cancelled migration brings every list back with
// the writes made meanwhile on either side.

import { describe, expect, it } from 'vitest';
import type { SlotDB } from '../../dist/src/index.js';
import { keySlot } from '../../dist/src/index.js';
import { setShardFaults } from '../../dist/src/testing.js';
import { withDb } from '../support/db.js';
import { holdFirstBatch, keysOn, until } from '../support/migration.js';

const TAG = 'lists';
const SLOT = keySlot(TAG);
const LISTS = 40;
const key = (i: number): string => `{${TAG}}l${i}`;
const LONG = `{${TAG}}long`;
const LONG_LENGTH = 50_000;

/** Element j of list i: varied lengths, some bytes that are not text. */
function element(i: number, j: number): Buffer {
  return j % 3 === 0 ? Buffer.from([i, 0, 0xff, j & 0xff]) : Buffer.from(`e${i}.${j}`);
}

/** Loads LISTS lists of 1..LISTS elements (in key order: a batch takes keys in that order). */
async function load(db: SlotDB): Promise<Map<string, Buffer[]>> {
  const expected = new Map<string, Buffer[]>();
  for (let i = 0; i < LISTS; i++) {
    const elements = Array.from({ length: i + 1 }, (_, j) => element(i, j));
    await db.rPush(key(i), elements);
    expected.set(key(i), elements);
  }
  return expected;
}

async function expectLists(db: SlotDB, expected: Map<string, Buffer[]>): Promise<void> {
  const buffers = db.withBuffers();
  for (const [name, elements] of expected) {
    expect(await buffers.lRange(name, 0, -1), name).toEqual(elements);
  }
}

describe('lists and live migration', () => {
  it('every list arrives whole and in order, a long one included, with changes made on both sides while it moves', async () => {
    await withDb({ shards: 2 }, async (db) => {
      const expected = await load(db);
      const long = Array.from({ length: LONG_LENGTH }, (_, j) => `item-${j}`);
      for (let at = 0; at < LONG_LENGTH; at += 10_000) {
        await db.rPush(LONG, long.slice(at, at + 10_000));
      }
      // Lists 0..9 are applied on the target, their acks held: they are locked on the source.
      const { source, target, moving } = await holdFirstBatch(db, SLOT);
      const lockedWrite = db.lPush(key(0), 'new-head'); // waits for its key's ack
      expected.get(key(0))!.unshift(Buffer.from('new-head'));
      await setShardFaults(db, source, { pauseSending: true });
      await setShardFaults(db, target, {});
      await until(() => keysOn(db, source) === LISTS + 1 - 10);
      expect(await lockedWrite).toBe(2);
      // Lists that moved are changed on the target, the others on the source.
      for (let i = 1; i < LISTS; i += 4) {
        expect(await db.lPush(key(i), 'new-head')).toBe(i + 2);
        expected.get(key(i))!.unshift(Buffer.from('new-head'));
        expect(await db.rPop(key(i + 1))).toBe(element(i + 1, i + 1).toString());
        expected.get(key(i + 1))!.pop();
      }
      // A move between a list that moved and one that did not waits until both are in one place.
      const split = db.lMove(key(3), LONG, 'LEFT', 'RIGHT');
      await setShardFaults(db, source, {});
      expect(await split).toBe(element(3, 0).toString());
      expected.get(key(3))!.shift();
      long.push(element(3, 0).toString());
      const report = await moving;
      expect(report.keys).toBe(LISTS + 1);
      expect(db.slotOwner(SLOT)).toBe(target);
      expect(keysOn(db, source)).toBe(0);
      await expectLists(db, expected);
      expect(await db.lLen(LONG)).toBe(LONG_LENGTH + 1);
      expect(await db.lRange(LONG, 0, -1)).toEqual(long);
      expect(await db.lIndex(LONG, -1)).toBe(element(3, 0).toString());
    });
  });

  it('a cancelled migration brings every list back, with the writes made on both sides', async () => {
    await withDb({ shards: 2 }, async (db) => {
      const expected = await load(db);
      const controller = new AbortController();
      const { source, target, moving } = await holdFirstBatch(db, SLOT, {
        signal: controller.signal,
      });
      await setShardFaults(db, source, { pauseSending: true });
      await setShardFaults(db, target, {});
      await until(() => keysOn(db, source) === LISTS - 10); // lists 0..9 moved
      expect(await db.rPush(key(5), 'on-target')).toBe(7); // moved: runs on the target
      expected.get(key(5))!.push(Buffer.from('on-target'));
      expect(await db.lPop(key(30))).toBe(element(30, 0).toString()); // not moved: the source
      expected.get(key(30))!.shift();
      expect(await db.lmPop([key(1), key(2)], 'RIGHT', { COUNT: 5 })).toEqual([
        key(1),
        [element(1, 1).toString(), element(1, 0).toString()],
      ]);
      expected.delete(key(1));
      controller.abort();
      const error = await moving.catch((e: unknown) => e);
      expect((error as Error).name).toBe('AbortError');
      expect(db.slotOwner(SLOT)).toBe(source);
      expect(keysOn(db, source)).toBe(LISTS - 1);
      expect(keysOn(db, target)).toBe(0);
      expect(await db.exists(key(1))).toBe(0);
      await expectLists(db, expected);
      await setShardFaults(db, source, {});
      const again = await db.migrateSlot(SLOT, target);
      expect(again.keys).toBe(LISTS - 1);
      await expectLists(db, expected);
    });
  });
});
