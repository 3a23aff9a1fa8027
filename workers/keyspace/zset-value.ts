// A sorted set: members (one-byte strings) with a double score each, ordered by score and then by
// member bytes, as in Redis.
//
// It is held in one of two forms, as Redis holds a sorted set in one of two encodings:
//   - compact (zset/list-store.ts): two arrays in order, while Redis would keep a listpack (at most
//     zset-max-listpack-entries = 128 members, none longer than zset-max-listpack-value = 64
//     bytes). A few hundred bytes per set; lookups scan the members, as a listpack's do.
//   - tree (zset/tree-store.ts): a member → handle Map, scores in a Float64Array, and a B+tree of
//     handles with subtree counts, for O(1) scores and O(log n) ranks, bounds and updates.
// A set starts compact and turns into a tree for good, as Redis converts it: when an insert would
// take it past 128 members or brings a longer member. The form also decides the two places where
// Redis's replies depend on the encoding: a listpack keeps scores as text, where -0 becomes 0, and
// ZSCAN returns a listpack whole with cursor 0 (scan.ts).

import { ValueKind } from '../../src/shared/value-types.js';
import { CollectionValue } from './value.js';
import { ListStore } from './zset/list-store.js';
import { type MemberVisitor, nextEpoch, TreeStore } from './zset/tree-store.js';

export type { MemberVisitor } from './zset/tree-store.js';

/** Redis's zset-max-listpack-entries default: a compact set holds at most this many members. */
export const COMPACT_MEMBERS_MAX = 128;
/** Redis's zset-max-listpack-value default: a compact set's members are at most this long. */
export const COMPACT_MEMBER_BYTES_MAX = 64;
/** ZSCAN cursors carry the tree's handle epoch above this many bits of handle. */
export const CURSOR_POSITION_BITS = 32;

export class ZSetValue extends CollectionValue {
  readonly kind = ValueKind.ZSet;
  private store: ListStore | TreeStore = new ListStore();

  /** Whether the set is compact (Redis would hold it as a listpack). */
  get compact(): boolean {
    return this.store instanceof ListStore;
  }

  get size(): number {
    return this.store.size;
  }

  score(member: string): number | undefined {
    return this.store.score(member);
  }

  has(member: string): boolean {
    return this.store.score(member) !== undefined;
  }

  /** Whether a compact set may hold `size` members after adding `member` (Redis's listpack). */
  static fitsCompact(size: number, member: string): boolean {
    return size <= COMPACT_MEMBERS_MAX && member.length <= COMPACT_MEMBER_BYTES_MAX;
  }

  /**
   * Sets `member`'s score (not NaN), adding the member when it is new; an existing member moves to
   * its new place. A compact set turns into a tree first if the new member would not fit a
   * listpack, and keeps -0 as 0 as a listpack would.
   */
  set(member: string, score: number): void {
    let store = this.store;
    if (store instanceof ListStore) {
      if (!ZSetValue.fitsCompact(store.size + 1, member) && store.score(member) === undefined) {
        store = TreeStore.fromSorted(store.members, store.scores);
        this.store = store;
      } else if (score === 0) {
        score = 0;
      }
    }
    store.set(member, score);
    this.tracker?.member(member);
  }

  /** Removes `member`; returns whether it was there. */
  remove(member: string): boolean {
    if (!this.store.remove(member)) return false;
    this.tracker?.member(member);
    return true;
  }

  /** The rank (0-based, by ascending score) of `member`, or -1 when it is not a member. */
  rank(member: string): number {
    return this.store.rank(member);
  }

  /**
   * Members before (score, member) in the set's order, whether or not that member is in the set
   * with that score: where a walk resumes after it (a migration in pieces).
   */
  countBefore(score: number, member: string): number {
    return this.store.countBefore(score, member);
  }

  /** Members with a score below `score` (with `inclusive`, at most `score`). */
  countByScore(score: number, inclusive: boolean): number {
    return this.store.countByScore(score, inclusive);
  }

  /** Members sorting below `member` by name (with `inclusive`, up to it); for equal scores. */
  countByMember(member: string, inclusive: boolean): number {
    return this.store.countByMember(member, inclusive);
  }

  /** The member at `rank` (0 <= rank < size). */
  memberAt(rank: number): string {
    return this.store.memberAt(rank);
  }

  /** The score at `rank` (0 <= rank < size). */
  scoreAt(rank: number): number {
    return this.store.scoreAt(rank);
  }

  /**
   * Visits `count` members from rank `from`: upwards, or with `reverse` downwards (`from` is then
   * the highest rank visited). The range must lie within the set; `visit` must not change it.
   */
  walk(from: number, count: number, reverse: boolean, visit: MemberVisitor): void {
    this.store.walk(from, count, reverse, visit);
  }

  /** The tree's handle epoch (ZSCAN cursors); 0 for a compact set. */
  get epoch(): number {
    return this.store instanceof TreeStore ? this.store.epoch : 0;
  }

  /** Handles a ZSCAN of a tree walks; 0 for a compact set (ZSCAN returns it whole). */
  get handleCount(): number {
    return this.store instanceof TreeStore ? this.store.handleCount : 0;
  }

  /** One ZSCAN step over a tree's handles (see TreeStore.scanHandles); compact: nothing. */
  scanHandles(from: number, count: number, slotsMax: number, visit: MemberVisitor): number {
    return this.store instanceof TreeStore
      ? this.store.scanHandles(from, count, slotsMax, visit)
      : 0;
  }

  clone(): ZSetValue {
    const members: string[] = [];
    const scores: number[] = [];
    this.walk(0, this.size, false, (member, score) => {
      members.push(member);
      scores.push(score);
    });
    // The copy numbers its handles anew: a ZSCAN cursor of this set starts over on it.
    return ZSetValue.fromSorted(members, scores, this.compact, nextEpoch(this.epoch));
  }

  /**
   * A set of `members` (distinct, in order of (score, member)) with `scores`, built at once; it
   * takes `members` over. A compact set keeps -0 as 0, as a listpack would. A tree numbers its
   * handles in rank order in `epoch` (see TreeStore.epoch).
   */
  static fromSorted(
    members: string[],
    scores: ArrayLike<number>,
    compact: boolean,
    epoch = 0,
  ): ZSetValue {
    const value = new ZSetValue();
    if (!compact) {
      value.store = TreeStore.fromSorted(members, scores, epoch);
      return value;
    }
    const store = value.store as ListStore;
    for (let i = 0; i < members.length; i++) {
      store.members.push(members[i]!);
      store.scores.push(scores[i] === 0 ? 0 : scores[i]!);
    }
    return value;
  }
}
