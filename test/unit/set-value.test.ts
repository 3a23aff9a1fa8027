// The set's table (workers/keyspace/set-value.ts) against a JS Set model, its invariants, SSCAN's
// guarantee under changes between steps, its migration codec, clone and tracker calls.

import { describe, expect, it } from 'vitest';
import { InvariantError } from '../../src/errors.js';
import { ValueKind } from '../../src/shared/value-types.js';
import { setCodec } from '../../workers/keyspace/set-codec.js';
import { memberHash, SetValue } from '../../workers/keyspace/set-value.js';
import type { MemberTracker } from '../../workers/keyspace/value.js';
import { VALUE_CODECS } from '../../workers/keyspace/value-codec.js';
import { fuzzSeed, Random } from '../support/random.js';

const sorted = (items: Iterable<string>): string[] => [...items].sort();

/**
 * The invariants, seen from outside: a list is exactly as long as the set and holds at most 8; a
 * table has a power-of-two capacity within the load limit; every member is found.
 */
function checkInvariants(set: SetValue, model: Set<string>): void {
  const capacity = set.capacity;
  if (set.isTable) {
    expect(capacity & (capacity - 1)).toBe(0);
    expect(set.size * 4).toBeLessThanOrEqual(capacity * 3);
  } else {
    expect(capacity).toBe(set.size);
    expect(set.size).toBeLessThanOrEqual(8);
  }
  expect(set.size).toBe(model.size);
  for (const member of model) expect(set.has(member)).toBe(true);
  expect(sorted(set.members())).toEqual(sorted(model));
}

function roundTrip(set: SetValue): SetValue {
  const buf = Buffer.alloc(setCodec.payloadBytes(set) + 3);
  setCodec.encode(set, buf, 3);
  return setCodec.decode(buf, 3, buf.length) as SetValue;
}

describe('the set table', () => {
  it('matches a JS Set through growth, removals, pops and shrinking', () => {
    const seed = fuzzSeed();
    const r = new Random(seed);
    const set = new SetValue();
    const model = new Set<string>();
    let grown = 0;
    for (let step = 0; step < 6000; step++) {
      // Phases: grow to a few thousand members, then drain, so both resizes happen often.
      const growing = Math.floor(step / 1500) % 2 === 0;
      const member = `m${r.int(growing ? 4000 : 2000)}`;
      const choice = r.int(10);
      if (choice < (growing ? 7 : 2)) {
        expect(set.add(member), `seed ${seed} step ${step}`).toBe(!model.has(member));
        model.add(member);
      } else if (choice < 9 || model.size === 0) {
        expect(set.remove(member), `seed ${seed} step ${step}`).toBe(model.delete(member));
      } else {
        const popped = set.pop(() => r.next());
        expect(model.delete(popped), `seed ${seed} step ${step}`).toBe(true);
      }
      expect(set.has(member)).toBe(model.has(member));
      grown = Math.max(grown, set.capacity);
      if (step % 250 === 0 || model.size < 12) checkInvariants(set, model);
    }
    checkInvariants(set, model);
    expect(grown).toBeGreaterThanOrEqual(2048);
  });

  it('keeps up to 8 members as a list, a table beyond, and a list again at 4', () => {
    const set = new SetValue();
    const model = new Set<string>();
    for (let i = 0; i < 8; i++) {
      set.add(`m${i}`);
      model.add(`m${i}`);
      expect(set.isTable).toBe(false);
      checkInvariants(set, model);
    }
    set.add('m8');
    model.add('m8');
    expect(set.isTable).toBe(true);
    checkInvariants(set, model);
    for (let i = 0; i < 4; i++) {
      set.remove(`m${i}`);
      model.delete(`m${i}`);
      expect(set.isTable).toBe(true);
    }
    set.remove('m4');
    model.delete('m4');
    expect(set.isTable).toBe(false);
    checkInvariants(set, model);
    const out: string[] = [];
    // A list is scanned whole in one step, whatever the cursor.
    expect(set.scan(12345, 1, 1, out)).toBe(0);
    expect(sorted(out)).toEqual(sorted(model));
    expect(new SetValue(1, 9).isTable).toBe(true);
    expect(new SetValue(1, 8).isTable).toBe(false);
  });

  it('shrinks as it empties, so a random pick stays a few probes', () => {
    const set = new SetValue();
    for (let i = 0; i < 10_000; i++) set.add(`m${i}`);
    expect(set.capacity).toBe(16_384);
    for (let i = 0; i < 9_990; i++) set.remove(`m${i}`);
    expect(set.size).toBe(10);
    expect(set.capacity).toBeLessThanOrEqual(64);
    expect(sorted(set.members())).toEqual(
      sorted(Array.from({ length: 10 }, (_, i) => `m${9990 + i}`)),
    );
  });

  it('holds binary members and the empty string', () => {
    const set = new SetValue();
    for (const member of ['', '\u0000', '\u00ff\u0000\u007b', 'a'.repeat(10_000)]) {
      expect(set.add(member)).toBe(true);
      expect(set.has(member)).toBe(true);
    }
    expect(set.has('\u0000\u0000')).toBe(false);
    expect(set.size).toBe(4);
    expect(set.remove('')).toBe(true);
    expect(set.has('')).toBe(false);
  });

  it('picks members uniformly, from a table and from a list', () => {
    for (const size of [10, 5]) {
      const set = new SetValue();
      const members = Array.from({ length: size }, (_, i) => `m${i}`);
      for (const member of members) set.add(member);
      // The table: with holes left by removals.
      for (let i = 0; size > 8 && i < 40; i++) set.add(`gone${i}`);
      for (let i = 0; size > 8 && i < 40; i++) set.remove(`gone${i}`);
      expect(set.isTable).toBe(size > 8);
      const counts = new Map<string, number>();
      const r = new Random(7);
      const picks = 50_000;
      for (let i = 0; i < picks; i++) {
        const member = set.random(() => r.next());
        counts.set(member, (counts.get(member) ?? 0) + 1);
      }
      expect(sorted(counts.keys())).toEqual(sorted(members));
      for (const count of counts.values()) expect(Math.abs(count - picks / size)).toBeLessThan(600);
    }
  });

  it('refuses a random pick from an empty set', () => {
    const set = new SetValue();
    expect(() => set.random()).toThrow(InvariantError);
    set.add('only');
    expect(set.pop()).toBe('only');
    expect(set.size).toBe(0);
    expect(() => set.pop()).toThrow(InvariantError);
  });

  it('hashes by bytes and seed', () => {
    expect(memberHash('abc', 1)).toBe(memberHash('abc', 1));
    expect(memberHash('abc', 1)).not.toBe(memberHash('abc', 2));
    expect(memberHash('abc', 1)).not.toBe(memberHash('abd', 1));
    expect(memberHash('', 5)).toBeGreaterThanOrEqual(0);
  });
});

describe('clone and tracker', () => {
  it('clones deeply, with the same seed and no tracker', () => {
    const set = new SetValue();
    for (let i = 0; i < 50; i++) set.add(`m${i}`);
    set.tracker = { member() {} } as unknown as MemberTracker;
    const copy = set.clone();
    expect(copy.kind).toBe(ValueKind.Set);
    expect(copy.seed).toBe(set.seed);
    expect(copy.tracker).toBeUndefined();
    expect(sorted(copy.members())).toEqual(sorted(set.members()));
    copy.add('new');
    copy.remove('m0');
    expect(set.has('new')).toBe(false);
    expect(set.has('m0')).toBe(true);
    expect(set.size).toBe(50);
  });

  it('tells its tracker of every member it adds or removes, after the change', () => {
    const set = new SetValue();
    set.add('kept');
    const told: string[] = [];
    set.tracker = {
      member(name: string) {
        told.push(`${name}:${set.has(name)}`);
      },
    } as MemberTracker;
    expect(set.add('a')).toBe(true);
    expect(set.add('a')).toBe(false);
    expect(set.remove('missing')).toBe(false);
    expect(set.remove('a')).toBe(true);
    set.add('b');
    const popped = set.pop();
    expect(told).toEqual(['a:true', 'a:false', 'b:true', `${popped}:false`]);
  });
});

describe('SSCAN over the table', () => {
  /** Scans `set` to the end, calling `between` after each step; returns every member returned. */
  function fullScan(
    r: Random,
    start: SetValue,
    between: (set: SetValue) => SetValue,
  ): { seen: Set<string>; steps: number } {
    let set = start;
    const seen = new Set<string>();
    let cursor = 0;
    let steps = 0;
    do {
      const out: string[] = [];
      const count = 1 + r.int(20);
      cursor = set.scan(cursor, count, count * 10, out);
      for (const member of out) seen.add(member);
      set = between(set);
      steps++;
    } while (cursor !== 0 && steps < 1_000_000);
    return { seen, steps };
  }

  it('returns every member once when nothing changes', () => {
    const set = new SetValue();
    for (let i = 0; i < 1000; i++) set.add(`m${i}`);
    const returned: string[] = [];
    let cursor = 0;
    do cursor = set.scan(cursor, 10, 100, returned);
    while (cursor !== 0);
    expect(returned.length).toBe(1000);
    expect(new Set(returned).size).toBe(1000);
  });

  it('returns every member present for the whole scan while the set grows, shrinks, is copied and migrates', () => {
    const seed = fuzzSeed();
    const r = new Random(seed);
    for (let round = 0; round < 40; round++) {
      const set = new SetValue();
      const stable = new Set<string>();
      const everMember = new Set<string>();
      const size = r.int(300);
      for (let i = 0; i < size; i++) {
        const member = `s${round}:${i}`;
        set.add(member);
        everMember.add(member);
        if (r.chance(0.5)) stable.add(member);
      }
      let fresh = 0;
      const { seen } = fullScan(r, set, (current) => {
        let next = current;
        const action = r.int(6);
        if (action === 0) {
          // A burst of new members: the table doubles, maybe more than once.
          for (let i = r.int(400); i > 0; i--) {
            const member = `new${round}:${fresh++}`;
            next.add(member);
            everMember.add(member);
          }
        } else if (action === 1) {
          // Most non-stable members go: the table shrinks.
          for (const member of next.members()) {
            if (!stable.has(member) && r.chance(0.9)) next.remove(member);
          }
        } else if (action === 2) {
          next = next.clone();
        } else if (action === 3) {
          next = roundTrip(next);
        } else if (action === 4 && next.size > stable.size) {
          const member = next.random(() => r.next());
          if (!stable.has(member)) next.remove(member);
        }
        return next;
      });
      for (const member of stable)
        expect(seen.has(member), `seed ${seed} round ${round}`).toBe(true);
      for (const member of seen) expect(everMember.has(member), `seed ${seed}`).toBe(true);
    }
  });

  it('reads any cursor a client sends, however large, as a bucket', () => {
    const set = new SetValue();
    for (let i = 0; i < 20; i++) set.add(`m${i}`);
    const out: string[] = [];
    const next = set.scan(0xffffffff, 1000, 1000, out);
    expect(next).toBe(0);
    expect(out.length).toBeLessThanOrEqual(20);
  });
});

describe('the set codec', () => {
  it('is the Set entry of the value codecs', () => {
    expect(VALUE_CODECS[ValueKind.Set]).toBe(setCodec);
  });

  it('round-trips members and seed', () => {
    const set = new SetValue(12345);
    for (const member of ['', 'a', '\u00ff\u0000', 'x'.repeat(300)]) set.add(member);
    for (let i = 0; i < 100; i++) set.add(String(i));
    const copy = roundTrip(set);
    expect(copy).toBeInstanceOf(SetValue);
    expect(copy.seed).toBe(12345);
    expect(copy.size).toBe(set.size);
    expect(sorted(copy.members())).toEqual(sorted(set.members()));
  });

  it('refuses payloads that are not one set', () => {
    const set = new SetValue(1);
    set.add('ab');
    set.add('c');
    const good = Buffer.alloc(setCodec.payloadBytes(set));
    setCodec.encode(set, good, 0);
    expect(setCodec.decode(good, 0, good.length)).toBeInstanceOf(SetValue);
    const withCount = (count: number): Buffer => {
      const copy = Buffer.from(good);
      copy.writeUInt32LE(count, 4);
      return copy;
    };
    const duplicate = Buffer.concat([
      good.subarray(0, 8),
      good.subarray(8, 14),
      good.subarray(8, 14),
    ]);
    duplicate.writeUInt32LE(2, 4);
    for (const bad of [
      good.subarray(0, 7), // shorter than the header
      good.subarray(0, good.length - 1), // a member cut short
      Buffer.concat([good, Buffer.from([0])]), // bytes after the last member
      withCount(0), // an empty set
      withCount(3), // more members than the payload holds
      withCount(1), // fewer: the rest is trailing
      withCount(0xffffffff),
      duplicate, // the same member twice
    ]) {
      expect(setCodec.decode(bad, 0, bad.length)).toBeUndefined();
    }
  });
});
