// The hash value: its two forms and the switch between them, the tracker calls, clone, the HSCAN
// cursor's guarantee under concurrent changes, and the migration codec.

import { describe, expect, it } from 'vitest';
import { ValueKind } from '../../src/shared/value-types.js';
import {
  HASH_SMALL_BYTES_MAX,
  HASH_SMALL_FIELDS_MAX,
  HashValue,
} from '../../workers/keyspace/hash-value.js';
import type { MemberTracker } from '../../workers/keyspace/value.js';
import { VALUE_CODECS } from '../../workers/keyspace/value-codec.js';
import { Random } from '../support/random.js';

function pairsOf(hash: HashValue): [string, string][] {
  return Array.from({ length: hash.size }, (_, i) => [hash.fieldAt(i), hash.valueAt(i)]);
}

function hashOf(count: number): HashValue {
  const hash = new HashValue();
  for (let i = 0; i < count; i++) hash.set(`f${i}`, `v${i}`);
  return hash;
}

/** A tracker that records the members it hears of. */
function recorder(): MemberTracker & { members: string[] } {
  const members: string[] = [];
  const fail = (): never => {
    throw new Error('a hash never reports list changes');
  };
  return {
    members,
    member: (name) => members.push(name),
    pushed: fail,
    popped: fail,
    rewritten: fail,
  };
}

describe('a small hash', () => {
  it('keeps insertion order: new fields at the end, changed values in place, deletes close up', () => {
    const hash = new HashValue();
    expect(hash.kind).toBe(ValueKind.Hash);
    expect(hash.set('a', '1')).toBe(true);
    expect(hash.set('b', '2')).toBe(true);
    expect(hash.set('c', '3')).toBe(true);
    expect(hash.set('a', 'one')).toBe(false);
    expect(hash.delete('b')).toBe(true);
    expect(hash.delete('b')).toBe(false);
    hash.set('d', '4');
    expect(pairsOf(hash)).toEqual([
      ['a', 'one'],
      ['c', '3'],
      ['d', '4'],
    ]);
    expect(hash.small).toBe(true);
    expect(hash.get('c')).toBe('3');
    expect(hash.get('b')).toBeUndefined();
    expect(hash.has('d')).toBe(true);
  });

  it('finds fields through their digests, colliding ones included, across inserts and deletes', () => {
    const r = new Random(7);
    for (let trial = 0; trial < 20; trial++) {
      const hash = new HashValue();
      const model = new Map<string, string>();
      // 128 fields over 256 digests: many share one.
      for (let step = 0; step < 400; step++) {
        const field = `k${r.int(160)}`;
        if (r.chance(0.3)) expect(hash.delete(field)).toBe(model.delete(field));
        else if (model.size < HASH_SMALL_FIELDS_MAX || model.has(field)) {
          expect(hash.set(field, `v${step}`)).toBe(!model.has(field));
          model.set(field, `v${step}`);
        }
      }
      expect(hash.small).toBe(true);
      expect(pairsOf(hash)).toEqual([...model]);
      for (let i = 0; i < 160; i++) expect(hash.get(`k${i}`)).toBe(model.get(`k${i}`));
      expect(hash.clone().get(pairsOf(hash)[0]![0])).toBe(pairsOf(hash)[0]![1]);
    }
  });

  it('becomes large past the field count, or with a field or value past the byte limit', () => {
    const full = hashOf(HASH_SMALL_FIELDS_MAX);
    expect(full.small).toBe(true);
    full.set('one-more', 'v');
    expect(full.small).toBe(false);
    expect(full.size).toBe(HASH_SMALL_FIELDS_MAX + 1);
    const long = 'x'.repeat(HASH_SMALL_BYTES_MAX + 1);
    const byField = hashOf(3);
    byField.set('x'.repeat(HASH_SMALL_BYTES_MAX), 'v');
    expect(byField.small).toBe(true);
    byField.set(long, 'v');
    expect(byField.small).toBe(false);
    const byValue = hashOf(3);
    byValue.set('f1', long);
    expect(byValue.small).toBe(false);
    expect(pairsOf(byValue)[1]).toEqual(['f1', long]);
  });

  it('never becomes small again, as in Redis', () => {
    const hash = hashOf(HASH_SMALL_FIELDS_MAX + 1);
    for (let i = 0; i < HASH_SMALL_FIELDS_MAX; i++) hash.delete(`f${i}`);
    expect(hash.size).toBe(1);
    expect(hash.small).toBe(false);
    expect(hash.get(`f${HASH_SMALL_FIELDS_MAX}`)).toBe(`v${HASH_SMALL_FIELDS_MAX}`);
  });
});

describe('a large hash', () => {
  it('finds every field after deletes moved pairs around', () => {
    const hash = hashOf(300);
    for (let i = 0; i < 300; i += 3) hash.delete(`f${i}`);
    expect(hash.size).toBe(200);
    for (let i = 0; i < 300; i++) expect(hash.get(`f${i}`)).toBe(i % 3 === 0 ? undefined : `v${i}`);
    const fields = pairsOf(hash).map(([field]) => field);
    expect(new Set(fields).size).toBe(200);
  });

  it('moves the last pair into a deleted one, and nothing ever moves up', () => {
    const hash = hashOf(200);
    hash.delete('f10');
    expect(hash.fieldAt(10)).toBe('f199');
    expect(hash.size).toBe(199);
    hash.delete('f0');
    expect(hash.fieldAt(0)).toBe('f198');
    expect(hash.fieldAt(10)).toBe('f199');
    hash.delete('f197');
    expect(hash.size).toBe(197);
    expect(hash.fieldAt(196)).toBe('f196');
  });
});

describe('tracker and clone', () => {
  it('tell the tracker of every field a change touches, the moved one included', () => {
    const small = hashOf(3);
    const tracker = recorder();
    small.tracker = tracker;
    small.set('f0', 'new');
    small.set('g', 'v');
    small.delete('f1');
    small.delete('nope');
    expect(tracker.members).toEqual(['f0', 'g', 'f1']);
    const large = hashOf(200);
    const moves = recorder();
    large.tracker = moves;
    large.delete('f5');
    large.delete('f7');
    expect(moves.members).toEqual(['f199', 'f5', 'f198', 'f7']);
  });

  it('clone copies deeply, without the tracker', () => {
    for (const size of [3, 200]) {
      const hash = hashOf(size);
      hash.tracker = recorder();
      const copy = hash.clone();
      expect(copy.tracker).toBeUndefined();
      expect(pairsOf(copy)).toEqual(pairsOf(hash));
      expect(copy.small).toBe(hash.small);
      copy.set('f0', 'changed');
      copy.delete('f1');
      copy.set('extra', 'v');
      expect(hash.get('f0')).toBe('v0');
      expect(hash.get('f1')).toBe('v1');
      expect(hash.has('extra')).toBe(false);
    }
  });
});

describe('the HSCAN cursor of a large hash', () => {
  /** One whole scan with random changes between its steps; the fields it returned. */
  function scanWhileChanging(r: Random, hash: HashValue, stable: Set<string>, count: number) {
    const returned = new Set<string>();
    let cursor = 0;
    let steps = 0;
    let added = 0;
    do {
      const { from, to } = hash.scanWindow(cursor, count);
      for (let i = from; i < to; i++) returned.add(hash.fieldAt(i));
      cursor = from;
      steps++;
      for (let change = r.int(6); change > 0; change--) {
        const i = r.int(hash.size);
        const field = hash.fieldAt(i);
        if (r.chance(0.4) && !stable.has(field) && hash.size > 1) hash.delete(field);
        else if (r.chance(0.5)) hash.set(`new${added++}`, 'v');
        else hash.set(field, `changed${r.int(9)}`);
      }
    } while (cursor !== 0);
    return { returned, steps };
  }

  it('returns every field present for the whole scan, whatever changes between steps', () => {
    const r = new Random(20260101);
    for (let trial = 0; trial < 150; trial++) {
      const hash = new HashValue();
      const size = r.between(HASH_SMALL_FIELDS_MAX + 1, 600);
      for (let i = 0; i < size; i++) hash.set(`f${i}`, `v${i}`);
      expect(hash.small).toBe(false);
      // Fields that stay for the whole scan; every other one may be deleted, and new ones come.
      const stable = new Set<string>();
      for (let i = 0; i < size; i++) if (r.chance(0.5)) stable.add(`f${i}`);
      const count = r.pick([1, 3, 10, 50]);
      const { returned, steps } = scanWhileChanging(r, hash, stable, count);
      for (const field of stable)
        expect(returned.has(field), `trial ${trial}: ${field}`).toBe(true);
      // A step visits `count` positions and positions never exceed the size at the start.
      expect(steps).toBeLessThanOrEqual(Math.ceil(size / count));
    }
  });

  it('starts at the top for cursor 0, clamps a cursor past the end, and counts down', () => {
    const hash = hashOf(200);
    expect(hash.scanWindow(0, 10)).toEqual({ from: 190, to: 200 });
    expect(hash.scanWindow(2 ** 64, 10)).toEqual({ from: 190, to: 200 });
    expect(hash.scanWindow(15, 10)).toEqual({ from: 5, to: 15 });
    expect(hash.scanWindow(5, 10)).toEqual({ from: 0, to: 5 });
    expect(hash.scanWindow(0, 1000)).toEqual({ from: 0, to: 200 });
  });
});

describe('the migration codec of a hash', () => {
  const codec = VALUE_CODECS[ValueKind.Hash];

  function roundTrip(hash: HashValue): HashValue {
    const bytes = codec.payloadBytes(hash);
    const buf = Buffer.alloc(bytes + 8, 0xee);
    codec.encode(hash, buf, 4);
    expect(buf[3]).toBe(0xee);
    expect(buf[4 + bytes]).toBe(0xee);
    return codec.decode(buf, 4, 4 + bytes) as HashValue;
  }

  it('keeps every pair at its position, in either form', () => {
    const small = hashOf(5);
    small.set('bin\u0000\u00ff', '\u0080');
    const large = hashOf(300);
    for (let i = 0; i < 300; i += 7) large.delete(`f${i}`);
    for (const hash of [small, large]) {
      const copy = roundTrip(hash);
      expect(pairsOf(copy)).toEqual(pairsOf(hash));
      expect(copy.small).toBe(hash.small);
    }
  });

  it('rebuilds a large hash that shrank within the small limits as small, as Redis loads one', () => {
    const hash = hashOf(HASH_SMALL_FIELDS_MAX + 10);
    for (let i = 0; i < 20; i++) hash.delete(`f${i}`);
    const copy = roundTrip(hash);
    expect(copy.small).toBe(true);
    expect(pairsOf(copy)).toEqual(pairsOf(hash));
  });

  it('refuses bytes that are not a hash', () => {
    const good = Buffer.alloc(codec.payloadBytes(hashOf(2)));
    codec.encode(hashOf(2), good, 0);
    expect(codec.decode(good, 0, good.length)).toBeInstanceOf(HashValue);
    expect(codec.decode(good, 0, 0)).toBeUndefined();
    expect(codec.decode(good, 0, good.length - 1)).toBeUndefined();
    expect(
      codec.decode(Buffer.concat([good, Buffer.from([0])]), 0, good.length + 1),
    ).toBeUndefined();
    const empty = Buffer.alloc(4);
    expect(codec.decode(empty, 0, 4)).toBeUndefined();
    const tooMany = Buffer.from(good);
    tooMany.writeUInt32LE(1000, 0);
    expect(codec.decode(tooMany, 0, tooMany.length)).toBeUndefined();
    const twice = new HashValue();
    twice.set('f0', 'a');
    twice.set('f1', 'b');
    const dup = Buffer.alloc(codec.payloadBytes(twice));
    codec.encode(twice, dup, 0);
    dup[4 + 4 + 2 + 4 + 1 + 4 + 1] = '0'.charCodeAt(0); // f1 becomes f0
    expect(dup.toString('latin1')).toContain('f0');
    expect(codec.decode(dup, 0, dup.length)).toBeUndefined();
  });
});
