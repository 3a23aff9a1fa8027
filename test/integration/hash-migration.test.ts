// Hashes across live migration: small and large hashes (binary fields, long values, pairs moved by
// deletes) arrive on the target with every pair and their deadlines; an HSCAN begun before the
// move finishes after it with every field; a cancelled move brings every hash back, writes made on
// either side included.

import { describe, expect, it } from 'vitest';
import type { SlotDB } from '../../dist/src/index.js';
import { keySlot } from '../../dist/src/index.js';
import { setShardFaults } from '../../dist/src/testing.js';
import { withDb } from '../support/db.js';
import { holdFirstBatch, keysOn, until } from '../support/migration.js';

const TAG = 'hm';
const SLOT = keySlot(TAG);
const key = (i: number): string => `{${TAG}}h${i}`;
const HASHES = 40;

/** Hash i: small ones of a few fields, every fifth one large (300 fields, some deleted). */
async function load(db: SlotDB): Promise<void> {
  for (let i = 0; i < HASHES; i++) {
    const fields = i % 5 === 0 ? 300 : 1 + (i % 7);
    const pairs: [string, string | Buffer][] = [];
    for (let f = 0; f < fields; f++) pairs.push([`f${f}`, `v${i}.${f}`]);
    pairs.push(['bin', Buffer.from([0, 0xff, i])]);
    if (i % 3 === 0) pairs.push(['long', 'x'.repeat(100 + i)]);
    await db.hSet(key(i), pairs as [string, string][]);
    if (i % 5 === 0) await db.hDel(key(i), ['f3', 'f50', 'f100']);
  }
  await db.expire(key(1), 1000);
}

async function snapshot(db: SlotDB): Promise<unknown[]> {
  const buffers = db.withBuffers();
  return Promise.all(Array.from({ length: HASHES }, (_, i) => buffers.hGetAll(key(i))));
}

describe('hashes across live migration', () => {
  it('arrive whole, keep their deadline, and an HSCAN begun before the move ends after it', async () => {
    await withDb({ shards: 3 }, async (db) => {
      await load(db);
      const before = await snapshot(db);
      // Half an HSCAN of a large hash before the move; the rest after it.
      const seen = new Set<string>();
      let cursor = '0';
      for (let step = 0; step < 5; step++) {
        const reply = await db.hScan(key(0), cursor, { COUNT: 30 });
        for (const { field } of reply.entries) seen.add(field);
        cursor = reply.cursor;
      }
      expect(cursor).not.toBe('0');
      const source = db.slotOwner(SLOT);
      const target = (source + 1) % db.shardCount;
      const report = await db.migrateSlot(SLOT, target, { batchKeys: 7 });
      expect(report.keys).toBe(HASHES);
      expect(db.slotOwner(SLOT)).toBe(target);
      expect(keysOn(db, source)).toBe(0);
      expect(await snapshot(db)).toEqual(before);
      expect(await db.ttl(key(1))).toBeGreaterThan(990);
      expect(await db.type(key(2))).toBe('hash');
      do {
        const reply = await db.hScan(key(0), cursor, { COUNT: 30 });
        for (const { field } of reply.entries) seen.add(field);
        cursor = reply.cursor;
      } while (cursor !== '0');
      expect(seen.size).toBe(await db.hLen(key(0)));
      // The moved hashes take writes on the target as before.
      expect(await db.hSet(key(0), 'after', 'move')).toBe(1);
      expect(await db.hIncrBy(key(2), 'n', 2)).toBe(2);
      expect(await db.hDel(key(4), ['f0', 'f1', 'f2', 'f3', 'f4', 'bin', 'nope'])).toBe(6);
      expect(await db.exists(key(4))).toBe(0);
    });
  });

  it('come back whole from a cancelled move, with the writes made on either side', async () => {
    await withDb({ shards: 2 }, async (db) => {
      await load(db);
      const controller = new AbortController();
      const { source, target, moving } = await holdFirstBatch(db, SLOT, {
        signal: controller.signal,
      });
      await setShardFaults(db, source, { pauseSending: true });
      await setShardFaults(db, target, {});
      await until(() => keysOn(db, source) === HASHES - 10);
      // Hashes 0..9 moved: these writes run on the target; 30..39 did not: on the source.
      expect(await db.hSet(key(5), 'on', 'target')).toBe(1);
      expect(await db.hIncrByFloat(key(0), 'f0x', 1.5)).toBe('1.5');
      expect(await db.hSet(key(35), 'on', 'source')).toBe(1);
      expect(await db.hSet(`{${TAG}}new`, 'created', 'during')).toBe(1);
      const before = await snapshot(db);
      controller.abort();
      const error = await moving.catch((e: unknown) => e);
      expect((error as Error).name).toBe('AbortError');
      expect(db.slotOwner(SLOT)).toBe(source);
      expect(keysOn(db, target)).toBe(0);
      expect(await snapshot(db)).toEqual(before);
      expect(await db.hGet(key(5), 'on')).toBe('target');
      expect(await db.hGet(key(35), 'on')).toBe('source');
      expect(await db.hGetAll(`{${TAG}}new`)).toEqual({ created: 'during' });
      await setShardFaults(db, source, {});
      const again = await db.migrateSlot(SLOT, target);
      expect(again.keys).toBe(HASHES + 1);
      expect(await snapshot(db)).toEqual(before);
    });
  });
});
