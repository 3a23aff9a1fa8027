// Sorted sets across live migration: every set (small and compact, large and held in a tree)
// arrives whole with its scores, order and encoding, a migration cancelled mid-way brings every set
// back with the writes made on either side, and the slot moves again afterwards.

import { describe, expect, it } from 'vitest';
import type { SlotDB } from '../../dist/src/index.js';
import { keySlot } from '../../dist/src/index.js';
import { setShardFaults } from '../../dist/src/testing.js';
import { withDb } from '../support/db.js';
import { holdFirstBatch, keysOn, until } from '../support/migration.js';

const TAG = 'zm';
const SLOT = keySlot(TAG);
const key = (i: number): string => `{${TAG}}z${i}`;
const KEYS = 60;
const BIG = `{${TAG}}big`;
const BIG_MEMBERS = 20_000;

/** Key i holds i + 1 members with fractional, negative and infinite scores. */
function membersOf(i: number): { value: string; score: number }[] {
  return Array.from({ length: i + 1 }, (_, m) => ({
    value: `m${m}\u00e9`,
    score: m === 0 ? -Infinity : m === i ? Infinity : (m % 7) / 3 - 1,
  }));
}

async function load(db: SlotDB): Promise<void> {
  for (let i = 0; i < KEYS; i++) await db.zAdd(key(i), membersOf(i));
  const big = Array.from({ length: BIG_MEMBERS }, (_, m) => ({ value: `b${m}`, score: m % 101 }));
  await db.zAdd(BIG, big);
}

/** Every set as ZRANGE WITHSCORES gives it, plus what ZSCAN says of its encoding. */
async function snapshot(db: SlotDB): Promise<unknown[]> {
  const all: unknown[] = [];
  for (const k of [...Array.from({ length: KEYS }, (_, i) => key(i)), BIG]) {
    const scan = await db.zScan(k, '0');
    all.push([k, await db.zRangeWithScores(k, 0, -1), scan.cursor === '0' ? 'whole' : 'steps']);
  }
  return all;
}

describe('sorted sets and live migration', () => {
  it('arrive whole: members, scores, order, ranks and compactness', async () => {
    await withDb({ shards: 2 }, async (db) => {
      await load(db);
      const before = await snapshot(db);
      const source = db.slotOwner(SLOT);
      const report = await db.migrateSlot(SLOT, (source + 1) % 2, { batchKeys: 7 });
      expect(report.keys).toBe(KEYS + 1);
      expect(db.slotOwner(SLOT)).toBe((source + 1) % 2);
      expect(await snapshot(db)).toEqual(before);
      const bigBefore = (before[KEYS] as [string, { value: string }[]])[1];
      expect(await db.zRank(BIG, 'b12345')).toBe(bigBefore.findIndex((e) => e.value === 'b12345'));
      expect(await db.zScore(key(3), 'm0\u00e9')).toBe(-Infinity);
      expect(await db.zAdd(BIG, { value: 'new', score: -1 })).toBe(1);
      expect(await db.zRange(BIG, 0, 0)).toEqual(['new']);
    });
  });

  it('a cancelled migration brings every set back with the writes made on both sides', async () => {
    await withDb({ shards: 2 }, async (db) => {
      await load(db);
      const controller = new AbortController();
      const { source, target, moving } = await holdFirstBatch(db, SLOT, {
        signal: controller.signal,
      });
      await setShardFaults(db, source, { pauseSending: true });
      await setShardFaults(db, target, {});
      await until(() => keysOn(db, source) === KEYS + 1 - 10);
      // key(5) travelled in the first batch, key(50) and the big set are still on the source.
      expect(await db.zAdd(key(5), { value: 'moved-side', score: 0.5 })).toBe(1);
      expect(await db.zIncrBy(key(50), 2, 'm1\u00e9')).toBeCloseTo(2 + 1 / 3 - 1);
      expect(await db.zRem(BIG, ['b0', 'b1'])).toBe(2);
      const expected = await snapshot(db);
      controller.abort();
      const error = await moving.catch((e: unknown) => e);
      expect((error as Error).name).toBe('AbortError');
      expect(db.slotOwner(SLOT)).toBe(source);
      expect(keysOn(db, source)).toBe(KEYS + 1);
      expect(await snapshot(db)).toEqual(expected);
      await setShardFaults(db, source, {});
      const again = await db.migrateSlot(SLOT, target);
      expect(again.keys).toBe(KEYS + 1);
      expect(await snapshot(db)).toEqual(expected);
      expect(await db.zScore(key(5), 'moved-side')).toBe(0.5);
    });
  });
});
