// Model-based fuzz of sorted sets through the typed node-redis methods: seeded random calls go to a
// 3-shard database and to a plain model (a Map of member → score per key, sorted on demand), every
// reply must equal the model's, and after every step the key touched must hold what the model
// holds. In the middle of the run the slot holding the keys (with filler keys and a large sorted
// set, so that the move takes many batches) migrates live to another shard while the calls go on,
// and later moves back. SLOTDB_FUZZ_SEED=<seed> replays a run.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keySlot, type MigrationReport, SlotDB } from '../../dist/src/index.js';
import { fuzzSeed, Random } from '../support/random.js';

const STEPS = 1500;
const TAG = 'zf';
const KEYS = [0, 1, 2, 3, 4].map((i) => `{${TAG}}k${i}`);
/** A key whose members all score 0, for lex ranges (which assume equal scores). */
const LEX_KEY = `{${TAG}}lex`;
const BIG_KEY = `{${TAG}}big`;
const BIG_MEMBERS = 5000;
const FILLER_KEYS = 3000;
const MEMBERS = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j', 'é', ''];

type Entry = { value: string; score: number };

/** The model: each key's members and scores. */
class Model {
  readonly sets = new Map<string, Map<string, number>>();

  sorted(key: string): Entry[] {
    const set = this.sets.get(key) ?? new Map<string, number>();
    return [...set].map(([value, score]) => ({ value, score })).sort(compareEntries);
  }

  set(key: string): Map<string, number> {
    let set = this.sets.get(key);
    if (set === undefined) {
      set = new Map();
      this.sets.set(key, set);
    }
    return set;
  }

  /** Drops the key when it is empty, as Redis does. */
  settle(key: string): void {
    if (this.sets.get(key)?.size === 0) this.sets.delete(key);
  }
}

function compareEntries(a: Entry, b: Entry): number {
  if (a.score !== b.score) return a.score < b.score ? -1 : 1;
  return Buffer.compare(Buffer.from(a.value), Buffer.from(b.value));
}

function score(r: Random): number {
  if (r.chance(0.05)) return r.pick([Infinity, -Infinity]);
  return r.between(-20, 20) / 2;
}

function member(r: Random): string {
  return r.pick(MEMBERS);
}

/** The model's ZADD (NX/XX/GT/LT/CH, or INCR): the reply node-redis gives. */
function modelAdd(model: Model, key: string, pairs: Entry[], flags: Record<string, boolean>) {
  const set = model.set(key);
  let added = 0;
  let changed = 0;
  let result: number | null = null;
  for (const { value, score: s } of pairs) {
    const current = set.get(value);
    let next = s;
    if (current === undefined) {
      if (flags.XX) continue;
    } else {
      if (flags.NX) continue;
      if (flags.INCR) next = current + s;
      if ((flags.LT && next >= current) || (flags.GT && next <= current)) continue;
    }
    if (Number.isNaN(next)) {
      model.settle(key);
      return new Error('ERR resulting score is not a number (NaN)');
    }
    result = next;
    if (current === undefined) added++;
    else if (next !== current) changed++;
    // Small sets are compact (Redis's listpack), which keeps -0 as 0.
    set.set(value, next === 0 ? 0 : next);
  }
  model.settle(key);
  if (flags.INCR) return result;
  return flags.CH ? added + changed : added;
}

/** Redis's union/intersection over `keys` (smallest first, stable), NaN products as 0. */
function modelStore(model: Model, keys: string[], weights: number[], how: string, inter: boolean) {
  const sources = keys
    .map((key, i) => ({
      set: model.sets.get(key) ?? new Map<string, number>(),
      weight: weights[i]!,
    }))
    .sort((a, b) => a.set.size - b.set.size);
  const aggregate = (target: number, value: number): number => {
    // Redis's comparisons, not Math.min/max: they keep the first of -0 and 0, and ignore NaN.
    if (how === 'MIN') {
      if (value < target) return value;
      return target;
    }
    if (how === 'MAX') {
      if (value > target) return value;
      return target;
    }
    const sum = target + value;
    return Number.isNaN(sum) ? 0 : sum;
  };
  const weighted = (s: number, w: number) => (Number.isNaN(s * w) ? 0 : s * w);
  const result = new Map<string, number>();
  if (inter) {
    for (const [value, s] of sources[0]!.set) {
      let total = weighted(s, sources[0]!.weight);
      let everywhere = true;
      for (const other of sources.slice(1)) {
        const found = other.set.get(value);
        if (found === undefined) everywhere = false;
        else total = aggregate(total, found * other.weight);
      }
      if (everywhere) result.set(value, total);
    }
  } else {
    for (const { set, weight } of sources) {
      for (const [value, s] of set) {
        const w = weighted(s, weight);
        const existing = result.get(value);
        result.set(value, existing === undefined ? w : aggregate(existing, w));
      }
    }
  }
  return result;
}

describe('sorted sets: model-based fuzz over 3 shards with a live migration', () => {
  let db: SlotDB;
  beforeAll(async () => {
    db = await SlotDB.open({ shards: 3 });
  });
  afterAll(async () => {
    await db.close();
  });

  /** One random call on both sides; returns the key whose state to compare, and the replies. */
  async function step(r: Random, model: Model): Promise<[string, unknown, unknown]> {
    const key = r.pick(KEYS);
    const op = r.int(20);
    switch (op) {
      case 0:
      case 1:
      case 2: {
        const pairs = Array.from({ length: r.between(1, 4) }, () => ({
          value: member(r),
          score: score(r),
        }));
        const options: Record<string, boolean> = {};
        const condition = r.int(10);
        if (condition < 3) options[r.pick(['NX', 'XX'])] = true;
        else if (condition < 6) options[r.pick(['GT', 'LT'])] = true;
        if (r.chance(0.3)) options.CH = true;
        return [key, await db.zAdd(key, pairs, options), modelAdd(model, key, pairs, options)];
      }
      case 3: {
        const pair = { value: member(r), score: score(r) };
        const condition = r.chance(0.3) ? r.pick(['NX', 'XX'] as const) : undefined;
        const flags: Record<string, boolean> = { INCR: true };
        if (condition) flags[condition] = true;
        const actual = await db.zAddIncr(key, pair, { condition }).catch((e: Error) => e);
        return [key, actual, modelAdd(model, key, [pair], flags)];
      }
      case 4: {
        const pair = { value: member(r), score: score(r) };
        const actual = await db.zIncrBy(key, pair.score, pair.value).catch((e: Error) => e);
        return [key, actual, modelAdd(model, key, [pair], { INCR: true })];
      }
      case 5: {
        const members = [member(r), member(r)];
        const set = model.set(key);
        const expected = new Set(members.filter((m) => set.has(m))).size;
        for (const m of members) set.delete(m);
        model.settle(key);
        return [key, await db.zRem(key, members), expected];
      }
      case 6: {
        const m = member(r);
        return [key, await db.zScore(key, m), model.sets.get(key)?.get(m) ?? null];
      }
      case 7: {
        const members = [member(r), member(r), member(r)];
        const set = model.sets.get(key);
        return [key, await db.zmScore(key, members), members.map((m) => set?.get(m) ?? null)];
      }
      case 8: {
        const min = score(r);
        const max = score(r);
        const expected = model.sorted(key).filter((e) => e.score >= min && e.score <= max).length;
        return [key, await db.zCount(key, min, max), expected];
      }
      case 9: {
        const start = r.between(-6, 6);
        const stop = r.between(-6, 6);
        const all = model.sorted(key);
        const from = Math.max(0, start < 0 ? all.length + start : start);
        const to = Math.min(all.length - 1, stop < 0 ? all.length + stop : stop);
        const expected = from > to ? [] : all.slice(from, to + 1);
        return r.chance(0.5)
          ? [key, await db.zRange(key, start, stop), expected.map((e) => e.value)]
          : [key, await db.zRangeWithScores(key, start, stop), expected];
      }
      case 10: {
        const min = score(r);
        const max = score(r);
        const offset = r.between(0, 3);
        const count = r.between(-1, 4);
        let expected = model.sorted(key).filter((e) => e.score >= min && e.score <= max);
        if (r.chance(0.5)) {
          expected = expected.reverse().slice(offset);
          if (count >= 0) expected = expected.slice(0, count);
          const options = { BY: 'SCORE', REV: true, LIMIT: { offset, count } } as const;
          return [key, await db.zRangeWithScores(key, max, min, options), expected];
        }
        return [key, await db.zRange(key, min, max, { BY: 'SCORE' }), expected.map((e) => e.value)];
      }
      case 11: {
        const destination = r.pick(KEYS);
        const expected = model.sorted(key).filter((e) => e.score >= 0);
        const actual = await db.zRangeStore(destination, key, 0, '+inf', { BY: 'SCORE' });
        model.sets.set(destination, new Map(expected.map((e) => [e.value, e.score])));
        model.settle(destination);
        return [destination, actual, expected.length];
      }
      case 12: {
        const m = member(r);
        const rank = model.sorted(key).findIndex((e) => e.value === m);
        const size = model.sets.get(key)?.size ?? 0;
        if (r.chance(0.5)) return [key, await db.zRank(key, m), rank < 0 ? null : rank];
        return [key, await db.zRevRank(key, m), rank < 0 ? null : size - 1 - rank];
      }
      case 13: {
        const max = r.chance(0.5);
        const all = model.sorted(key);
        const ordered = max ? all.reverse() : all;
        if (r.chance(0.5)) {
          const popped = ordered[0] ?? null;
          if (popped) model.set(key).delete(popped.value);
          model.settle(key);
          return [key, await (max ? db.zPopMax(key) : db.zPopMin(key)), popped];
        }
        const count = r.between(0, 3);
        const popped = ordered.slice(0, count);
        for (const e of popped) model.set(key).delete(e.value);
        model.settle(key);
        const actual = await (max ? db.zPopMaxCount(key, count) : db.zPopMinCount(key, count));
        return [key, actual, popped];
      }
      case 14: {
        const count = r.between(-4, 4);
        const picks = await db.zRandMemberCountWithScores(key, count);
        const set = model.sets.get(key) ?? new Map<string, number>();
        const expectedLength = count >= 0 ? Math.min(count, set.size) : set.size === 0 ? 0 : -count;
        const valid = picks.every((p) => set.get(p.value) === p.score);
        return [key, { length: picks.length, valid }, { length: expectedLength, valid: true }];
      }
      case 15: {
        const min = score(r);
        const max = score(r);
        const set = model.set(key);
        let removed = 0;
        for (const [m, s] of set) {
          if (s >= min && s <= max) {
            set.delete(m);
            removed++;
          }
        }
        model.settle(key);
        return [key, await db.zRemRangeByScore(key, min, max), removed];
      }
      case 16: {
        const all = model.sorted(key);
        const start = r.between(-3, 3);
        const stop = r.between(-3, 3);
        const from = Math.max(0, start < 0 ? all.length + start : start);
        const to = Math.min(all.length - 1, stop < 0 ? all.length + stop : stop);
        const removed = from > to ? [] : all.slice(from, to + 1);
        for (const e of removed) model.set(key).delete(e.value);
        model.settle(key);
        return [key, await db.zRemRangeByRank(key, start, stop), removed.length];
      }
      case 17: {
        const destination = r.pick(KEYS);
        const sources = [r.pick(KEYS), r.pick(KEYS)];
        const weights = [r.between(-2, 2), r.between(-2, 2)];
        const how = r.pick(['SUM', 'MIN', 'MAX'] as const);
        const inter = r.chance(0.5);
        const result = modelStore(model, sources, weights, how, inter);
        const keys = sources.map((k, i) => ({ key: k, weight: weights[i]! }));
        const actual = await (inter
          ? db.zInterStore(destination, keys, { AGGREGATE: how })
          : db.zUnionStore(destination, keys, { AGGREGATE: how }));
        for (const [m, s] of result) if (s === 0) result.set(m, 0);
        model.sets.set(destination, result);
        model.settle(destination);
        return [destination, actual, result.size];
      }
      case 18: {
        const lexMin = r.pick(['-', '[b', '(c', '[e']);
        const lexMax = r.pick(['+', '[d', '(f', '[a']);
        const m = member(r);
        await db.zAdd(LEX_KEY, { value: m, score: 0 });
        model.set(LEX_KEY).set(m, 0);
        const inRange = (v: string) =>
          (lexMin === '-' || (lexMin[0] === '[' ? v >= lexMin.slice(1) : v > lexMin.slice(1))) &&
          (lexMax === '+' || (lexMax[0] === '[' ? v <= lexMax.slice(1) : v < lexMax.slice(1)));
        const expected = model.sorted(LEX_KEY).filter((e) => inRange(e.value));
        if (r.chance(0.5))
          return [LEX_KEY, await db.zLexCount(LEX_KEY, lexMin, lexMax), expected.length];
        const actual = await db.zRange(LEX_KEY, lexMin, lexMax, { BY: 'LEX' });
        return [LEX_KEY, actual, expected.map((e) => e.value)];
      }
      default: {
        const seen: Entry[] = [];
        let cursor = '0';
        do {
          const reply = await db.zScan(key, cursor, { COUNT: r.between(1, 20) });
          seen.push(...reply.members);
          cursor = reply.cursor;
        } while (cursor !== '0');
        return [key, seen.sort(compareEntries), model.sorted(key)];
      }
    }
  }

  it('typed methods answer as the model while the slot migrates and comes back', async () => {
    const seed = fuzzSeed();
    console.log(`sorted-set model fuzz seed ${seed} (replay with SLOTDB_FUZZ_SEED=${seed})`);
    const r = new Random(seed);
    const model = new Model();
    const slot = keySlot(KEYS[0]!);
    await db.mSet(Array.from({ length: FILLER_KEYS }, (_, i) => [`{${TAG}}fill${i}`, `f${i}`]));
    const big = Array.from({ length: BIG_MEMBERS }, (_, i) => ({ value: `b${i}`, score: i % 97 }));
    await db.zAdd(BIG_KEY, big);
    const moves: Promise<MigrationReport>[] = [];
    const home = db.slotOwner(slot);
    let moving = 0;
    let stepsWhileMoving = 0;
    const move = (target: number, batchKeys: number) => {
      moving++;
      moves.push(db.migrateSlot(slot, target, { batchKeys, window: 1 }).finally(() => moving--));
    };
    for (let i = 0; i < STEPS; i++) {
      if (i === STEPS / 3) move((home + 1) % 3, 20);
      if (i === (STEPS * 2) / 3) {
        await moves[0];
        move(home, 40);
      }
      if (moving > 0) stepsWhileMoving++;
      const [key, actual, expected] = await step(r, model);
      const where = `seed ${seed}, step ${i}`;
      const show = (v: unknown) => (v instanceof Error ? { error: v.message } : v);
      expect(show(actual), where).toEqual(show(expected));
      expect(await db.zRangeWithScores(key, 0, -1), `${where}: ${key}`).toEqual(model.sorted(key));
    }
    const reports = await Promise.all(moves);
    for (const report of reports) expect(report.keys).toBeGreaterThan(FILLER_KEYS);
    expect(stepsWhileMoving).toBeGreaterThan(10);
    expect(db.slotOwner(slot)).toBe(home);
    for (const key of [...KEYS, LEX_KEY]) {
      expect(await db.zRangeWithScores(key, 0, -1), key).toEqual(model.sorted(key));
    }
    const bigNow = await db.zRangeWithScores(BIG_KEY, 0, -1);
    expect(bigNow).toEqual([...big].sort(compareEntries));
  });
});
