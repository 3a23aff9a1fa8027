// Model-based fuzz of the hash methods: seeded random calls of the typed node-redis methods (hSet in
// all its shapes, hGetAll, hScanIterator, hRandFieldCountWithValues...) go to a 3-shard database
// and to a plain model (test/support/hash-model.ts); every reply must agree with the model and,
// after every step, the key it touched must hold what the model holds. Twice during the run the
// slot of most keys starts moving to another shard and the calls go on while it moves: the hashes
// must come through intact. (The first move is held half way, its first batch moved and the
// source paused; the second runs at full speed, one key a batch.) SLOTDB_FUZZ_SEED=<seed> replays a failure.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MigrationReport } from '../../dist/src/index.js';
import { keySlot, SlotDB } from '../../dist/src/index.js';
import { setShardFaults } from '../../dist/src/testing.js';
import { Expected, HashModel } from '../support/hash-model.js';
import { holdFirstBatch } from '../support/migration.js';
import { fuzzSeed, Random } from '../support/random.js';

const STEPS = 2000;
const TAG = '{m}';
const KEYS = [`${TAG}a`, `${TAG}b`, `${TAG}c`, `${TAG}s`, 'other1', 'other2'];
/** String keys that make the migrating slot take a while to move. */
const PADDING = Array.from({ length: 30 }, (_, i) => `${TAG}pad${i}`);

type Entry = { field: string; value: string };

function field(r: Random): string {
  return r.chance(0.1) ? `w${r.int(300)}` : r.pick([`f${r.int(12)}`, 'ü', '']);
}

function value(r: Random): string {
  return r.pick([String(r.between(-50, 50)), `v${r.int(20)}`, '', 'ü']);
}

function pairs(r: Random, count: number): [string, string][] {
  return Array.from({ length: count }, () => [field(r), value(r)]);
}

/** A reply as compared: errors as their message. */
const outcome = (promise: Promise<unknown>): Promise<unknown> =>
  promise.catch((error: Error) => new Expected(error.message));

const sortedEntries = (object: Record<string, string>): [string, string][] =>
  Object.entries(object).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));

function checkRandom(
  got: unknown,
  hash: Map<string, string> | undefined | Expected,
  count: number,
  where: string,
): void {
  if (hash instanceof Expected) {
    expect(got, where).toEqual(hash);
    return;
  }
  const size = hash?.size ?? 0;
  const entries = got as Entry[];
  expect(entries.length, where).toBe(count >= 0 ? Math.min(count, size) : size === 0 ? 0 : -count);
  for (const { field: f, value: v } of entries) expect(hash?.get(f), where).toBe(v);
  if (count > 0)
    expect(new Set(entries.map((entry) => entry.field)).size, where).toBe(entries.length);
}

describe('hash methods against a model, across live migrations', () => {
  let db: SlotDB;
  beforeAll(async () => {
    db = await SlotDB.open({ shards: 3 });
  });
  afterAll(async () => {
    await db.close();
  });

  /** One random call on `key`, checked against the model. */
  async function step(r: Random, model: HashModel, key: string, where: string): Promise<void> {
    const before = model.hash(key);
    const snapshot = before instanceof Map ? new Map(before) : before;
    switch (r.int(17)) {
      case 0: {
        const [f, v] = [field(r), value(r)];
        expect(await outcome(db.hSet(key, f, v)), where).toEqual(model.hSet(key, [[f, v]]));
        return;
      }
      case 1: {
        const bulk = r.chance(0.2);
        const list = pairs(r, bulk ? r.between(30, 120) : r.between(1, 4));
        const shape = r.int(4);
        const argument =
          shape === 0
            ? Object.fromEntries(list)
            : shape === 1
              ? new Map(list)
              : shape === 2
                ? list
                : list.flat();
        // An object keeps the last value of a repeated field, as the model's Map does.
        const expected = model.hSet(key, shape === 0 ? Object.entries(argument) : list);
        expect(await outcome(db.hSet(key, argument as never)), where).toEqual(expected);
        return;
      }
      case 2: {
        const [f, v] = [field(r), value(r)];
        expect(await outcome(db.hSetNX(key, f, v)), where).toEqual(model.hSetNX(key, f, v));
        return;
      }
      case 3: {
        const f = field(r);
        const expected = model.read(key, null, (hash) => hash.get(f) ?? null);
        expect(await outcome(db.hGet(key, f)), where).toEqual(expected);
        return;
      }
      case 4: {
        const fs = Array.from({ length: r.between(1, 4) }, () => field(r));
        const expected = model.read(
          key,
          fs.map(() => null),
          (h) => fs.map((f) => h.get(f) ?? null),
        );
        expect(await outcome(db.hmGet(key, fs)), where).toEqual(expected);
        return;
      }
      case 5: {
        const got = await outcome(db.hGetAll(key));
        const expected = model.read(key, [], (hash) =>
          [...hash].sort(([a], [b]) => (a < b ? -1 : 1)),
        );
        if (got instanceof Expected) expect(got, where).toEqual(expected);
        else expect(sortedEntries(got as Record<string, string>), where).toEqual(expected);
        return;
      }
      case 6: {
        const fs = Array.from({ length: r.between(1, 4) }, () => field(r));
        expect(await outcome(db.hDel(key, fs)), where).toEqual(model.hDel(key, fs));
        return;
      }
      case 7: {
        const f = field(r);
        const [exists, length, strlen] = await Promise.all([
          outcome(db.hExists(key, f)),
          outcome(db.hLen(key)),
          outcome(db.hStrLen(key, f)),
        ]);
        expect(exists, where).toEqual(model.read(key, 0, (hash) => (hash.has(f) ? 1 : 0)));
        expect(length, where).toEqual(model.read(key, 0, (hash) => hash.size));
        expect(strlen, where).toEqual(
          model.read(key, 0, (hash) => Buffer.byteLength(hash.get(f) ?? '')),
        );
        return;
      }
      case 8: {
        const [fields, values] = await Promise.all([
          outcome(db.hKeys(key)),
          outcome(db.hVals(key)),
        ]);
        const sort = (list: unknown) =>
          list instanceof Expected ? list : (list as string[]).sort();
        expect(sort(fields), where).toEqual(sort(model.read(key, [], (hash) => [...hash.keys()])));
        expect(sort(values), where).toEqual(
          sort(model.read(key, [], (hash) => [...hash.values()])),
        );
        return;
      }
      case 9: {
        const f = r.chance(0.7) ? `n${r.int(3)}` : field(r);
        const by = r.pick([1, -3, 10]);
        expect(await outcome(db.hIncrBy(key, f, by)), where).toEqual(model.hIncrBy(key, f, by));
        return;
      }
      case 10: {
        const f = r.chance(0.7) ? `n${r.int(3)}` : field(r);
        const by = r.pick([0.5, 1.25, -2]);
        const got = await outcome(db.hIncrByFloat(key, f, by));
        expect(got, where).toEqual(model.hIncrByFloat(key, f, by));
        return;
      }
      case 11: {
        const got = await outcome(db.hRandField(key));
        if (snapshot instanceof Expected) expect(got, where).toEqual(snapshot);
        else if (snapshot === undefined) expect(got, where).toBeNull();
        else expect(snapshot.has(got as string), where).toBe(true);
        return;
      }
      case 12: {
        const count = r.pick([1, 3, 8, 500, -5, 0]);
        const got = await outcome(db.hRandFieldCount(key, count));
        // Each field paired with the model's value (a marker when the model lacks it).
        const known = (f: string) => (snapshot instanceof Map ? snapshot.get(f) : undefined);
        const entries =
          got instanceof Expected
            ? got
            : (got as string[]).map((f) => ({ field: f, value: known(f) ?? '<not in model>' }));
        checkRandom(entries, snapshot, count, where);
        return;
      }
      case 13: {
        const count = r.pick([2, 6, 400, -7]);
        checkRandom(
          await outcome(db.hRandFieldCountWithValues(key, count)),
          snapshot,
          count,
          where,
        );
        return;
      }
      case 14: {
        const seen = new Map<string, string>();
        const options = { COUNT: r.pick([1, 5, 50]) };
        try {
          if (r.chance(0.5)) {
            for await (const entries of db.hScanIterator(key, options))
              for (const entry of entries) seen.set(entry.field, entry.value);
          } else {
            for (const entries of db.sync.hScanIterator(key, options))
              for (const entry of entries) seen.set(entry.field, entry.value);
          }
        } catch (error) {
          expect(new Expected((error as Error).message), where).toEqual(snapshot);
          return;
        }
        expect([...seen].sort(), where).toEqual(
          [...((snapshot as Map<string, string>) ?? [])].sort(),
        );
        return;
      }
      case 15:
        expect(await db.del(key), where).toBe(model.data.delete(key) ? 1 : 0);
        return;
      default:
        if (r.chance(0.5)) {
          expect(await db.set(key, 'text'), where).toBe('OK');
          model.data.set(key, 'text');
        } else {
          const type = model.data.get(key);
          expect(await db.type(key), where).toBe(
            type === undefined ? 'none' : typeof type === 'string' ? 'string' : 'hash',
          );
        }
    }
  }

  async function checkKey(model: HashModel, key: string, where: string): Promise<void> {
    const stored = model.data.get(key);
    if (typeof stored === 'string') {
      expect(await db.get(key), where).toBe(stored);
      return;
    }
    const object = await outcome(db.hGetAll(key));
    expect(sortedEntries(object as Record<string, string>), where).toEqual(
      [...(stored ?? [])].sort(([a], [b]) => (a < b ? -1 : 1)),
    );
    expect(await db.exists(key), where).toBe(stored === undefined ? 0 : 1);
  }

  it(`${STEPS} random calls, the tagged slot moving twice meanwhile`, async () => {
    const seed = fuzzSeed();
    console.log(`hash model fuzz seed ${seed} (replay with SLOTDB_FUZZ_SEED=${seed})`);
    const r = new Random(seed);
    const model = new HashModel();
    await db.flushAll();
    // The hashes first, between padding keys: a batch takes keys in the table's order, so the
    // first batch of the split move below holds some of them.
    for (const [i, key] of PADDING.entries()) {
      if (i % 4 === 0 && i / 4 < 3) {
        const hash = KEYS[i / 4]!;
        await db.hSet(hash, 'first', 'v');
        model.hSet(hash, [['first', 'v']]);
      }
      await db.set(key, 'pad');
      model.data.set(key, 'pad');
    }
    const slot = keySlot(TAG);
    const reports: Promise<MigrationReport>[] = [];
    let release: (() => Promise<void>) | undefined;
    for (let i = 0; i < STEPS; i++) {
      if (i === Math.floor(STEPS / 4)) {
        // A move held half way: its first batch moved, the source paused, the calls go on with
        // the slot's keys split between the two shards.
        const { source, target, moving } = await holdFirstBatch(db, slot);
        await setShardFaults(db, source, { pauseSending: true });
        await setShardFaults(db, target, {});
        reports.push(moving);
        release = () => setShardFaults(db, source, {});
      } else if (i === Math.floor(STEPS / 2)) {
        await release!();
        await reports[0];
      } else if (i === Math.floor((3 * STEPS) / 4)) {
        // A move left to run at full speed while the calls go on.
        const target = (db.slotOwner(slot) + 1) % db.shardCount;
        reports.push(db.migrateSlot(slot, target, { batchKeys: 1, window: 1 }));
      }
      const key = r.pick(KEYS);
      const where = `seed ${seed}, step ${i}, key ${key}`;
      await step(r, model, key, where);
      await checkKey(model, key, where);
    }
    for (const report of await Promise.all(reports)) {
      expect(report.keys).toBeGreaterThanOrEqual(PADDING.length);
    }
    for (const key of [...KEYS, ...PADDING])
      await checkKey(model, key, `seed ${seed}, end, ${key}`);
  });
});
