// A set's members in one plain array, no object per member and no Map beside it. A small set (up
// to LIST_MAX members, the commonest kind) keeps them as a list searched linearly, exactly as long
// as the set. A larger one keeps an open-addressing hash table: the members in an array of
// power-of-two capacity, found by linear probing from a hash computed here. That is about 16-21
// bytes a member beyond the strings, less than a JS Set (20-28); unlike a Set it picks a uniformly
// random member in O(1) (SPOP, SRANDMEMBER: probe random slots) and can be scanned by bucket with
// Redis's reverse-binary cursor (SSCAN). docs/types/sets.md has the measurements behind the choice.
//
// A list is scanned in one step (cursor 0 back), as Redis scans its small encodings, so a scan
// never carries a cursor from one form to the other: a set may change form between two steps.
//
// Invariants of the table (asserted by the unit tests through the public methods):
// - load: `count * 4 <= capacity * 3`, so a probe always meets an empty slot;
// - no gap: a member at slot i whose home (hash & mask) is h has every slot from h to i (wrapping)
//   occupied. Removal keeps it by shifting later members of the run back (backward-shift
//   deletion), never leaving a tombstone;
// - a member's home depends only on its bytes, the set's seed and the capacity, so every member
//   present during a whole SSCAN is returned at least once whatever happens in between: growth,
//   shrinking, removals, a COPY, a migration (which carries the seed: set-codec.ts).

import { InvariantError } from '../../src/errors.js';
import { ValueKind } from '../../src/shared/value-types.js';
import { CollectionValue } from './value.js';

/** Most members a set keeps as a list; one more and it becomes a table. */
const LIST_MAX = 8;
/**
 * A table that falls to this many members becomes a list again. Below LIST_MAX, so that a set
 * going up and down around LIST_MAX does not change form at every step.
 */
const LIST_AGAIN = 4;
/** Smallest table. */
const CAPACITY_MIN = 4;
/**
 * Largest capacity: V8 cannot hold a plain array of 2^27 elements (its FixedArray stops just
 * short of it), so the table stops at 2^26 slots.
 */
const CAPACITY_MAX = 2 ** 26;
/** Most members a set holds: the capacity's at the 3/4 load limit (50,331,648). */
export const SET_MEMBERS_MAX = (CAPACITY_MAX / 4) * 3;
/**
 * A set shrinks when fewer than 1/SHRINK_LOAD_DIVISOR of its slots are used, which also bounds a
 * random pick's expected probes (capacity / count) by that divisor.
 */
const SHRINK_LOAD_DIVISOR = 8;

/** A uniform random float in [0, 1): Math.random, or a seeded generator (SRANDMEMBER -n). */
export type RandomSource = () => number;

/**
 * The member's 32-bit hash under `seed`: FNV-1a over its bytes (char codes, all below 256) from
 * the seed, then murmur3's finalizer so that the low bits, which pick the slot, mix every byte.
 */
export function memberHash(member: string, seed: number): number {
  let hash = seed;
  for (let i = 0; i < member.length; i++) {
    hash = Math.imul(hash ^ member.charCodeAt(i), 0x01000193);
  }
  hash ^= hash >>> 16;
  hash = Math.imul(hash, 0x85ebca6b);
  hash ^= hash >>> 13;
  hash = Math.imul(hash, 0xc2b2ae35);
  return (hash ^ (hash >>> 16)) >>> 0;
}

/** The bits of a 32-bit integer in reverse order. */
function reverseBits(v: number): number {
  v = ((v >>> 1) & 0x55555555) | ((v & 0x55555555) << 1);
  v = ((v >>> 2) & 0x33333333) | ((v & 0x33333333) << 2);
  v = ((v >>> 4) & 0x0f0f0f0f) | ((v & 0x0f0f0f0f) << 4);
  v = ((v >>> 8) & 0x00ff00ff) | ((v & 0x00ff00ff) << 8);
  return ((v >>> 16) | (v << 16)) >>> 0;
}

/** The smallest capacity that holds `count` members within the load limit. */
function capacityFor(count: number): number {
  let capacity = CAPACITY_MIN;
  while (count * 4 > capacity * 3) capacity *= 2;
  if (capacity > CAPACITY_MAX) {
    throw new InvariantError(`a set holds at most ${SET_MEMBERS_MAX} members`);
  }
  return capacity;
}

/** A random 32-bit seed for a new set's hash. */
function randomSeed(): number {
  return Math.floor(Math.random() * 2 ** 32) >>> 0;
}

export class SetValue extends CollectionValue {
  readonly kind = ValueKind.Set;
  /**
   * Seeds the member hash. Random per set, so that neither a set's layout nor its collisions can
   * be prepared in advance; kept by clone() and carried by a migration, so a member keeps its
   * bucket (and an SSCAN its guarantee) wherever the set goes.
   */
  readonly seed: number;
  /**
   * The members. As a list: exactly `count` members, no holes. As a table: a member or undefined
   * per slot, a power-of-two length.
   */
  private slots: (string | undefined)[];
  private count = 0;
  /** Whether `slots` is the table (else the list). */
  private hashed: boolean;

  /** An empty set (a command stores it only once it holds a member) sized for `expected`. */
  constructor(seed: number = randomSeed(), expected = 0) {
    super();
    this.seed = seed >>> 0;
    this.hashed = expected > LIST_MAX;
    this.slots = this.hashed ? newTable(capacityFor(expected)) : [];
  }

  get size(): number {
    return this.count;
  }

  /** Whether the members are in the hash table rather than the list (for tests). */
  get isTable(): boolean {
    return this.hashed;
  }

  /** Slots of the table, or members of the list (for tests and the storage figures). */
  get capacity(): number {
    return this.slots.length;
  }

  has(member: string): boolean {
    if (!this.hashed) return this.slots.indexOf(member) >= 0;
    return this.find(member, memberHash(member, this.seed)) >= 0;
  }

  /** Adds `member`; returns whether it was new. */
  add(member: string): boolean {
    const added = this.hashed ? this.addToTable(member) : this.addToList(member);
    if (added) this.tracker?.member(member);
    return added;
  }

  /** Removes `member`; returns whether it was there. */
  remove(member: string): boolean {
    if (this.hashed) {
      const at = this.find(member, memberHash(member, this.seed));
      if (at < 0) return false;
      this.removeAt(at);
    } else {
      const at = this.slots.indexOf(member);
      if (at < 0) return false;
      this.removeFromList(at);
    }
    this.tracker?.member(member);
    return true;
  }

  /** A uniformly random member; the set must not be empty. */
  random(random: RandomSource = Math.random): string {
    return this.slots[this.randomSlot(random)]!;
  }

  /** Removes and returns a uniformly random member; the set must not be empty. */
  pop(random: RandomSource = Math.random): string {
    const at = this.randomSlot(random);
    const member = this.slots[at]!;
    if (this.hashed) this.removeAt(at);
    else this.removeFromList(at);
    this.tracker?.member(member);
    return member;
  }

  /** The member in slot `slot` of the table (or list), if any; 0 <= slot < capacity. */
  memberAt(slot: number): string | undefined {
    return this.slots[slot];
  }

  /** Calls `visit` with each member, in list or table order (Redis's "hash order" here). */
  forEach(visit: (member: string) => void): void {
    const slots = this.slots;
    for (let i = 0; i < slots.length; i++) {
      const member = slots[i];
      if (member !== undefined) visit(member);
    }
  }

  /** The members, in list or table order. */
  members(): string[] {
    const out = new Array<string>(this.count);
    let i = 0;
    this.forEach((member) => {
      out[i++] = member;
    });
    return out;
  }

  /**
   * One SSCAN step from `cursor`, as Redis's dictScan loop: visits buckets in reverse-binary
   * order, appending each bucket's members to `out`, until `out` holds `count` members, `visits`
   * buckets were visited, or the cursor wraps to 0 (done). Returns the next cursor. A list is
   * returned whole, whatever the cursor, and the scan ends (0).
   *
   * A bucket is the members whose home slot is the bucket's index: they lie in the run of occupied
   * slots that starts there (the no-gap invariant). Counting buckets in reverse-binary order (high
   * bit of the index incremented first) visits each bucket of a table twice as big or half as big
   * as consistently as its own, so growth or shrinking between steps loses no member; a shrink may
   * return some twice.
   */
  scan(cursor: number, count: number, visits: number, out: string[]): number {
    if (!this.hashed) {
      this.forEach((member) => {
        out.push(member);
      });
      return 0;
    }
    const slots = this.slots;
    const mask = slots.length - 1;
    let v = cursor >>> 0;
    for (let visited = 0; ; ) {
      const bucket = v & mask;
      for (let i = bucket; ; i = (i + 1) & mask) {
        const member = slots[i];
        if (member === undefined) break;
        if ((memberHash(member, this.seed) & mask) === bucket) out.push(member);
      }
      v = reverseBits((reverseBits((v | ~mask) >>> 0) + 1) >>> 0);
      if (v === 0 || ++visited >= visits || out.length >= count) return v;
    }
  }

  clone(): SetValue {
    const copy = new SetValue(this.seed);
    copy.slots = this.slots.slice();
    copy.count = this.count;
    copy.hashed = this.hashed;
    return copy;
  }

  private addToList(member: string): boolean {
    const list = this.slots;
    if (list.indexOf(member) >= 0) return false;
    const count = this.count;
    if (count === LIST_MAX) {
      this.hashed = true;
      this.resize(capacityFor(count + 1));
      return this.addToTable(member);
    }
    // A new array of the exact length: push would leave room for 16 more.
    const next = new Array<string | undefined>(count + 1);
    for (let i = 0; i < count; i++) next[i] = list[i];
    next[count] = member;
    this.slots = next;
    this.count = count + 1;
    return true;
  }

  private addToTable(member: string): boolean {
    const hash = memberHash(member, this.seed);
    let at = this.find(member, hash);
    if (at >= 0) return false;
    if ((this.count + 1) * 4 > this.slots.length * 3) {
      this.resize(capacityFor(this.count + 1));
      at = this.find(member, hash);
    }
    this.slots[~at] = member;
    this.count++;
    return true;
  }

  /** Removes the list's member at `at`: the last member takes its place. */
  private removeFromList(at: number): void {
    const list = this.slots;
    const last = this.count - 1;
    const next = new Array<string | undefined>(last);
    for (let i = 0; i < last; i++) next[i] = list[i];
    if (at < last) next[at] = list[last];
    this.slots = next;
    this.count = last;
  }

  /** The slot holding `member` (>= 0), or the complement (~i < 0) of the empty slot ending its probe. */
  private find(member: string, hash: number): number {
    const slots = this.slots;
    const mask = slots.length - 1;
    for (let i = hash & mask; ; i = (i + 1) & mask) {
      const found = slots[i];
      if (found === undefined) return ~i;
      if (found === member) return i;
    }
  }

  /** A random occupied slot (a random index of the list). */
  private randomSlot(random: RandomSource): number {
    if (this.count === 0) throw new InvariantError('a random member of an empty set');
    if (!this.hashed) return Math.floor(random() * this.count);
    const slots = this.slots;
    for (;;) {
      const at = Math.floor(random() * slots.length);
      if (slots[at] !== undefined) return at;
    }
  }

  /**
   * Empties slot `hole` of the table and closes the gap: each later member of the run whose home is
   * not in (hole, its slot] moves back into the hole, which moves to where it was (the tracker
   * hears of each member moved). Then shrinks the table, or turns it back into a list, if few
   * members are left.
   */
  private removeAt(hole: number): void {
    const slots = this.slots;
    const mask = slots.length - 1;
    slots[hole] = undefined;
    for (let i = (hole + 1) & mask; ; i = (i + 1) & mask) {
      const member = slots[i];
      if (member === undefined) break;
      const home = memberHash(member, this.seed) & mask;
      const stays = hole <= i ? hole < home && home <= i : hole < home || home <= i;
      if (stays) continue;
      slots[hole] = member;
      slots[i] = undefined;
      hole = i;
      // A migration copying the table slot by slot must see it again (migration/pieces).
      this.tracker?.member(member);
    }
    this.count--;
    const capacity = slots.length;
    if (this.count <= LIST_AGAIN) {
      this.slots = this.members();
      this.hashed = false;
    } else if (capacity > CAPACITY_MIN && this.count * SHRINK_LOAD_DIVISOR < capacity) {
      this.resize(capacityFor(this.count));
    }
  }

  /** Puts the members (of the table or the list) in a new table of `capacity` slots. */
  private resize(capacity: number): void {
    const old = this.slots;
    const slots = newTable(capacity);
    const mask = capacity - 1;
    for (let j = 0; j < old.length; j++) {
      const member = old[j];
      if (member === undefined) continue;
      let i = memberHash(member, this.seed) & mask;
      while (slots[i] !== undefined) i = (i + 1) & mask;
      slots[i] = member;
    }
    this.slots = slots;
  }
}

/**
 * An empty table. Filled with undefined rather than left as holes: V8 makes `new Array(n)` of 2^26
 * elements a dictionary (slow, big); filled, it stays a flat array at every size.
 */
function newTable(capacity: number): (string | undefined)[] {
  return new Array<string | undefined>(capacity).fill(undefined);
}
