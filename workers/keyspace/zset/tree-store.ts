// A sorted set held in a tree (Redis's skiplist encoding: more than 128 members, or one longer
// than 64 bytes), with no object per member:
//   - handles: Map member → handle, a small integer naming the member's slot in two arrays,
//     memberOf (handle → member) and scoreOf (handle → score, a Float64Array). A score lookup is
//     one Map lookup and one array read. Freed handles form a list threaded through scoreOf and
//     are reused; when fewer than a quarter of the handles are in use the table is renumbered.
//   - order: a B+tree of handles by (score, member) with subtree counts (order-index.ts), for
//     ranks, score and lex bounds in O(log n) and range walks in O(log n + m).
// A member keeps its handle for as long as it stays in the set, whatever happens to its score,
// which is what ZSCAN's cursor walks (workers/commands/zsets/scan.ts).

import { loadSorted } from './bulk-load.js';
import type { Leaf } from './nodes.js';
import { OrderIndex, type Position } from './order-index.js';

/** Handle slots a new table starts with. */
const HANDLES_INITIAL = 4;
/** The handle table is renumbered when it has this many slots and under a quarter in use. */
const HANDLES_COMPACTION_MIN = 64;
/** Epochs wrap here, so that a ZSCAN cursor (epoch above 32 bits of handle) stays below 2^53. */
export const EPOCH_LIMIT = 2 ** 20;

/** The epoch after `epoch`: a numbering of handles that a cursor of `epoch` must not resume. */
export const nextEpoch = (epoch: number): number => (epoch + 1) % EPOCH_LIMIT;

/** A position walks reuse (the shard runs one command at a time). */
const walker: Position = { leaf: undefined!, index: 0 };

export type MemberVisitor = (member: string, score: number) => void;

export class TreeStore {
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

  /** Sets `member`'s score, adding the member when it is new or moving it. */
  set(member: string, score: number): void {
    const handle = this.handles.get(member);
    if (handle === undefined) {
      this.order.insert(this.allocate(member, score), score, member);
    } else {
      this.order.remove(this.scoreOf[handle]!, member);
      this.scoreOf[handle] = score;
      this.order.insert(handle, score, member);
    }
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
    this.epoch = nextEpoch(this.epoch);
  }

  /** The rank of `member`, or -1 when it is not a member. */
  rank(member: string): number {
    const handle = this.handles.get(member);
    return handle === undefined ? -1 : this.order.rank(this.scoreOf[handle]!, member);
  }

  /** Members before (score, member) in the set's order, whether or not it is a member. */
  countBefore(score: number, member: string): number {
    return this.order.rank(score, member);
  }

  countByScore(score: number, inclusive: boolean): number {
    return this.order.countByScore(score, inclusive);
  }

  countByMember(member: string, inclusive: boolean): number {
    return this.order.countByMember(member, inclusive);
  }

  memberAt(rank: number): string {
    this.order.seek(rank, walker);
    return this.memberOf[walker.leaf.ids[walker.index]!]!;
  }

  scoreAt(rank: number): number {
    this.order.seek(rank, walker);
    return walker.leaf.scores[walker.index]!;
  }

  /** Visits `count` members from rank `from`, upwards or (`reverse`) downwards. */
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
   * Visits the members held in handles from `from` on, stopping after `count` members or
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

  /**
   * A store of `members` (distinct, in order of (score, member)) with `scores`, built at once, its
   * handles numbered in that order in `epoch`.
   */
  static fromSorted(members: string[], scores: ArrayLike<number>, epoch = 0): TreeStore {
    const store = new TreeStore();
    store.epoch = epoch;
    const count = members.length;
    store.memberOf = members;
    store.order.memberOf = members;
    store.scoreOf = new Float64Array(count + HANDLES_INITIAL);
    for (let i = 0; i < count; i++) {
      store.scoreOf[i] = scores[i]!;
      store.handles.set(members[i]!, i);
    }
    loadSorted(store.order, store.scoreOf, count);
    return store;
  }
}
