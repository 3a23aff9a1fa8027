// A sorted set: members (one-byte strings) with a double score each, ordered by score and then by
// member bytes, as in Redis.
//
// Storage, with no object per member:
//   - handles: Map member → handle, a small integer naming the member's slot in two arrays,
//     memberOf (handle → member) and scoreOf (handle → score, a Float64Array). ZSCORE is one Map
//     lookup and one array read. Freed handles form a list threaded through scoreOf and are
//     reused; when fewer than a quarter of the handles are in use the table is renumbered densely.
//   - order: a B+tree of handles by (score, member) with subtree counts (zset/order-index.ts), for
//     ranks, score and lex bounds in O(log n) and range walks in O(log n + m).
//
// `compact` mirrors Redis's listpack encoding (zset-max-listpack-entries 128, -value 64), which
// changes what Redis replies in two places: a listpack keeps scores as text, where -0 becomes 0,
// and ZSCAN returns a listpack whole with cursor 0. A set starts compact and stops being compact,
// for good, as Redis converts it: when an insert would take it past 128 members or brings a member
// longer than 64 bytes. Nothing else depends on it.

import { ValueKind } from '../../src/shared/value-types.js';
import { CollectionValue } from './value.js';
import { loadSorted } from './zset/bulk-load.js';
import type { Leaf } from './zset/nodes.js';
import { OrderIndex, type Position } from './zset/order-index.js';

/** Redis's zset-max-listpack-entries default: a compact set holds at most this many members. */
export const COMPACT_MEMBERS_MAX = 128;
/** Redis's zset-max-listpack-value default: a compact set's members are at most this long. */
export const COMPACT_MEMBER_BYTES_MAX = 64;

/** Handle slots a new set starts with. */
const HANDLES_INITIAL = 4;
/** The handle table is renumbered when it has this many slots and under a quarter in use. */
const HANDLES_COMPACTION_MIN = 64;
/** ZSCAN cursors carry the handle numbering's epoch above this many bits of position. */
export const CURSOR_POSITION_BITS = 32;
/** Epochs wrap here, so that a cursor stays below 2^53 (an exact JS number). */
const EPOCH_LIMIT = 2 ** 20;

/** A position walks reuse (the shard runs one command at a time). */
const walker: Position = { leaf: undefined!, index: 0 };

export type MemberVisitor = (member: string, score: number) => void;

export class ZSetValue extends CollectionValue {
  readonly kind = ValueKind.ZSet;
  /** Whether Redis would hold this set as a listpack (see the header). */
  compact = true;
  /** Bumped when handles are renumbered: a ZSCAN cursor of an older numbering starts over. */
  epoch = 0;
  private readonly handles = new Map<string, number>();
  private memberOf: (string | undefined)[] = [];
  private scoreOf = new Float64Array(HANDLES_INITIAL);
  /** Head of the list of free handles (threaded through scoreOf), -1 when none. */
  private freeHandle = -1;
  private readonly order = new OrderIndex(this.memberOf);

  get size(): number {
    return this.handles.size;
  }

  /** Handles ever given out, free ones included (ZSCAN walks 0..handleCount). */
  get handleCount(): number {
    return this.memberOf.length;
  }

  score(member: string): number | undefined {
    const handle = this.handles.get(member);
    return handle === undefined ? undefined : this.scoreOf[handle];
  }

  has(member: string): boolean {
    return this.handles.has(member);
  }

  /**
   * Sets `member`'s score (not NaN), adding the member when it is new; an existing member moves to
   * its new place. A compact set first stops being compact if the new member would make it too
   * big, and keeps -0 as 0 as a listpack would.
   */
  set(member: string, score: number): void {
    const handle = this.handles.get(member);
    if (handle === undefined) {
      if (this.compact && !ZSetValue.fitsCompact(this.handles.size + 1, member)) {
        this.compact = false;
      }
      if (this.compact && score === 0) score = 0;
      const added = this.allocate(member, score);
      this.order.insert(added, score, member);
    } else {
      if (this.compact && score === 0) score = 0;
      this.order.remove(this.scoreOf[handle]!, member);
      this.scoreOf[handle] = score;
      this.order.insert(handle, score, member);
    }
    this.tracker?.member(member);
  }

  /** Removes `member`; returns whether it was there. */
  remove(member: string): boolean {
    const handle = this.handles.get(member);
    if (handle === undefined) return false;
    this.order.remove(this.scoreOf[handle]!, member);
    this.handles.delete(member);
    this.memberOf[handle] = undefined;
    this.scoreOf[handle] = this.freeHandle;
    this.freeHandle = handle;
    const slots = this.memberOf.length;
    if (slots >= HANDLES_COMPACTION_MIN && this.handles.size < slots / 4) this.renumber();
    this.tracker?.member(member);
    return true;
  }

  private allocate(member: string, score: number): number {
    let handle = this.freeHandle;
    if (handle >= 0) {
      this.freeHandle = this.scoreOf[handle]!;
      this.memberOf[handle] = member;
    } else {
      handle = this.memberOf.length;
      if (handle === this.scoreOf.length) {
        const grown = new Float64Array(Math.ceil(handle * 1.5) + HANDLES_INITIAL);
        grown.set(this.scoreOf);
        this.scoreOf = grown;
      }
      this.memberOf.push(member);
    }
    this.scoreOf[handle] = score;
    this.handles.set(member, handle);
    return handle;
  }

  /** Renumbers the handles densely in order (a new epoch for ZSCAN cursors). */
  private renumber(): void {
    const count = this.handles.size;
    const memberOf: (string | undefined)[] = new Array(count);
    const scoreOf = new Float64Array(Math.ceil(count * 1.5) + HANDLES_INITIAL);
    let next = 0;
    for (let leaf: Leaf | null = this.order.first; leaf !== null; leaf = leaf.next) {
      for (let i = 0; i < leaf.count; i++) {
        const member = this.memberOf[leaf.ids[i]!]!;
        memberOf[next] = member;
        scoreOf[next] = leaf.scores[i]!;
        this.handles.set(member, next);
        leaf.ids[i] = next++;
      }
    }
    this.memberOf = memberOf;
    this.scoreOf = scoreOf;
    this.order.memberOf = memberOf;
    this.freeHandle = -1;
    this.epoch = (this.epoch + 1) % EPOCH_LIMIT;
  }

  /** The rank (0-based, by ascending score) of `member`, or -1 when it is not a member. */
  rank(member: string): number {
    const handle = this.handles.get(member);
    return handle === undefined ? -1 : this.order.rank(this.scoreOf[handle]!, member);
  }

  /** Members with a score below `score` (with `inclusive`, at most `score`). */
  countByScore(score: number, inclusive: boolean): number {
    return this.order.countByScore(score, inclusive);
  }

  /** Members sorting below `member` by name (with `inclusive`, up to it); for equal scores. */
  countByMember(member: string, inclusive: boolean): number {
    return this.order.countByMember(member, inclusive);
  }

  /** The member at `rank` (0 <= rank < size). */
  memberAt(rank: number): string {
    this.order.seek(rank, walker);
    return this.memberOf[walker.leaf.ids[walker.index]!]!;
  }

  /** The score at `rank` (0 <= rank < size). */
  scoreAt(rank: number): number {
    this.order.seek(rank, walker);
    return walker.leaf.scores[walker.index]!;
  }

  /**
   * Visits `count` members from rank `from`: upwards, or with `reverse` downwards (`from` is then
   * the highest rank visited). The range must lie within the set; `visit` must not change it.
   */
  walk(from: number, count: number, reverse: boolean, visit: MemberVisitor): void {
    if (count <= 0) return;
    this.order.seek(from, walker);
    let leaf = walker.leaf;
    let index = walker.index;
    for (let k = 0; k < count; k++) {
      visit(this.memberOf[leaf.ids[index]!]!, leaf.scores[index]!);
      if (reverse) {
        if (--index < 0 && k + 1 < count) {
          leaf = leaf.prev!;
          index = leaf.count - 1;
        }
      } else if (++index >= leaf.count && k + 1 < count) {
        leaf = leaf.next!;
        index = 0;
      }
    }
  }

  /**
   * Visits the members held in handles [from, end), stopping after `count` members or
   * `slotsMax` slots; returns the handle to go on from (handleCount when done).
   */
  scanHandles(from: number, count: number, slotsMax: number, visit: MemberVisitor): number {
    const end = Math.min(this.memberOf.length, from + slotsMax);
    let found = 0;
    let handle = from;
    for (; handle < end && found < count; handle++) {
      const member = this.memberOf[handle];
      if (member === undefined) continue;
      visit(member, this.scoreOf[handle]!);
      found++;
    }
    return handle;
  }

  clone(): ZSetValue {
    const members: string[] = [];
    const scores = new Float64Array(this.size);
    this.walk(0, this.size, false, (member, score) => {
      scores[members.length] = score;
      members.push(member);
    });
    return ZSetValue.fromSorted(members, scores, this.compact);
  }

  /** Whether a compact set may hold `size` members after adding `member` (Redis's listpack). */
  static fitsCompact(size: number, member: string): boolean {
    return size <= COMPACT_MEMBERS_MAX && member.length <= COMPACT_MEMBER_BYTES_MAX;
  }

  /**
   * A set of `members` (distinct, in order of (score, member)) with `scores`, built at once. A
   * compact set keeps -0 as 0, as a listpack would.
   */
  static fromSorted(members: string[], scores: Float64Array, compact: boolean): ZSetValue {
    const value = new ZSetValue();
    const count = members.length;
    value.compact = compact;
    value.memberOf = members;
    value.order.memberOf = members;
    value.scoreOf = new Float64Array(count + HANDLES_INITIAL);
    value.scoreOf.set(scores.subarray(0, count));
    if (compact) {
      for (let i = 0; i < count; i++) if (value.scoreOf[i] === 0) value.scoreOf[i] = 0;
    }
    for (let i = 0; i < count; i++) value.handles.set(members[i]!, i);
    loadSorted(value.order, value.scoreOf, count);
    return value;
  }
}
