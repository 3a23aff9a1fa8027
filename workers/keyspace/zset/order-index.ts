// The order of a sorted set: a B+tree (nodes.ts) over member handles, ordered by score and then by
// member bytes, as Redis orders a sorted set. It answers by rank and by score or lex bound in
// O(log n), inserts and removes in O(log n), and walks a range leaf by leaf.
//
// The tree does not know members' names, only their handles: `memberOf` (the set's handle table,
// tree-store.ts) names them when two scores tie. Every operation descends from the root and keeps
// its path in the module's scratch arrays (a shard runs one command at a time), so none allocates
// unless a node splits.
//
//   insert(h, s, m): descend by (s, m), counting +1 on the way; put h in the leaf; split what
//                    overflows, bottom up (a split root grows the tree by a level).
//   remove(s, m):    descend by (s, m), counting -1; take h out of the leaf; a node left under a
//                    quarter full merges with a sibling or borrows from it, bottom up.

import { InvariantError } from '../../../src/errors.js';
import { Branch, LEAF_CAPACITY, Leaf, type Node } from './nodes.js';
import { rebalanceBranch, rebalanceLeaf, splitBranch, splitLeaf } from './rebalance.js';

/** Deeper than any tree can grow: every branch but the root has at least 16 children. */
const DEPTH_MAX = 32;

/** The path of the last descent: the branch at each depth and the child taken there. */
const pathBranches: Branch[] = [];
const pathIndexes = new Int32Array(DEPTH_MAX);

/** Where a position is: a leaf and an index in it. One is reused for every walk. */
export interface Position {
  leaf: Leaf;
  index: number;
}

export class OrderIndex {
  root: Node = new Leaf();
  /** The first and last leaves, for walks from either end. */
  first: Leaf;
  last: Leaf;
  size = 0;
  /** Names of handles (the set's handle table; replaced when the table is compacted). */
  memberOf: (string | undefined)[];

  constructor(memberOf: (string | undefined)[]) {
    this.memberOf = memberOf;
    this.first = this.root as Leaf;
    this.last = this.first;
  }

  /** Whether the key at leaf[index] is before (score, member). */
  private before(leaf: Leaf, index: number, score: number, member: string): boolean {
    const s = leaf.scores[index]!;
    return s < score || (s === score && this.memberOf[leaf.ids[index]!]! < member);
  }

  /** First index of `leaf` whose key is not before (score, member). */
  private lowerBound(leaf: Leaf, score: number, member: string): number {
    let low = 0;
    let high = leaf.count;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if (this.before(leaf, mid, score, member)) low = mid + 1;
      else high = mid;
    }
    return low;
  }

  /** The child of `branch` that holds (score, member): the last whose separator is not after it. */
  private childFor(branch: Branch, score: number, member: string): number {
    let low = 1;
    let high = branch.count;
    while (low < high) {
      const mid = (low + high) >>> 1;
      const s = branch.lowScores[mid]!;
      if (s < score || (s === score && branch.lowMembers[mid]! <= member)) low = mid + 1;
      else high = mid;
    }
    return low - 1;
  }

  /** Descends to the leaf of (score, member), adding `delta` to the sizes on the path. */
  private descend(score: number, member: string, delta: number): number {
    let node = this.root;
    let depth = 0;
    while (node instanceof Branch) {
      const i = this.childFor(node, score, member);
      node.sizes[i]! += delta;
      pathBranches[depth] = node;
      pathIndexes[depth] = i;
      depth++;
      node = node.children[i]!;
    }
    return depth;
  }

  /** The leaf the last descent reached. */
  private leafAt(depth: number): Leaf {
    if (depth === 0) return this.root as Leaf;
    return pathBranches[depth - 1]!.children[pathIndexes[depth - 1]!] as Leaf;
  }

  insert(id: number, score: number, member: string): void {
    const depth = this.descend(score, member, 1);
    const leaf = this.leafAt(depth);
    const at = this.lowerBound(leaf, score, member);
    leaf.insertAt(at, id, score);
    this.size++;
    if (leaf.count <= LEAF_CAPACITY) return;
    const appended = leaf === this.last && at === LEAF_CAPACITY;
    this.split(leaf, depth, appended ? LEAF_CAPACITY : leaf.count >>> 1);
  }

  /** Splits an overfull leaf at `from`, then each overfull branch above it. */
  private split(leaf: Leaf, depth: number, from: number): void {
    let right: Node = splitLeaf(leaf, from);
    if (leaf === this.last) this.last = right;
    let left: Node = leaf;
    for (let d = depth - 1; ; d--) {
      const rightSize = right instanceof Leaf ? right.count : right.total();
      const lowScore = right instanceof Leaf ? right.scores[0]! : right.lowScores[0]!;
      const lowMember =
        right instanceof Leaf ? this.memberOf[right.ids[0]!]! : right.lowMembers[0]!;
      if (d < 0) {
        this.growRoot(left, right, rightSize, lowScore, lowMember);
        return;
      }
      const parent = pathBranches[d]!;
      const i = pathIndexes[d]!;
      parent.sizes[i]! -= rightSize;
      parent.insertChild(i + 1, right, rightSize, lowScore, lowMember);
      if (parent.count <= parent.sizes.length - 1) return;
      left = parent;
      right = splitBranch(parent);
    }
  }

  private growRoot(left: Node, right: Node, rightSize: number, score: number, member: string) {
    const root = new Branch();
    const leftSize = left instanceof Leaf ? left.count : left.total();
    root.insertChild(0, left, leftSize, 0, '');
    root.insertChild(1, right, rightSize, score, member);
    this.root = root;
  }

  /** Removes (score, member), which must be present; returns its handle. */
  remove(score: number, member: string): number {
    const depth = this.descend(score, member, -1);
    const leaf = this.leafAt(depth);
    const at = this.lowerBound(leaf, score, member);
    const id = leaf.ids[at]!;
    if (at >= leaf.count || leaf.scores[at] !== score || this.memberOf[id] !== member) {
      throw new InvariantError('sorted set order index: removing a member it does not hold');
    }
    leaf.removeAt(at);
    this.size--;
    if (depth > 0) this.rebalance(depth);
    return id;
  }

  /** Restores minimum fill from the leaf of the last descent upwards. */
  private rebalance(depth: number): void {
    let d = depth - 1;
    if (!rebalanceLeaf(pathBranches[d]!, pathIndexes[d]!, this.memberOf, this)) return;
    for (d--; d >= 0; d--) {
      if (!rebalanceBranch(pathBranches[d]!, pathIndexes[d]!)) return;
    }
    const root = this.root as Branch;
    if (root.count === 1) this.root = root.children[0]!;
  }

  /** Called by the rebalancing when `leaf` leaves the tree (merged into its left sibling). */
  unlinked(leaf: Leaf): void {
    if (leaf === this.last) this.last = leaf.prev!;
    if (leaf === this.first) this.first = leaf.next!;
  }

  /** The rank (0-based) of (score, member), which must be present. */
  rank(score: number, member: string): number {
    let node = this.root;
    let rank = 0;
    while (node instanceof Branch) {
      const i = this.childFor(node, score, member);
      for (let k = 0; k < i; k++) rank += node.sizes[k]!;
      node = node.children[i]!;
    }
    return rank + this.lowerBound(node, score, member);
  }

  /**
   * How many members have a score below `score` (with `inclusive`, at most `score`): the rank of
   * the first member past that bound.
   */
  countByScore(score: number, inclusive: boolean): number {
    let node = this.root;
    let rank = 0;
    while (node instanceof Branch) {
      let low = 1;
      let high = node.count;
      while (low < high) {
        const mid = (low + high) >>> 1;
        const s = node.lowScores[mid]!;
        if (s < score || (inclusive && s === score)) low = mid + 1;
        else high = mid;
      }
      for (let k = 0; k < low - 1; k++) rank += node.sizes[k]!;
      node = node.children[low - 1]!;
    }
    let low = 0;
    let high = node.count;
    while (low < high) {
      const mid = (low + high) >>> 1;
      const s = node.scores[mid]!;
      if (s < score || (inclusive && s === score)) low = mid + 1;
      else high = mid;
    }
    return rank + low;
  }

  /**
   * How many members sort below `member` by name alone (with `inclusive`, at most `member`). Only
   * meaningful when every score is equal, as Redis's lex ranges are.
   */
  countByMember(member: string, inclusive: boolean): number {
    let node = this.root;
    let rank = 0;
    while (node instanceof Branch) {
      let low = 1;
      let high = node.count;
      while (low < high) {
        const mid = (low + high) >>> 1;
        const m = node.lowMembers[mid]!;
        if (m < member || (inclusive && m === member)) low = mid + 1;
        else high = mid;
      }
      for (let k = 0; k < low - 1; k++) rank += node.sizes[k]!;
      node = node.children[low - 1]!;
    }
    let low = 0;
    let high = node.count;
    while (low < high) {
      const mid = (low + high) >>> 1;
      const m = this.memberOf[node.ids[mid]!]!;
      if (m < member || (inclusive && m === member)) low = mid + 1;
      else high = mid;
    }
    return rank + low;
  }

  /** Points `position` at rank `rank` (0 <= rank < size). */
  seek(rank: number, position: Position): void {
    let node = this.root;
    while (node instanceof Branch) {
      let i = 0;
      while (rank >= node.sizes[i]!) rank -= node.sizes[i++]!;
      node = node.children[i]!;
    }
    position.leaf = node;
    position.index = rank;
  }
}
