// A hash: fields and their values, both one-byte strings whose chars are the bytes.
//
// Two forms, as Redis has two encodings (listpack and hashtable), switched by the same rule:
//
// - Small (Redis's listpack): `pairs`, fields and values interleaved in insertion order, in an
//   array exactly as long as its pairs, and `digests`, one byte per field that a lookup scans
//   before it compares a field. A new field goes to the end, a changed value stays in place and a
//   deleted pair closes up, so the order is Redis's listpack order and HGETALL, HKEYS, HSCAN and
//   HRANDFIELD answer small hashes exactly as Redis does.
// - Large (Redis's hashtable): the same `pairs` array plus `index`, field → offset of its pair.
//   A new field goes to the end; a delete moves the last pair into the hole ("swap remove").
//
// A hash becomes large when it would hold more than HASH_SMALL_FIELDS_MAX fields or a field or a
// value longer than HASH_SMALL_BYTES_MAX bytes (Redis's hash-max-listpack-entries and -value),
// and never becomes small again (as in Redis; a migration rebuilds it, see hash-codec.ts).
//
// Why an array of pairs rather than one Map<field, value>: no Map at all for small hashes (a
// quarter less memory at 10 fields, docs/types/hashes.md has the figures), and for large ones the
// pairs have positions: HRANDFIELD picks a random position in O(1), and HSCAN's cursor is a
// position (see scanWindow). In the large form a pair only ever moves to a lower position (a
// delete moves the last pair down into the hole; nothing moves up), which is what makes the
// cursor return every field present for a whole scan.

import { ValueKind } from '../../src/shared/value-types.js';
import { CollectionValue } from './value.js';

/** Most fields a small hash holds (Redis's hash-max-listpack-entries, redis.conf's value). */
export const HASH_SMALL_FIELDS_MAX = 128;
/** Longest field or value, in bytes, a small hash holds (Redis's hash-max-listpack-value). */
export const HASH_SMALL_BYTES_MAX = 64;

/** The one-char string of each digest value (single-char strings: V8 keeps a table of them). */
const DIGEST_CHARS = Array.from({ length: 256 }, (_, code) => String.fromCharCode(code));

/** A one-byte digest of a field (FNV-1a over its bytes, folded to 8 bits). */
function digestOf(field: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < field.length; i++) hash = Math.imul(hash ^ field.charCodeAt(i), 0x01000193);
  return (hash ^ (hash >>> 8) ^ (hash >>> 16) ^ (hash >>> 24)) & 0xff;
}

/** The pairs of a hash before its first field; never written (a first field makes a new array). */
const NO_PAIRS: string[] = [];

export class HashValue extends CollectionValue {
  /** Field, value, field, value...: pair i at offsets 2i and 2i + 1. */
  private pairs: string[] = NO_PAIRS;
  /** Large form only: each field's offset in `pairs` (always even). */
  private index: Map<string, number> | undefined = undefined;
  /**
   * Small form only: one char per pair, a one-byte digest of its field. A lookup finds candidate
   * pairs with indexOf over these contiguous bytes and compares only their fields; comparing every
   * field instead reads every field string, scattered over the heap (a cache miss each): an HGET in
   * a 128-field hash among a thousand took about 310 ns that way, 130 ns with digests (a Map: 170).
   */
  private digests = '';

  // A getter on the prototype, not a field: one word less per hash.
  get kind(): typeof ValueKind.Hash {
    return ValueKind.Hash;
  }

  get size(): number {
    return this.pairs.length >> 1;
  }

  /** Whether the hash is in its small form (Redis's listpack encoding). */
  get small(): boolean {
    return this.index === undefined;
  }

  /** The field of pair `i` (0 <= i < size). */
  fieldAt(i: number): string {
    return this.pairs[i << 1]!;
  }

  /** The value of pair `i` (0 <= i < size). */
  valueAt(i: number): string {
    return this.pairs[(i << 1) + 1]!;
  }

  /** The position of `field`'s pair (0 <= i < size), or -1 when the hash lacks it. */
  positionOf(field: string): number {
    return this.offsetOf(field) >> 1;
  }

  /**
   * A large-form hash over `pairs` (field, value, ...) and `index` (each field's offset in pairs),
   * taken as they are: a migration that built them position by position (pieces/hash-pieces.ts).
   */
  static ofLargeForm(pairs: string[], index: Map<string, number>): HashValue {
    const hash = new HashValue();
    hash.pairs = pairs;
    hash.index = index;
    return hash;
  }

  get(field: string): string | undefined {
    const at = this.offsetOf(field);
    return at < 0 ? undefined : this.pairs[at + 1];
  }

  has(field: string): boolean {
    return this.offsetOf(field) >= 0;
  }

  /** Sets a field's value; returns whether the field is new. */
  set(field: string, value: string): boolean {
    const at = this.offsetOf(field);
    const created = at < 0;
    if (created) {
      this.append(field, value);
      if (
        this.index === undefined &&
        (this.size > HASH_SMALL_FIELDS_MAX || field.length > HASH_SMALL_BYTES_MAX)
      )
        this.becomeLarge();
    } else {
      this.pairs[at + 1] = value;
    }
    if (this.index === undefined && value.length > HASH_SMALL_BYTES_MAX) this.becomeLarge();
    this.tracker?.member(field);
    return created;
  }

  /**
   * Removes a field; returns whether it was there. The caller deletes the key when the hash is
   * left empty. In the large form the last pair moves into the hole, and the tracker hears of it
   * too: a copy that walks positions must see it again.
   */
  delete(field: string): boolean {
    const at = this.offsetOf(field);
    if (at < 0) return false;
    const pairs = this.pairs;
    const last = pairs.length - 2;
    const index = this.index;
    if (index === undefined) {
      const rest = new Array<string>(last);
      for (let i = 0; i < at; i++) rest[i] = pairs[i]!;
      for (let i = at; i < last; i++) rest[i] = pairs[i + 2]!;
      this.pairs = rest;
      const digests = this.digests;
      this.digests = digests.slice(0, at >> 1) + digests.slice((at >> 1) + 1);
    } else {
      index.delete(field);
      if (at !== last) {
        const moved = pairs[last]!;
        pairs[at] = moved;
        pairs[at + 1] = pairs[last + 1]!;
        index.set(moved, at);
        this.tracker?.member(moved);
      }
      pairs.length = last;
    }
    this.tracker?.member(field);
    return true;
  }

  clone(): HashValue {
    const copy = new HashValue();
    copy.pairs = this.pairs.slice();
    copy.digests = this.digests;
    if (this.index !== undefined) copy.index = new Map(this.index);
    return copy;
  }

  /**
   * One HSCAN step over the large form: the pairs below position `cursor` (the whole hash for 0,
   * and at most `size` for any larger cursor), `count` of them counting down. Returns the first
   * position visited, which is the next cursor (0: the scan is over).
   *
   * A field present for a whole scan is returned by it at least once: a scan visits positions
   * from the top down, a step visits exactly the window [next, cursor), and a pair only ever
   * moves down (into a hole a delete left), so a field not yet visited stays below the cursor
   * until a step visits it; the last step visits everything down to 0. A pair that moves down
   * from a visited position is returned again (Redis's SCAN may return a field twice too), and a
   * field added during the scan goes above the cursor and may be missed, as Redis allows.
   */
  scanWindow(cursor: number, count: number): { from: number; to: number } {
    const size = this.size;
    const to = cursor === 0 || cursor > size ? size : cursor;
    return { from: Math.max(0, to - count), to };
  }

  /** The offset of a field's pair in `pairs`, or -1. */
  private offsetOf(field: string): number {
    if (this.index !== undefined) return this.index.get(field) ?? -1;
    if (field.length > HASH_SMALL_BYTES_MAX) return -1;
    const digest = DIGEST_CHARS[digestOf(field)]!;
    const digests = this.digests;
    const pairs = this.pairs;
    for (let i = digests.indexOf(digest); i >= 0; i = digests.indexOf(digest, i + 1)) {
      if (pairs[i << 1] === field) return i << 1;
    }
    return -1;
  }

  /**
   * Adds a pair at the end. The small form's array is always exactly as long as its pairs (a new
   * array a change, as a listpack is reallocated): an array grown by push keeps up to half its
   * length again in spare slots, which for small hashes doubled the memory around the strings.
   */
  private append(field: string, value: string): void {
    const pairs = this.pairs;
    if (this.index !== undefined) {
      pairs.push(field, value);
      this.index.set(field, pairs.length - 2);
      return;
    }
    const length = pairs.length;
    const grown = new Array<string>(length + 2);
    for (let i = 0; i < length; i++) grown[i] = pairs[i]!;
    grown[length] = field;
    grown[length + 1] = value;
    this.pairs = grown;
    this.digests += DIGEST_CHARS[digestOf(field)]!;
  }

  private becomeLarge(): void {
    const pairs = this.pairs;
    const index = new Map<string, number>();
    for (let i = 0; i < pairs.length; i += 2) index.set(pairs[i]!, i);
    this.index = index;
    this.digests = '';
  }
}
