// Big keys across live migration (docs/migration.md, "Big keys"): a hash, list, set or sorted set
// of 200,000 members moves in pieces while a client keeps writing to it; every write runs at once
// (the key stays writable until its final piece), the value that arrives equals a model of every
// write, and the longest wait of a write stays small (the 10 ms goal is measured by
// bench/big-keys.ts; here only a generous bound). A cancelled move and a target that dies half way
// leave the key whole on the source; a key that arrived goes back in pieces after a cancel.

import { describe, expect, it } from 'vitest';
import type { SlotDB } from '../../dist/src/index.js';
import { keySlot, MigrationError } from '../../dist/src/index.js';
import { setShardFaults, shardWorker } from '../../dist/src/testing.js';
import { withDb } from '../support/db.js';
import { keysOn, until } from '../support/migration.js';
import { Random } from '../support/random.js';

const TAG = 'big';
const SLOT = keySlot(TAG);
const KEY = `{${TAG}}value`;
const MEMBERS = 200_000;
const CHUNK = 5000;
/** The longest a write may wait in these tests (ms): generous, for a loaded test machine. */
const WAIT_MS_MAX = 250;
const PIECE_BYTES = 32 * 1024;

/** One type: how to load it, change it at random (keeping a model) and read it back. */
interface Kind {
  readonly name: string;
  load(db: SlotDB, key: string, members: number): Promise<unknown>;
  /** A random write, issued now; the model changes now too (a client's writes apply in order). */
  write(db: SlotDB, key: string, r: Random): Promise<unknown>;
  /** The value as the model says, and as the database holds it, in comparable forms. */
  expected(): unknown;
  actual(db: SlotDB, key: string): Promise<unknown>;
}

async function inChunks(members: number, load: (from: number, to: number) => Promise<unknown>) {
  for (let from = 0; from < members; from += CHUNK)
    await load(from, Math.min(members, from + CHUNK));
}

function hashKind(): Kind {
  const model = new Map<string, string>();
  let next = 0;
  return {
    name: 'hash',
    load: (db, key, members) =>
      inChunks(members, (from, to) => {
        const pairs: [string, string][] = [];
        for (let i = from; i < to; i++) pairs.push([`f${i}`, `v${i}`]);
        for (const [f, v] of pairs) model.set(f, v);
        next = to;
        return db.hSet(key, pairs);
      }),
    write(db, key, r) {
      const field = r.chance(0.3) ? `f${next++}` : `f${r.int(next)}`;
      if (r.chance(0.25)) {
        model.delete(field);
        return db.hDel(key, field);
      }
      model.set(field, `w${r.int(1000)}`);
      return db.hSet(key, field, model.get(field)!);
    },
    expected: () => Object.fromEntries([...model].sort()),
    actual: async (db, key) => Object.fromEntries(Object.entries(await db.hGetAll(key)).sort()),
  };
}

function listKind(): Kind {
  const model: string[] = [];
  let next = 0;
  return {
    name: 'list',
    load: (db, key, members) =>
      inChunks(members, (from, to) => {
        const elements = Array.from({ length: to - from }, (_, i) => `e${from + i}`);
        model.push(...elements);
        return db.rPush(key, elements);
      }),
    async write(db, key, r) {
      const roll = r.int(4);
      const element = `${roll === 0 ? 'h' : 't'}${next++}`;
      if (roll === 0) model.unshift(element);
      if (roll === 1) model.push(element);
      if (roll === 0) return db.lPush(key, element);
      if (roll === 1) return db.rPush(key, element);
      const expected = roll === 2 ? model.shift() : model.pop();
      const popped = await (roll === 2 ? db.lPop(key) : db.rPop(key));
      expect(popped).toBe(expected);
    },
    expected: () => model,
    actual: (db, key) => db.lRange(key, 0, -1),
  };
}

function setKind(): Kind {
  const model = new Set<string>();
  let next = 0;
  return {
    name: 'set',
    load: (db, key, members) =>
      inChunks(members, (from, to) => {
        const added = Array.from({ length: to - from }, (_, i) => `m${from + i}`);
        for (const member of added) model.add(member);
        next = to;
        return db.sAdd(key, added);
      }),
    write(db, key, r) {
      const member = r.chance(0.5) ? `m${next++}` : `m${r.int(next)}`;
      if (r.chance(0.5)) {
        model.add(member);
        return db.sAdd(key, member);
      }
      model.delete(member);
      return db.sRem(key, member);
    },
    expected: () => [...model].sort(),
    actual: async (db, key) => (await db.sMembers(key)).sort(),
  };
}

function zsetKind(): Kind {
  const model = new Map<string, number>();
  let next = 0;
  return {
    name: 'sorted set',
    load: (db, key, members) =>
      inChunks(members, (from, to) => {
        const added = Array.from({ length: to - from }, (_, i) => ({
          value: `m${from + i}`,
          score: (from + i) % 1000,
        }));
        for (const { value, score } of added) model.set(value, score);
        next = to;
        return db.zAdd(key, added);
      }),
    write(db, key, r) {
      const member = r.chance(0.3) ? `m${next++}` : `m${r.int(next)}`;
      if (r.chance(0.2)) {
        model.delete(member);
        return db.zRem(key, member);
      }
      const score = r.int(2000) - 500;
      model.set(member, score);
      return db.zAdd(key, { value: member, score });
    },
    expected: () =>
      [...model]
        .sort(([a, x], [b, y]) => x - y || (a < b ? -1 : a > b ? 1 : 0))
        .map(([value, score]) => ({ value, score })),
    actual: (db, key) => db.zRangeWithScores(key, 0, -1),
  };
}

const KINDS = [hashKind, listKind, setKind, zsetKind];

/** Writes to `key` one at a time until `stop` settles; returns the writes and the longest wait. */
async function writeUntil(db: SlotDB, kind: Kind, stop: Promise<unknown>, r: Random) {
  let stopped = false;
  void stop.finally(() => (stopped = true)).catch(() => undefined);
  let writes = 0;
  let waitMsMax = 0;
  while (!stopped) {
    const started = performance.now();
    await kind.write(db, KEY, r);
    waitMsMax = Math.max(waitMsMax, performance.now() - started);
    writes++;
  }
  return { writes, waitMsMax };
}

describe('big keys across live migration', () => {
  for (const make of KINDS) {
    it(`a ${make().name} of ${MEMBERS} members moves in pieces while a client writes to it`, async () => {
      await withDb({ shards: 2 }, async (db) => {
        const kind = make();
        const r = new Random(7);
        await kind.load(db, KEY, MEMBERS);
        const source = db.slotOwner(SLOT);
        const target = 1 - source;
        const moving = db.migrateSlot(SLOT, target, { pieceBytes: PIECE_BYTES });
        const { writes, waitMsMax } = await writeUntil(db, kind, moving, r);
        const report = await moving;
        expect(report).toMatchObject({ keys: 1, keysInPieces: 1, batches: 0 });
        expect(report.pieces).toBeGreaterThan(20);
        expect(db.slotOwner(SLOT)).toBe(target);
        expect(keysOn(db, source)).toBe(0);
        expect(writes).toBeGreaterThan(10);
        expect(waitMsMax).toBeLessThan(WAIT_MS_MAX);
        expect(await kind.actual(db, KEY)).toEqual(kind.expected());
      });
    });
  }

  it('an HSCAN begun before a big hash moves in pieces ends after it with every field kept', async () => {
    await withDb({ shards: 2 }, async (db) => {
      const fields = 50_000;
      await hashKind().load(db, KEY, fields);
      const seen = new Set<string>();
      let cursor = '0';
      for (let step = 0; step < 20; step++) {
        const reply = await db.hScan(KEY, cursor, { COUNT: 500 });
        for (const { field } of reply.entries) seen.add(field);
        cursor = reply.cursor;
      }
      const moving = db.migrateSlot(SLOT, 1 - db.slotOwner(SLOT), { pieceBytes: PIECE_BYTES });
      // Deletes during the move, each moving the last pair into its hole; new fields at the end.
      let stopped = false;
      void moving.finally(() => (stopped = true));
      const deleted = new Set<string>();
      const r = new Random(5);
      for (let i = 0; !stopped; i++) {
        const field = `f${r.int(fields)}`;
        deleted.add(field);
        await db.hDel(KEY, field);
        await db.hSet(KEY, `new${i}`, 'x');
      }
      expect((await moving).keysInPieces).toBe(1);
      expect(deleted.size).toBeGreaterThan(0);
      do {
        const reply = await db.hScan(KEY, cursor, { COUNT: 500 });
        for (const { field } of reply.entries) seen.add(field);
        cursor = reply.cursor;
      } while (cursor !== '0');
      for (let i = 0; i < fields; i++) {
        if (!deleted.has(`f${i}`)) expect(seen.has(`f${i}`), `f${i}`).toBe(true);
      }
    });
  });

  it('a cancelled move drops the copy half built on the target and sends back keys that arrived', async () => {
    await withDb({ shards: 2 }, async (db) => {
      // Two big hashes travel first (two at a time), together; the big set waits for them.
      const small = [hashKind(), hashKind()];
      await small[0]!.load(db, `{${TAG}}small0`, 20_000);
      await small[1]!.load(db, `{${TAG}}small1`, 20_000);
      const big = setKind();
      await big.load(db, KEY, MEMBERS);
      const source = db.slotOwner(SLOT);
      const target = 1 - source;
      // A slow target: the big set is still on its way when the hashes have arrived.
      await setShardFaults(db, target, { applyDelayMs: 2 });
      const controller = new AbortController();
      const moving = db.migrateSlot(SLOT, target, {
        pieceBytes: PIECE_BYTES,
        signal: controller.signal,
      });
      await until(() => keysOn(db, target) === 2);
      expect(await db.sAdd(KEY, 'written during the move')).toBe(1);
      controller.abort();
      const error = await moving.catch((e: unknown) => e);
      expect((error as Error).name).toBe('AbortError');
      await setShardFaults(db, target, {});
      expect(db.slotOwner(SLOT)).toBe(source);
      expect(keysOn(db, target)).toBe(0);
      expect(keysOn(db, source)).toBe(3);
      for (const [i, kind] of small.entries()) {
        expect(await kind.actual(db, `{${TAG}}small${i}`)).toEqual(kind.expected());
      }
      expect((await db.sMembers(KEY)).length).toBe(MEMBERS + 1);
      expect(await db.sIsMember(KEY, 'written during the move')).toBe(1);
      // The slot moves whole afterwards.
      const again = await db.migrateSlot(SLOT, target, { pieceBytes: PIECE_BYTES });
      expect(again).toMatchObject({ keys: 3, keysInPieces: 3 });
    });
  });

  it('a list rewritten faster than it travels still arrives: its key takes writes again after', async () => {
    await withDb({ shards: 2 }, async (db) => {
      const kind = listKind();
      await kind.load(db, KEY, MEMBERS);
      const target = 1 - db.slotOwner(SLOT);
      const moving = db.migrateSlot(SLOT, target, { pieceBytes: PIECE_BYTES });
      // Every LSET makes the list's copy start over; after a few the key waits for its final piece.
      // Eight rewriters, so that the copy never finds a gap to finish in without that.
      let stopped = false;
      void moving.finally(() => (stopped = true));
      const expected = kind.expected() as string[];
      await Promise.all(
        Array.from({ length: 8 }, async (_, w) => {
          for (let i = w; !stopped; i += 8) {
            expected[i % 1000] = `set ${i}`;
            expect(await db.lSet(KEY, i % 1000, `set ${i}`)).toBe('OK');
          }
        }),
      );
      expect(await moving).toMatchObject({ keysInPieces: 1 });
      expect(await kind.actual(db, KEY)).toEqual(expected);
    });
  });

  it('a target that dies half way leaves the big key whole, and writable, on the source', async () => {
    await withDb({ shards: 2 }, async (db) => {
      const kind = zsetKind();
      await kind.load(db, KEY, MEMBERS);
      const source = db.slotOwner(SLOT);
      const target = 1 - source;
      await setShardFaults(db, target, { holdAcks: true });
      const moving = db.migrateSlot(SLOT, target, { pieceBytes: PIECE_BYTES, window: 2 });
      // The move is under way (on a loaded machine its start can take longer than the writes).
      await until(() => db.stats().migrations.length > 0);
      // Two pieces applied on the target, their acks held: the key is still written at once.
      const r = new Random(11);
      for (let i = 0; i < 20; i++) await kind.write(db, KEY, r);
      await shardWorker(db, target).terminate();
      expect(await moving.catch((e: unknown) => e)).toBeInstanceOf(MigrationError);
      await until(() => db.stats().migrations.length === 0);
      expect(db.slotOwner(SLOT)).toBe(source);
      for (let i = 0; i < 20; i++) await kind.write(db, KEY, r);
      expect(await kind.actual(db, KEY)).toEqual(kind.expected());
    });
  });
});
