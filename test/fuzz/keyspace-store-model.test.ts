// Model-based fuzz of the keyspace over its arena store (workers/keyspace/store/): seeded random
// writes, deletes, deadlines, expiry, slot drops and flushes go to a Keyspace and to a plain model
// (a Map per slot, whose insertion order and iterators are what the store's chains and cursors
// must reproduce). After every step the key it touched must read the same in both; every 50 steps
// every slot is listed and compared whole. Slot listings stay open across steps, as a migration's
// does, and must yield what a Map iterator over the model yields. Few slots and a small key pool
// make slots large (index growth and shrinking, backward shifts) and overwrites frequent; values
// cross the arena's limits (inline, a block of another size, a JS string behind a handle, a
// collection). Writes and reads also go by the bytes of a request frame (SET/MSET's and GET's
// paths, which make no string). SLOTDB_FUZZ_SEED=<seed> replays a failure.

import { describe, expect, it } from 'vitest';
import { Keyspace } from '../../workers/keyspace/keyspace.js';
import { SetValue } from '../../workers/keyspace/set-value.js';
import {
  KEY_INLINE_MAX_BYTES,
  VALUE_INLINE_MAX_BYTES,
} from '../../workers/keyspace/store/entry-layout.js';
import type { StoredValue } from '../../workers/keyspace/value.js';
import { fuzzSeed, Random } from '../support/random.js';

const STEPS = 20_000;
const SLOTS = [0, 1, 7, 16383];
const KEY_POOL = 600;
const OPEN_LISTINGS_MAX = 3;

interface ModelEntry {
  value: StoredValue;
  deadline: number;
}

/** Every byte value, so that keys and values are binary. */
function bytes(r: Random, length: number): string {
  let s = '';
  for (let i = 0; i < length; i++) s += String.fromCharCode(r.int(256));
  return s;
}

function keyOf(n: number): string {
  // A few keys are longer than the arena keeps, and one is empty.
  if (n === 0) return '';
  if (n % 97 === 1) return `long:${n}:${'k'.repeat(KEY_INLINE_MAX_BYTES)}`;
  if (n % 31 === 2) return `bin:${n}:${String.fromCharCode(0, 255, n & 255)}`;
  return `key:${n}`;
}

function stringValue(r: Random): string {
  const shape = r.int(10);
  if (shape < 5) return bytes(r, r.int(40));
  if (shape < 8) return bytes(r, r.between(40, 600));
  if (shape < 9) return 'v'.repeat(VALUE_INLINE_MAX_BYTES + r.between(-2, 2));
  return bytes(r, VALUE_INLINE_MAX_BYTES + r.between(1, 3000));
}

function setOf(r: Random): SetValue {
  const set = new SetValue();
  for (let i = r.between(1, 4); i > 0; i--) set.add(`m${r.int(10)}`);
  return set;
}

/** A listing of one slot open in both worlds. */
interface Listing {
  slot: number;
  real: Iterator<[string, StoredValue]>;
  model: Iterator<[string, ModelEntry]>;
}

describe('keyspace arena store against a model', () => {
  it('agrees after every step, listings included', () => {
    const seed = fuzzSeed();
    const r = new Random(seed);
    const keyspace = new Keyspace();
    const model = new Map<number, Map<string, ModelEntry>>(SLOTS.map((slot) => [slot, new Map()]));
    let now = 1_000_000;
    keyspace.now = now;
    const listings: Listing[] = [];

    /** The model's reading of a key, expiring it as the keyspace does. */
    const modelGet = (slot: number, key: string): ModelEntry | undefined => {
      const table = model.get(slot)!;
      const entry = table.get(key);
      if (entry !== undefined && entry.deadline !== 0 && entry.deadline <= now) {
        table.delete(key);
        return undefined;
      }
      return entry;
    };

    const compareKey = (slot: number, key: string, step: number): void => {
      const expected = modelGet(slot, key);
      const context = `seed ${seed} step ${step} slot ${slot} key ${JSON.stringify(key.slice(0, 20))}`;
      expect(keyspace.get(slot, key), context).toEqual(expected?.value);
      if (expected !== undefined) {
        expect(keyspace.deadline(slot, key) ?? 0, context).toBe(expected.deadline);
      }
    };

    const compareAll = (step: number): void => {
      let keys = 0;
      let tables = 0;
      for (const slot of SLOTS) {
        const table = model.get(slot)!;
        keys += table.size;
        if (table.size > 0) tables++;
        const listed = [...(keyspace.table(slot)?.entries() ?? [])].map(([key, value]) => [
          key,
          value,
          keyspace.deadline(slot, key) ?? 0,
        ]);
        const expected = [...table].map(([key, entry]) => [key, entry.value, entry.deadline]);
        expect(listed, `seed ${seed} step ${step} slot ${slot}`).toEqual(expected);
        // The same listing by address (snapshots and full copies step this way), reading strings
        // and keys as bytes where the arena holds them.
        const view = keyspace.table(slot);
        const stepped: unknown[][] = [];
        if (view !== undefined) {
          const cursor = view.keys();
          for (let address = cursor.step(); address !== 0; address = cursor.step()) {
            const keyBytes = view.keyBytesAt(address);
            const stringBytes = view.stringBytesAt(address);
            const out = Buffer.alloc(Math.max(keyBytes, 0) + Math.max(stringBytes, 0));
            if (keyBytes >= 0) view.copyKeyAt(address, out, 0);
            if (stringBytes >= 0) view.copyStringAt(address, out, Math.max(keyBytes, 0));
            const key = keyBytes >= 0 ? out.toString('latin1', 0, keyBytes) : view.keyAt(address);
            const value =
              stringBytes >= 0 ? out.toString('latin1', keyBytes) : view.valueAt(address);
            stepped.push([key, value, view.deadlineAt(address)]);
          }
        }
        expect(stepped, `seed ${seed} step ${step} slot ${slot}, by address`).toEqual(expected);
      }
      expect(keyspace.keyCount, `seed ${seed} step ${step}`).toBe(keys);
      expect(keyspace.tableCount, `seed ${seed} step ${step}`).toBe(tables);
      expect(keyspace.openListings, `seed ${seed} step ${step}`).toBe(listings.length);
    };

    for (let step = 0; step < STEPS; step++) {
      const slot = r.pick(SLOTS);
      const key = keyOf(r.int(KEY_POOL));
      const table = model.get(slot)!;
      const op = r.int(100);
      if (op < 40) {
        const value: StoredValue = r.chance(0.05) ? setOf(r) : stringValue(r);
        const keep = r.chance(0.2);
        keyspace.set(slot, key, value, keep);
        const old = table.get(key);
        table.set(key, { value, deadline: keep && old !== undefined ? old.deadline : 0 });
      } else if (op < 47) {
        // SET and MSET's path: key and value as the bytes of a request frame, at an offset.
        const value = stringValue(r);
        const pad = r.int(8);
        const frame = Buffer.from(`${'#'.repeat(pad)}${key}${value}`, 'latin1');
        const keyEnd = pad + key.length;
        keyspace.setBytes(slot, frame, pad, keyEnd, keyEnd, keyEnd + value.length);
        table.set(key, { value, deadline: 0 });
      } else if (op < 50) {
        // GET's path: found in the arena, missing, or (-1) to be read by strings.
        const expected = modelGet(slot, key);
        const frame = Buffer.from(`!${key}`, 'latin1');
        const found = keyspace.findString(slot, frame, 1, frame.length);
        const context = `seed ${seed} step ${step} findString`;
        if (expected === undefined) expect(found, context).toBe(0);
        else if (found > 0) {
          const out = Buffer.alloc(keyspace.stringLength(found) + 3);
          keyspace.copyString(found, out, 3);
          expect(out.toString('latin1', 3), context).toBe(expected.value);
        } else {
          expect(found, context).toBe(-1);
          const value = expected.value;
          // A collection, a string too long for the arena, or any value of a key too long for it.
          const inline =
            typeof value === 'string' &&
            value.length <= VALUE_INLINE_MAX_BYTES &&
            key.length <= KEY_INLINE_MAX_BYTES;
          expect(inline, context).toBe(false);
        }
      } else if (op < 55) {
        const existed = modelGet(slot, key) !== undefined;
        expect(keyspace.delete(slot, key), `seed ${seed} step ${step}`).toBe(existed);
        table.delete(key);
      } else if (op < 65) {
        const present = modelGet(slot, key) !== undefined;
        expect(keyspace.has(slot, key), `seed ${seed} step ${step}`).toBe(present);
        if (present) {
          const at = now + r.between(-5, 500);
          keyspace.setDeadline(slot, key, at);
          if (at <= now) table.delete(key);
          else table.get(key)!.deadline = at;
        }
      } else if (op < 68) {
        const entry = modelGet(slot, key);
        expect(keyspace.has(slot, key), `seed ${seed} step ${step}`).toBe(entry !== undefined);
        const had = entry !== undefined && entry.deadline !== 0;
        if (entry !== undefined) {
          expect(keyspace.persist(slot, key), `seed ${seed} step ${step}`).toBe(had);
          entry.deadline = 0;
        }
      } else if (op < 72) {
        now += r.int(200);
        keyspace.now = now;
      } else if (op < 74) {
        const limit = r.between(1, 20);
        const done = keyspace.expireDue(limit);
        // Active expiry removes due keys in granule order; the model drops whichever it removed.
        let removed = 0;
        for (const s of SLOTS) {
          for (const [k, entry] of model.get(s)!) {
            if (entry.deadline !== 0 && entry.deadline <= now && !keyspace.table(s)?.has(k)) {
              model.get(s)!.delete(k);
              removed++;
            }
          }
        }
        expect(removed, `seed ${seed} step ${step}`).toBe(done);
      } else if (op < 75 && r.chance(0.3)) {
        expect(keyspace.dropSlot(slot), `seed ${seed} step ${step}`).toBe(table.size);
        table.clear();
      } else if (op < 76 && r.chance(0.05)) {
        keyspace.flush();
        for (const t of model.values()) t.clear();
      } else if (op < 88) {
        // Open a listing, or step one: it must yield what the model's Map iterator yields.
        // A listing is open from its first step, so a new one takes a step at once.
        let at = -1;
        if (listings.length < OPEN_LISTINGS_MAX && r.chance(0.3)) {
          const real = keyspace.table(slot)?.entries();
          if (real !== undefined) at = listings.push({ slot, real, model: table.entries() }) - 1;
        } else if (listings.length > 0) {
          at = r.int(listings.length);
        }
        if (at >= 0) {
          const listing = listings[at]!;
          for (let n = r.between(1, 5); n > 0; n--) {
            const expected = listing.model.next();
            const got = listing.real.next();
            const context = `seed ${seed} step ${step} listing of slot ${listing.slot}`;
            expect(got.done ?? false, context).toBe(expected.done ?? false);
            if (expected.done === true) {
              listings.splice(at, 1);
              break;
            }
            expect(got.value[0], context).toBe(expected.value[0]);
            expect(got.value[1], context).toEqual(expected.value[1].value);
          }
        }
      } else if (op < 90 && listings.length > 0) {
        // A caller that stops early returns its listing.
        const listing = listings.splice(r.int(listings.length), 1)[0]!;
        listing.real.return?.();
      } else {
        compareKey(slot, key, step);
      }
      compareKey(slot, key, step);
      if (step % 50 === 0) compareAll(step);
    }
    for (const listing of listings) listing.real.return?.();
    listings.length = 0;
    compareAll(STEPS);
    expect(keyspace.storeUsedBytes).toBeGreaterThan(0);
  });
});
