// Model-based fuzz of the set methods: seeded random calls of the typed node-redis methods (sAdd,
// sPopCount, sInterStore, sScanIterator...) on a 3-shard database and on a plain Map of JS Sets,
// every reply checked against the model and every key's contents compared after every step. In
// the middle of the run the keys' slot migrates live to another shard, in small batches, while the
// calls go on; later a second move is cancelled part-way. The seed is printed; SLOTDB_FUZZ_SEED=<seed> replays a run.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keySlot, SlotDB } from '../../dist/src/index.js';
import { fuzzSeed, Random } from '../support/random.js';

const STEPS = 1500;
const TAG = 'fz';
const KEYS = ['a', 'b', 'c', 'd', 'e'].map((name) => `{${TAG}}${name}`);
/** Sets nobody touches in the keys' slot, so the migration takes many batches. */
const FILLER = Array.from({ length: 2000 }, (_, i) => `{${TAG}}fill:${i}`);
const MEMBERS = [...Array.from({ length: 12 }, (_, i) => `m${i}`), '', '7', 'ü', 'x y'];
const WRONGTYPE = 'WRONGTYPE Operation against a key holding the wrong kind of value';

type Value = Set<string> | string;
type Model = Map<string, Value>;

const sorted = (items: Iterable<string>): string[] => [...items].sort();

/** The set at `key` in the model: undefined when missing, 'wrong' for a string. */
function setOf(model: Model, key: string): Set<string> | undefined | 'wrong' {
  const value = model.get(key);
  return typeof value === 'string' ? 'wrong' : value;
}

function store(model: Model, key: string, result: Set<string>): number {
  if (result.size === 0) model.delete(key);
  else model.set(key, result);
  return result.size;
}

function intersection(sets: (Set<string> | undefined)[]): Set<string> {
  if (sets.some((set) => set === undefined)) return new Set();
  const [first, ...rest] = sets as Set<string>[];
  return new Set([...first!].filter((m) => rest.every((set) => set.has(m))));
}

function union(sets: (Set<string> | undefined)[]): Set<string> {
  return new Set(sets.flatMap((set) => (set === undefined ? [] : [...set])));
}

function difference(sets: (Set<string> | undefined)[]): Set<string> {
  const [first, ...rest] = sets;
  return new Set([...(first ?? [])].filter((m) => !rest.some((set) => set?.has(m))));
}

const ALGEBRA = { inter: intersection, union, diff: difference } as const;

describe('set methods against a model, over 3 shards, with a live migration', () => {
  let db: SlotDB;
  beforeAll(async () => {
    db = await SlotDB.open({ shards: 3 });
  });
  afterAll(async () => {
    await db.close();
  });

  /** Calls `run`; a model that expects WRONGTYPE expects it to reject with that text. */
  async function call<T>(run: () => Promise<T>, wrong: boolean, where: string): Promise<T | null> {
    if (!wrong) return run();
    await expect(run(), where).rejects.toThrow(WRONGTYPE);
    return null;
  }

  /** One random call, checked against the model, which it updates. */
  async function randomCall(r: Random, model: Model, where: string): Promise<void> {
    const key = r.pick(KEYS);
    const other = r.pick(KEYS);
    const some = (most: number) =>
      Array.from({ length: r.between(1, most) }, () => r.pick(MEMBERS));
    const keys = Array.from({ length: r.between(1, 3) }, () => r.pick(KEYS));
    const set = setOf(model, key);
    const wrong = set === 'wrong';
    const present = set === 'wrong' ? undefined : set;
    switch (r.int(20)) {
      case 0:
      case 1: {
        const members = r.chance(0.3) ? r.pick(MEMBERS) : some(4);
        const list = typeof members === 'string' ? [members] : members;
        const added = await call(() => db.sAdd(key, members), wrong, where);
        if (wrong) return;
        const target = present ?? new Set<string>();
        const before = target.size;
        for (const m of list) target.add(m);
        model.set(key, target);
        expect(added, where).toBe(target.size - before);
        return;
      }
      case 2: {
        const members = some(3);
        const removed = await call(() => db.sRem(key, members), wrong, where);
        if (wrong) return;
        const expected = new Set(members.filter((m) => present?.has(m)));
        for (const m of expected) present!.delete(m);
        if (present?.size === 0) model.delete(key);
        expect(removed, where).toBe(expected.size);
        return;
      }
      case 3: {
        const members = await call(() => db.sMembers(key), wrong, where);
        if (!wrong) expect(sorted(members!), where).toEqual(sorted(present ?? []));
        return;
      }
      case 4: {
        const m = r.pick(MEMBERS);
        const found = await call(() => db.sIsMember(key, m), wrong, where);
        if (!wrong) expect(found, where).toBe(present?.has(m) ? 1 : 0);
        return;
      }
      case 5: {
        const members = some(4);
        const found = await call(() => db.smIsMember(key, members), wrong, where);
        if (!wrong) expect(found, where).toEqual(members.map((m) => (present?.has(m) ? 1 : 0)));
        return;
      }
      case 6: {
        const size = await call(() => db.sCard(key), wrong, where);
        if (!wrong) expect(size, where).toBe(present?.size ?? 0);
        return;
      }
      case 7: {
        const popped = await call(() => db.sPop(key), wrong, where);
        if (wrong) return;
        if (present === undefined) return void expect(popped, where).toBeNull();
        expect(present.delete(popped!), where).toBe(true);
        if (present.size === 0) model.delete(key);
        return;
      }
      case 8: {
        const count = r.between(0, 6);
        const popped = await call(() => db.sPopCount(key, count), wrong, where);
        if (wrong) return;
        expect(popped!.length, where).toBe(Math.min(count, present?.size ?? 0));
        for (const m of popped!) expect(present!.delete(m), where).toBe(true);
        if (present?.size === 0) model.delete(key);
        return;
      }
      case 9: {
        const picked = await call(() => db.sRandMember(key), wrong, where);
        if (!wrong)
          expect(picked === null ? present : present?.has(picked), where).toBe(
            picked === null ? undefined : true,
          );
        return;
      }
      case 10: {
        const count = r.between(-8, 8);
        const picked = await call(() => db.sRandMemberCount(key, count), wrong, where);
        if (wrong) return;
        const size = present?.size ?? 0;
        expect(picked!.length, where).toBe(
          count < 0 ? (size === 0 ? 0 : -count) : Math.min(count, size),
        );
        if (count > 0) expect(new Set(picked).size, where).toBe(picked!.length);
        for (const m of picked!) expect(present!.has(m), where).toBe(true);
        return;
      }
      case 11: {
        const m = r.pick(MEMBERS);
        const target = setOf(model, other);
        const moved = await call(
          () => db.sMove(key, other, m),
          present !== undefined || wrong ? wrong || target === 'wrong' : false,
          where,
        );
        if (moved === null) return;
        const expected = present?.has(m) ? 1 : 0;
        expect(moved, where).toBe(expected);
        if (expected === 1 && key !== other) {
          present!.delete(m);
          if (present!.size === 0) model.delete(key);
          const destination = (target as Set<string> | undefined) ?? new Set<string>();
          destination.add(m);
          model.set(other, destination);
        }
        return;
      }
      case 12:
      case 13: {
        const kind = r.pick(['inter', 'union', 'diff'] as const);
        const sets = keys.map((k) => setOf(model, k));
        const anyWrong = sets.includes('wrong');
        const method = { inter: db.sInter, union: db.sUnion, diff: db.sDiff }[kind];
        const reply = await call(() => method.call(db, keys), anyWrong, where);
        if (anyWrong) return;
        const expected = ALGEBRA[kind](sets as (Set<string> | undefined)[]);
        expect(sorted(reply!), where).toEqual(sorted(expected));
        return;
      }
      case 14:
      case 15: {
        const kind = r.pick(['inter', 'union', 'diff'] as const);
        const sets = keys.map((k) => setOf(model, k));
        const anyWrong = sets.includes('wrong');
        const method = { inter: db.sInterStore, union: db.sUnionStore, diff: db.sDiffStore }[kind];
        const size = await call(() => method.call(db, key, keys), anyWrong, where);
        if (anyWrong) return;
        const expected = ALGEBRA[kind](sets as (Set<string> | undefined)[]);
        expect(size, where).toBe(store(model, key, new Set(expected)));
        return;
      }
      case 16: {
        const sets = keys.map((k) => setOf(model, k));
        const anyWrong = sets.includes('wrong');
        const limit = r.pick([undefined, 0, 1, 2, 5]);
        const options = limit === undefined ? undefined : r.chance(0.5) ? limit : { LIMIT: limit };
        const count = await call(() => db.sInterCard(keys, options), anyWrong, where);
        if (anyWrong) return;
        const size = intersection(sets as (Set<string> | undefined)[]).size;
        expect(count, where).toBe(limit ? Math.min(size, limit) : size);
        return;
      }
      case 17: {
        if (wrong) return void (await call(() => db.sScan(key, '0'), true, where));
        const seen = new Set<string>();
        const options = { COUNT: r.between(1, 5), ...(r.chance(0.3) ? { MATCH: 'm1*' } : {}) };
        for await (const members of db.sScanIterator(key, options))
          for (const m of members) seen.add(m);
        const expected = [...(present ?? [])].filter((m) => !options.MATCH || m.startsWith('m1'));
        expect(sorted(seen), where).toEqual(sorted(expected));
        return;
      }
      case 18:
        expect(await db.del(key), where).toBe(model.delete(key) ? 1 : 0);
        return;
      default:
        if (r.chance(0.3)) {
          expect(await db.set(key, 'text'), where).toBe('OK');
          model.set(key, 'text');
        } else {
          expect(await db.type(key), where).toBe(
            set === undefined ? 'none' : wrong ? 'string' : 'set',
          );
        }
    }
  }

  async function checkState(model: Model, where: string): Promise<void> {
    for (const key of KEYS) {
      const value = model.get(key);
      if (typeof value === 'string') expect(await db.get(key), where).toBe(value);
      else expect(sorted(await db.sMembers(key)), `${where}: ${key}`).toEqual(sorted(value ?? []));
    }
  }

  it('every reply and every key as the model says, before, during and after the move', async () => {
    const seed = fuzzSeed();
    console.log(`sets model fuzz seed ${seed} (replay with SLOTDB_FUZZ_SEED=${seed})`);
    const r = new Random(seed);
    await db.flushAll();
    await Promise.all(FILLER.map((key, i) => db.sAdd(key, [`f${i}`, `g${i}`, String(i)])));
    const model: Model = new Map();
    const slot = keySlot(TAG);
    let migration: Promise<unknown> | undefined;
    let migratedDuring = 0;
    const controller = new AbortController();
    let cancelled: Promise<string> | undefined;
    for (let i = 0; i < STEPS; i++) {
      if (i === STEPS / 2) {
        const target = (db.slotOwner(slot) + 1) % db.shardCount;
        migration = db.migrateSlot(slot, target, { batchKeys: 1, window: 1 });
      }
      if (i === (STEPS * 3) / 4) {
        // A second move, cancelled after a few calls (or finished first): either way, no change.
        await migration;
        const target = (db.slotOwner(slot) + 1) % db.shardCount;
        cancelled = db
          .migrateSlot(slot, target, { batchKeys: 1, window: 1, signal: controller.signal })
          .then(
            () => 'completed',
            (error: Error) => error.name,
          );
      }
      if (i === (STEPS * 3) / 4 + 5) controller.abort();
      const where = `seed ${seed} step ${i}`;
      await randomCall(r, model, where);
      if (migration !== undefined && db.stats().migrations.length > 0) migratedDuring++;
      await checkState(model, where);
    }
    const report = (await migration) as { keys: number };
    const second = await cancelled;
    console.log(`sets model fuzz: second move ${second}`);
    expect(['AbortError', 'completed']).toContain(second);
    expect(report.keys).toBeGreaterThanOrEqual(FILLER.length);
    console.log(`sets model fuzz: ${migratedDuring} calls while the slot moved`);
    expect(migratedDuring, 'calls ran while the slot moved').toBeGreaterThan(0);
    const filler = await Promise.all(FILLER.map((key) => db.sMembers(key)));
    for (const [i, members] of filler.entries()) {
      expect(sorted(members), FILLER[i]).toEqual(sorted([`f${i}`, `g${i}`, String(i)]));
    }
    await checkState(model, `seed ${seed}, end`);
  });
});
