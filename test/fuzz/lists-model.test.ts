// Model-based fuzz of lists through the typed node-redis methods (db.lPush, db.lmPop...): seeded
// random operations go to a 3-shard database and to a plain model (test/support/list-model.ts);
// every reply must equal the model's, and after every step every key must hold what the model
// holds. In the middle of the run the slot holding most of the keys migrates live to another
// shard (in small, throttled batches, so operations run while it moves), and later back. SLOTDB_FUZZ_SEED
// replays a run.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keySlot, type SlotDB } from '../../dist/src/index.js';
import { SlotDB as Db } from '../support/db.js';
import { failure, ListModel, type ModelReply, pickSide } from '../support/list-model.js';
import { fuzzSeed, Random } from '../support/random.js';

const STEPS = 1500;
const TAG = 'lm';
const SLOT = keySlot(TAG);
/** Keys in the migrating slot (the multi-key operations use these), and some elsewhere. */
const TAGGED = ['{lm}a', '{lm}b', '{lm}c', '{lm}d'];
const KEYS = [...TAGGED, 'other1', 'other2', '{x}ü'];
/** Lists that only fill the migrating slot, so that its move takes many batches. */
const FILLERS = Array.from({ length: 600 }, (_, i) => `{lm}fill${i}`);
const ELEMENTS = ['a', 'b', 'c', 'd', '', 'ü', '1'];

interface Operation {
  text: string;
  db: (db: SlotDB) => Promise<unknown>;
  model: (model: ListModel) => ModelReply;
}

const elementOf = (r: Random): string => r.pick(ELEMENTS);
const smallIndex = (r: Random): number => r.between(-6, 6);

function operation(r: Random): Operation {
  const key = r.pick(KEYS);
  const e = elementOf(r);
  const i = smallIndex(r);
  const j = smallIndex(r);
  const n = r.between(0, 4);
  const head = r.chance(0.5);
  switch (r.int(21)) {
    case 0:
    case 1: {
      const elements = Array.from({ length: r.between(1, 4) }, () => elementOf(r));
      const one = elements.length === 1 && r.chance(0.5);
      const text = `${head ? 'lPush' : 'rPush'} ${key} ${elements}`;
      return {
        text,
        db: (db) => (head ? db.lPush : db.rPush).call(db, key, one ? elements[0]! : elements),
        model: (m) => m.push(key, elements, head, false),
      };
    }
    case 2:
      return {
        text: `${head ? 'lPushX' : 'rPushX'} ${key} ${e}`,
        db: (db) => (head ? db.lPushX(key, [e]) : db.rPushX(key, e)),
        model: (m) => m.push(key, [e], head, true),
      };
    case 3:
      return {
        text: `${head ? 'lPop' : 'rPop'} ${key}`,
        db: (db) => (head ? db.lPop(key) : db.rPop(key)),
        model: (m) => m.pop(key, head),
      };
    case 4:
      return {
        text: `${head ? 'lPopCount' : 'rPopCount'} ${key} ${n}`,
        db: (db) => (head ? db.lPopCount(key, n) : db.rPopCount(key, n)),
        model: (m) => m.pop(key, head, n),
      };
    case 5:
      return { text: `lLen ${key}`, db: (db) => db.lLen(key), model: (m) => m.length(key) };
    case 6:
      return {
        text: `lRange ${key} ${i} ${j}`,
        db: (db) => db.lRange(key, i, j),
        model: (m) => m.range(key, i, j),
      };
    case 7:
      return {
        text: `lIndex ${key} ${i}`,
        db: (db) => db.lIndex(key, i),
        model: (m) => m.index(key, i),
      };
    case 8:
      return {
        text: `lSet ${key} ${i} ${e}`,
        db: (db) => db.lSet(key, i, e),
        model: (m) => m.set(key, i, e),
      };
    case 9: {
      const pivot = elementOf(r);
      return {
        text: `lInsert ${key} ${head ? 'BEFORE' : 'AFTER'} ${pivot} ${e}`,
        db: (db) => db.lInsert(key, head ? 'BEFORE' : 'AFTER', pivot, e),
        model: (m) => m.insert(key, !head, pivot, e),
      };
    }
    case 10:
      return {
        text: `lRem ${key} ${i} ${e}`,
        db: (db) => db.lRem(key, i, e),
        model: (m) => m.remove(key, i, e),
      };
    case 11:
      return {
        text: `lTrim ${key} ${i} ${j}`,
        db: (db) => db.lTrim(key, i, j),
        model: (m) => m.trim(key, i, j),
      };
    case 12: {
      const rank = r.pick([1, 2, -1, -2]);
      const maxlen = r.between(0, 5);
      return {
        text: `lPos ${key} ${e} RANK ${rank} MAXLEN ${maxlen}`,
        db: (db) => db.lPos(key, e, { RANK: rank, MAXLEN: maxlen }),
        model: (m) => m.position(key, e, rank, maxlen),
      };
    }
    case 13: {
      const rank = r.pick([1, 2, -1]);
      return {
        text: `lPosCount ${key} ${e} ${n} RANK ${rank}`,
        db: (db) => db.lPosCount(key, e, n, { RANK: rank }),
        model: (m) => m.position(key, e, rank, 0, n),
      };
    }
    case 14:
    case 15: {
      const [source, destination, from, to] = [
        r.pick(TAGGED),
        r.pick(TAGGED),
        pickSide(r),
        pickSide(r),
      ];
      return {
        text: `lMove ${source} ${destination} ${from} ${to}`,
        db: (db) => db.lMove(source, destination, from, to),
        model: (m) => m.move(source, destination, from, to),
      };
    }
    case 16: {
      const [source, destination] = [r.pick(TAGGED), r.pick(TAGGED)];
      return {
        text: `rPopLPush ${source} ${destination}`,
        db: (db) => db.rPopLPush(source, destination),
        model: (m) => m.move(source, destination, 'RIGHT', 'LEFT'),
      };
    }
    case 17:
    case 18: {
      const keys = Array.from({ length: r.between(1, 3) }, () => r.pick(TAGGED));
      const side = pickSide(r);
      const count = r.between(1, 4);
      const withCount = r.chance(0.7);
      return {
        text: `lmPop ${keys} ${side} ${withCount ? count : ''}`,
        db: (db) => (withCount ? db.lmPop(keys, side, { COUNT: count }) : db.lmPop(keys, side)),
        model: (m) => m.multiPop(keys, side, withCount ? count : 1),
      };
    }
    case 19:
      return {
        text: `set ${key}`,
        db: (db) => db.set(key, 'text'),
        model: (m) => {
          m.data.set(key, 'text');
          return 'OK';
        },
      };
    default:
      return {
        text: `del ${key}`,
        db: (db) => db.del(key),
        model: (m) => (m.data.delete(key) ? 1 : 0),
      };
  }
}

/** What a key holds, as the database shows it: its list, its string, or null. */
async function stored(db: SlotDB, key: string): Promise<unknown> {
  const type = await db.type(key);
  if (type === 'list') return db.lRange(key, 0, -1);
  if (type === 'string') return db.get(key);
  return type === 'none' ? null : `type ${type}`;
}

describe('list model fuzz over 3 shards, with a live migration', () => {
  let db: SlotDB;
  beforeAll(async () => {
    db = await Db.open({ shards: 3 });
  });
  afterAll(async () => {
    await db.close();
  });

  it('typed list methods agree with the model at every step, while the slot moves and back', async () => {
    const seed = fuzzSeed();
    console.log(`list model fuzz seed ${seed} (replay with SLOTDB_FUZZ_SEED=${seed})`);
    const r = new Random(seed);
    const model = new ListModel();
    await db.flushAll();
    await Promise.all(FILLERS.map((filler) => db.rPush(filler, ['x', filler, 'z'])));
    for (const filler of FILLERS) model.push(filler, ['x', filler, 'z'], false, false);
    const home = db.slotOwner(SLOT);
    let moving: Promise<unknown> | undefined;
    let started = 0;
    let moved = 0;
    let stepsWhileMoving = 0;
    for (let step = 0; step < STEPS; step++) {
      // The move away starts a third of the way in, the move back two thirds in (or as soon as
      // the first has finished, on a slow machine).
      if (moving === undefined && started < 2 && step >= ((started + 1) * STEPS) / 3) {
        const target = started === 0 ? (home + 1) % db.shardCount : home;
        started++;
        // Throttled so that the move spans many steps. (At 4000 keys/s the budget's burst, 10 ms
        // of rate, covers the 32 keys a throttled order pays to start a slot; below 3200 keys/s
        // with batches this small, the order would never start.)
        moving = db
          .migrateSlot(SLOT, target, { batchKeys: 4, window: 1, keysPerSecond: 4000 })
          .then(() => moved++)
          .finally(() => {
            moving = undefined;
          });
      }
      if (moving !== undefined) stepsWhileMoving++;
      const op = operation(r);
      const expected = model.apply(() => op.model(model));
      const actual = await op.db(db).catch((error: Error) => failure(error.message));
      const where = `seed ${seed} step ${step}: ${op.text}`;
      expect(actual, where).toEqual(expected);
      const keys = step % 50 === 0 ? [...KEYS, ...FILLERS] : KEYS;
      const state = await Promise.all(keys.map((key) => stored(db, key)));
      expect(state, where).toEqual(keys.map((key) => model.data.get(key) ?? null));
    }
    while (moving !== undefined) await moving;
    if (started < 2) {
      await db.migrateSlot(SLOT, home); // the first move outlasted the run: bring the slot home
      moved++;
    }
    expect(moved).toBe(2);
    expect(stepsWhileMoving).toBeGreaterThan(40);
    expect(db.slotOwner(SLOT)).toBe(home);
    const state = await Promise.all([...KEYS, ...FILLERS].map((key) => stored(db, key)));
    expect(state).toEqual([...KEYS, ...FILLERS].map((key) => model.data.get(key) ?? null));
  });
});
