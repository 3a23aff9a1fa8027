// Big keys fuzz: two writers change big hashes, lists, sets and sorted sets (20,000 to 40,000
// members each) at random, member by member and as whole keys (DEL, RENAME, COPY, SET of a string,
// a short PEXPIRE, LSET and LTRIM that make a list's copy start over), while a mover keeps moving
// their slots between three shards in pieces of random sizes (or whole), cancelling some moves
// half way. Each writer owns one slot's keys and keeps a model of them; every reply is checked
// against it, and at the end every key must hold exactly what its model says. The seed is printed;
// SLOTDB_FUZZ_SEED=<seed> replays a run's choices.

import { describe, expect, it } from 'vitest';
import { keySlot, SlotDB } from '../../dist/src/index.js';
import { fuzzSeed, Random } from '../support/random.js';

const TAGS = ['bk0', 'bk1'];
const KEYS_PER_TAG = 3;
const STEPS = 1500;
const PIECE_BYTES = [32 * 1024, 64 * 1024, 128 * 1024, 2 ** 32 - 1];

type Model =
  | { type: 'none' }
  | { type: 'string'; value: string }
  | { type: 'hash'; value: Map<string, string> }
  | { type: 'list'; value: string[] }
  | { type: 'set'; value: Set<string> }
  | { type: 'zset'; value: Map<string, number> };

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** A model's value in the form `read` returns it. */
function expected(model: Model): unknown {
  switch (model.type) {
    case 'none':
      return null;
    case 'string':
      return model.value;
    case 'hash':
      return [...model.value].sort();
    case 'list':
      return model.value;
    case 'set':
      return [...model.value].sort();
    case 'zset':
      return [...model.value].sort(([a, x], [b, y]) => x - y || (a < b ? -1 : a > b ? 1 : 0));
  }
}

async function read(db: SlotDB, key: string): Promise<unknown> {
  switch (await db.type(key)) {
    case 'none':
      return null;
    case 'string':
      return db.get(key);
    case 'hash':
      return Object.entries(await db.hGetAll(key)).sort();
    case 'list':
      return db.lRange(key, 0, -1);
    case 'set':
      return (await db.sMembers(key)).sort();
    default:
      return (await db.zRangeWithScores(key, 0, -1)).map(({ value, score }) => [value, score]);
  }
}

function copyOf(model: Model): Model {
  switch (model.type) {
    case 'hash':
      return { type: 'hash', value: new Map(model.value) };
    case 'list':
      return { type: 'list', value: [...model.value] };
    case 'set':
      return { type: 'set', value: new Set(model.value) };
    case 'zset':
      return { type: 'zset', value: new Map(model.value) };
    default:
      return { ...model };
  }
}

/** Creates a big value of a random type at `key`; returns its model. */
async function create(db: SlotDB, key: string, r: Random): Promise<Model> {
  const members = 20_000 + r.int(20_000);
  const names = Array.from({ length: members }, (_, i) => `${key}:${i}`);
  switch (r.int(4)) {
    case 0: {
      const value = new Map(names.map((name, i) => [name, `v${i}`]));
      await db.hSet(key, [...value]);
      return { type: 'hash', value };
    }
    case 1:
      await db.rPush(key, names);
      return { type: 'list', value: names };
    case 2:
      await db.sAdd(key, names);
      return { type: 'set', value: new Set(names) };
    default: {
      const value = new Map(names.map((name, i) => [name, i % 977]));
      await db.zAdd(
        key,
        [...value].map(([name, score]) => ({ value: name, score })),
      );
      return { type: 'zset', value };
    }
  }
}

/** One member-level change to the collection at `key`, checked against its model. */
async function change(db: SlotDB, key: string, model: Model, r: Random, n: number): Promise<void> {
  const name = `${key}:${r.chance(0.3) ? `n${n}` : r.int(40_000)}`;
  if (model.type === 'hash') {
    if (r.chance(0.3)) expect(await db.hDel(key, name)).toBe(model.value.delete(name) ? 1 : 0);
    else {
      expect(await db.hSet(key, name, `w${n}`)).toBe(model.value.has(name) ? 0 : 1);
      model.value.set(name, `w${n}`);
    }
  } else if (model.type === 'set') {
    if (r.chance(0.4)) expect(await db.sRem(key, name)).toBe(model.value.delete(name) ? 1 : 0);
    else {
      expect(await db.sAdd(key, name)).toBe(model.value.has(name) ? 0 : 1);
      model.value.add(name);
    }
  } else if (model.type === 'zset') {
    if (r.chance(0.3)) expect(await db.zRem(key, name)).toBe(model.value.delete(name) ? 1 : 0);
    else {
      const score = r.int(2000) - 700;
      expect(await db.zAdd(key, { value: name, score })).toBe(model.value.has(name) ? 0 : 1);
      model.value.set(name, score);
    }
  } else if (model.type === 'list') {
    const roll = r.int(4);
    if (roll === 0) expect(await db.lPush(key, name)).toBe(model.value.unshift(name));
    else if (roll === 1) expect(await db.rPush(key, name)).toBe(model.value.push(name));
    else if (roll === 2) expect(await db.lPop(key)).toBe(model.value.shift());
    else expect(await db.rPop(key)).toBe(model.value.pop());
  }
}

/** A change to a whole key: it ends the key's transfer if one runs. */
async function wholeKey(db: SlotDB, keys: string[], models: Model[], i: number, r: Random) {
  const key = keys[i]!;
  const other = (i + 1 + r.int(keys.length - 1)) % keys.length;
  const model = models[i]!;
  switch (r.int(7)) {
    case 0:
      expect(await db.del(key)).toBe(model.type === 'none' ? 0 : 1);
      models[i] = { type: 'none' };
      return;
    case 1:
      if (model.type === 'none') return;
      expect(await db.rename(key, keys[other]!)).toBe('OK');
      models[other] = model;
      models[i] = { type: 'none' };
      return;
    case 2:
      expect(await db.copy(key, keys[other]!, { REPLACE: true })).toBe(
        model.type === 'none' ? 0 : 1,
      );
      if (model.type !== 'none') models[other] = copyOf(model);
      return;
    case 3:
      expect(await db.set(key, `string ${i}`)).toBe('OK');
      models[i] = { type: 'string', value: `string ${i}` };
      return;
    case 4:
      expect(await db.pExpire(key, 3)).toBe(model.type === 'none' ? 0 : 1);
      await sleep(10);
      models[i] = { type: 'none' };
      return;
    default:
      if (model.type !== 'list' || model.value.length < 2) return;
      if (r.chance(0.5)) {
        expect(await db.lSet(key, 1, 'lset')).toBe('OK');
        model.value[1] = 'lset';
      } else {
        expect(await db.lTrim(key, 1, -2)).toBe('OK');
        model.value = model.value.slice(1, -1);
      }
  }
}

async function writer(db: SlotDB, tag: string, r: Random): Promise<Map<string, Model>> {
  const keys = Array.from({ length: KEYS_PER_TAG }, (_, i) => `{${tag}}k${i}`);
  const models: Model[] = [];
  for (const key of keys) models.push(await create(db, key, r));
  for (let n = 0; n < STEPS; n++) {
    const i = r.int(keys.length);
    const model = models[i]!;
    if (model.type === 'none' || model.type === 'string') {
      if (r.chance(0.1)) {
        if (model.type === 'string') await db.del(keys[i]!);
        models[i] = await create(db, keys[i]!, r);
      }
    } else if (r.chance(0.02)) await wholeKey(db, keys, models, i, r);
    else await change(db, keys[i]!, model, r, n);
    // A collection that lost its last member is no key any more.
    const after = models[i]!;
    if (after.type !== 'none' && after.type !== 'string') {
      const size = Array.isArray(after.value) ? after.value.length : after.value.size;
      if (size === 0) models[i] = { type: 'none' };
    }
  }
  return new Map(keys.map((key, i) => [key, models[i]!]));
}

describe('big keys fuzz', () => {
  it('big collections written member by member and as whole keys survive moves in pieces', async () => {
    const seed = fuzzSeed();
    console.log(`big keys fuzz seed ${seed} (replay with SLOTDB_FUZZ_SEED=${seed})`);
    const r = new Random(seed);
    const db = await SlotDB.open({ shards: 3 });
    try {
      let running = true;
      const writers = Promise.all(TAGS.map((tag, i) => writer(db, tag, new Random(seed + i + 1))));
      void writers.finally(() => (running = false)).catch(() => undefined);
      const outcomes = { completed: 0, cancelled: 0, inPieces: 0 };
      const mover = (async () => {
        while (running) {
          const slot = keySlot(r.pick(TAGS));
          const target = (db.slotOwner(slot) + 1 + r.int(2)) % 3;
          const controller = new AbortController();
          if (r.chance(0.25)) setTimeout(() => controller.abort(), r.int(30));
          try {
            const report = await db.migrateSlot(slot, target, {
              pieceBytes: r.pick(PIECE_BYTES),
              window: 1 + r.int(4),
              batchKeys: 1 + r.int(8),
              signal: controller.signal,
            });
            outcomes.completed++;
            outcomes.inPieces += report.keysInPieces;
          } catch (error) {
            if ((error as Error).name !== 'AbortError') throw error;
            outcomes.cancelled++;
          }
        }
      })();
      const models = await writers;
      await mover;
      console.log(`big keys fuzz: ${JSON.stringify(outcomes)}`);
      expect(outcomes.completed).toBeGreaterThan(0);
      for (const byKey of models) {
        for (const [key, model] of byKey) {
          expect(await read(db, key), `${key} (seed ${seed})`).toEqual(expected(model));
        }
      }
      expect(db.stats().migrations).toEqual([]);
    } finally {
      await db.close();
    }
  }, 120_000);
});
