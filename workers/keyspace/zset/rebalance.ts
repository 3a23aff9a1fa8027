// Keeping the order index's nodes between a quarter full and full: splitting what overflows after
// an insert, and merging or sharing what underflows after a removal. Every node but the root holds
// at least a quarter of its capacity, so a tree of n members has at most 4n / LEAF_CAPACITY leaves
// and its depth stays logarithmic.

import { BRANCH_CAPACITY, BRANCH_MIN, Branch, LEAF_CAPACITY, LEAF_MIN, Leaf } from './nodes.js';

/** What a merge must tell the tree: a leaf left the chain of leaves. */
interface LeafChain {
  unlinked(leaf: Leaf): void;
}

/**
 * Splits an overfull leaf: the entries from `from` on go to a new leaf, linked after it and
 * returned. Halves in general; a leaf that grew at its end only moves its last entry, so that
 * members added in order fill leaves instead of leaving each half empty.
 */
export function splitLeaf(leaf: Leaf, from: number): Leaf {
  const right = new Leaf(leaf.count - from);
  leaf.moveTailTo(from, right);
  right.next = leaf.next;
  right.prev = leaf;
  if (leaf.next !== null) leaf.next.prev = right;
  leaf.next = right;
  return right;
}

/**
 * Splits an overfull branch in two halves; returns the right half, whose separator (the one of
 * its first child) is kept at its index 0 for the parent to take.
 */
export function splitBranch(branch: Branch): Branch {
  const right = new Branch();
  const from = branch.count >>> 1;
  right.lowScores[0] = branch.lowScores[from]!;
  right.lowMembers[0] = branch.lowMembers[from]!;
  branch.moveTailTo(from, right, branch.lowScores[from]!, branch.lowMembers[from]!);
  return right;
}

/**
 * Restores the fill of leaf `parent.children[i]` after a removal: merges it with a sibling when
 * both fit in one leaf, or else takes members from the sibling until both hold about as many.
 * Returns whether `parent` lost a child (and may now underflow itself).
 */
export function rebalanceLeaf(
  parent: Branch,
  i: number,
  memberOf: readonly (string | undefined)[],
  chain: LeafChain,
): boolean {
  const leaf = parent.children[i] as Leaf;
  if (leaf.count >= LEAF_MIN || parent.count < 2) return false;
  const l = i > 0 ? i - 1 : i;
  const left = parent.children[l] as Leaf;
  const right = parent.children[l + 1] as Leaf;
  if (left.count + right.count <= LEAF_CAPACITY) {
    right.moveTailTo(0, left);
    left.next = right.next;
    if (right.next !== null) right.next.prev = left;
    chain.unlinked(right);
    parent.sizes[l]! += parent.sizes[l + 1]!;
    parent.removeChild(l + 1);
    return true;
  }
  const half = (left.count + right.count) >>> 1;
  if (left.count < half) right.moveHeadTo(half - left.count, left);
  else left.moveEndToFront(left.count - half, right);
  parent.sizes[l] = left.count;
  parent.sizes[l + 1] = right.count;
  parent.lowScores[l + 1] = right.scores[0]!;
  parent.lowMembers[l + 1] = memberOf[right.ids[0]!]!;
  return false;
}

/**
 * Restores the fill of branch `parent.children[i]`: merges it with a sibling when both fit in one
 * branch, or else moves children over from the sibling. Returns whether `parent` lost a child.
 */
export function rebalanceBranch(parent: Branch, i: number): boolean {
  const branch = parent.children[i] as Branch;
  if (branch.count >= BRANCH_MIN || parent.count < 2) return false;
  const l = i > 0 ? i - 1 : i;
  const left = parent.children[l] as Branch;
  const right = parent.children[l + 1] as Branch;
  const separatorScore = parent.lowScores[l + 1]!;
  const separatorMember = parent.lowMembers[l + 1]!;
  if (left.count + right.count <= BRANCH_CAPACITY) {
    right.moveTailTo(0, left, separatorScore, separatorMember);
    parent.sizes[l]! += parent.sizes[l + 1]!;
    parent.removeChild(l + 1);
    return true;
  }
  const half = (left.count + right.count) >>> 1;
  if (left.count < half) shiftLeft(left, right, half - left.count, parent, l);
  else shiftRight(left, right, left.count - half, parent, l);
  return false;
}

/** Moves the first `moved` children of `right` to the end of `left` (siblings l, l+1). */
function shiftLeft(left: Branch, right: Branch, moved: number, parent: Branch, l: number): void {
  let size = 0;
  for (let k = 0; k < moved; k++) {
    // The first child moved takes the separator that stood between the two branches; the next
    // ones their own, which removeChild(0) shifted to index 0.
    const score = k === 0 ? parent.lowScores[l + 1]! : right.lowScores[0]!;
    const member = k === 0 ? parent.lowMembers[l + 1]! : right.lowMembers[0]!;
    size += right.sizes[0]!;
    left.insertChild(left.count, right.children[0]!, right.sizes[0]!, score, member);
    if (k === moved - 1) {
      parent.lowScores[l + 1] = right.lowScores[1]!;
      parent.lowMembers[l + 1] = right.lowMembers[1]!;
    }
    right.removeChild(0);
  }
  parent.sizes[l]! += size;
  parent.sizes[l + 1]! -= size;
}

/** Moves the last `moved` children of `left` to the front of `right` (siblings l, l+1). */
function shiftRight(left: Branch, right: Branch, moved: number, parent: Branch, l: number): void {
  let size = 0;
  for (let k = 0; k < moved; k++) {
    const last = left.count - 1;
    // right's first child gets the separator that stood between the two branches...
    right.lowScores[0] = parent.lowScores[l + 1]!;
    right.lowMembers[0] = parent.lowMembers[l + 1]!;
    // ...and the moved child's own separator now stands between them.
    parent.lowScores[l + 1] = left.lowScores[last]!;
    parent.lowMembers[l + 1] = left.lowMembers[last]!;
    size += left.sizes[last]!;
    right.insertChild(0, left.children[last]!, left.sizes[last]!, 0, '');
    left.removeChild(last);
  }
  parent.sizes[l]! -= size;
  parent.sizes[l + 1]! += size;
}
