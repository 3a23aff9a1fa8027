// Sets across live migration: every set arrives whole (binary members, a big set, a TTL), writes
// during the move land, an SSCAN started before the move and finished after it misses no member,
// and a cancelled move brings every set back with the writes made meanwhile on either side.

import { describe, expect, it } from 'vitest';
import type { SlotDB } from '../../dist/src/index.js';
import { keySlot } from '../../dist/src/index.js';
import { setShardFaults } from '../../dist/src/testing.js';
import { withDb } from '../support/db.js';
import { holdFirstBatch, keysOn, until } from '../support/migration.js';

const TAG = 'sm';
const SLOT = keySlot(TAG);
const KEYS = 100;
const BIG = `{${TAG}}big`;
const BIG_MEMBERS = 5000;
const key = (i: number): string => `{${TAG}}s${i}`;
const membersOf = (i: number): string[] =>
  Array.from({ length: 1 + (i % 7) }, (_, j) => `m${i}:${j}`);

const sorted = <T>(items: Iterable<T>): T[] => [...items].sort();

/** KEYS small sets (in order: a batch takes keys in insertion order), then one big set. */
async function load(db: SlotDB): Promise<void> {
  for (let i = 0; i < KEYS; i++) await db.sAdd(key(i), membersOf(i));
  await db.sAdd(
    BIG,
    Array.from({ length: BIG_MEMBERS }, (_, i) => `b${i}`),
  );
}

async function expectLoaded(db: SlotDB, changed: Map<string, string[]> = new Map()) {
  const all = await Promise.all(Array.from({ length: KEYS }, (_, i) => db.sMembers(key(i))));
  for (let i = 0; i < KEYS; i++) {
    expect(sorted(all[i]!), key(i)).toEqual(sorted(changed.get(key(i)) ?? membersOf(i)));
  }
  expect(await db.sCard(BIG)).toBe(BIG_MEMBERS);
}

describe('sets across live migration', () => {
  it('arrive whole, with binary members and their TTL, and take writes during the move', async () => {
    await withDb({ shards: 2 }, async (db) => {
      await load(db);
      const binary = Buffer.from([0, 0xff, 0x7b, 0x80]);
      await db.sAdd(`{${TAG}}bin`, [binary, '', 'ü']);
      await db.expire(`{${TAG}}bin`, 1000);
      const { source, target, moving } = await holdFirstBatch(db, SLOT);
      // key(0..9) are in flight: a write waits; others are written at once.
      const waiting = db.sAdd(key(0), 'during');
      expect(await db.sAdd(key(50), 'during')).toBe(1);
      await setShardFaults(db, target, {});
      expect(await waiting).toBe(1);
      const report = await moving;
      expect(report.keys).toBe(KEYS + 2);
      expect(keysOn(db, source)).toBe(0);
      expect(db.slotOwner(SLOT)).toBe(target);
      const changed = new Map([
        [key(0), [...membersOf(0), 'during']],
        [key(50), [...membersOf(50), 'during']],
      ]);
      await expectLoaded(db, changed);
      const bin = (await db.withBuffers().sMembers(`{${TAG}}bin`)) as Buffer[];
      expect(sorted(bin.map((m) => m.toString('hex')))).toEqual(
        sorted([binary.toString('hex'), '', Buffer.from('ü').toString('hex')]),
      );
      expect(await db.ttl(`{${TAG}}bin`)).toBeGreaterThan(900);
      expect(await db.sInterCard([BIG, key(3)])).toBe(0);
    });
  });

  it('an SSCAN begun before the move and finished after it returns every member', async () => {
    await withDb({ shards: 2 }, async (db) => {
      await load(db);
      const seen = new Set<string>();
      let cursor = '0';
      for (let step = 0; step < 20; step++) {
        const reply = await db.sScan(BIG, cursor, { COUNT: 50 });
        for (const member of reply.members) seen.add(member);
        cursor = reply.cursor;
      }
      expect(cursor).not.toBe('0');
      // Members come and go meanwhile; b0..b4999 stay all along.
      await db.sRem(BIG, ['b1', 'b2']);
      await db.migrateSlot(SLOT, (db.slotOwner(SLOT) + 1) % db.shardCount);
      await db.sAdd(BIG, ['b1', 'b2', 'new']);
      do {
        const reply = await db.sScan(BIG, cursor, { COUNT: 50 });
        for (const member of reply.members) seen.add(member);
        cursor = reply.cursor;
      } while (cursor !== '0');
      for (let i = 3; i < BIG_MEMBERS; i++) expect(seen.has(`b${i}`), `b${i}`).toBe(true);
    });
  });

  it('a cancelled move brings every set back, with the writes made on either side', async () => {
    await withDb({ shards: 2 }, async (db) => {
      await load(db);
      const controller = new AbortController();
      const { source, target, moving } = await holdFirstBatch(db, SLOT, {
        signal: controller.signal,
      });
      await setShardFaults(db, source, { pauseSending: true });
      await setShardFaults(db, target, {});
      await until(() => keysOn(db, source) === KEYS + 1 - 10);
      // key(5) is on the target now, key(60) still on the source.
      expect(await db.sAdd(key(5), 'on-target')).toBe(1);
      expect(await db.sRem(key(60), membersOf(60)[0]!)).toBe(1);
      // key(6) moved and key(61) did not: SMOVE waits for them to be in one place again.
      const moved = db.sMove(key(6), key(61), membersOf(6)[0]!);
      controller.abort();
      expect(((await moving.catch((e: unknown) => e)) as Error).name).toBe('AbortError');
      expect(await moved).toBe(1);
      expect(db.slotOwner(SLOT)).toBe(source);
      expect(keysOn(db, target)).toBe(0);
      const changed = new Map([
        [key(5), [...membersOf(5), 'on-target']],
        [key(60), membersOf(60).slice(1)],
        [key(6), membersOf(6).slice(1)],
        [key(61), [...membersOf(61), membersOf(6)[0]!]],
      ]);
      await expectLoaded(db, changed);
      await setShardFaults(db, source, {});
      const again = await db.migrateSlot(SLOT, target);
      expect(again.keys).toBe(KEYS + 1 - (membersOf(6).length === 1 ? 1 : 0));
      await expectLoaded(db, changed);
    });
  });
});
