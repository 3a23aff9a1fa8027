// Building an order index at once from handles already in order (a copy, a migrated value, the
// result of ZUNIONSTORE): full leaves, then full branches above them, in O(n) instead of n
// inserts. The last node of each level shares its elements with the one before it, so that no
// node is left under a quarter full.

import { BRANCH_CAPACITY, Branch, LEAF_CAPACITY, Leaf, type Node } from './nodes.js';
import type { OrderIndex } from './order-index.js';

/** Splits `count` items into groups of at most `capacity`, as evenly as possible. */
function groupSizes(count: number, capacity: number): number[] {
  const groups = Math.max(1, Math.ceil(count / capacity));
  const sizes: number[] = [];
  for (let g = 0; g < groups; g++) {
    sizes.push(Math.floor((count * (g + 1)) / groups) - Math.floor((count * g) / groups));
  }
  return sizes;
}

/**
 * Fills `order` (empty) with handles 0..count-1, in that order, whose scores are `scores[0..count)`
 * (the members of `order.memberOf` are already in order).
 */
export function loadSorted(order: OrderIndex, scores: Float64Array, count: number): void {
  let level: Node[] = [];
  let at = 0;
  let previous: Leaf | null = null;
  for (const size of groupSizes(count, LEAF_CAPACITY)) {
    const leaf = new Leaf(Math.max(size, 1));
    for (let k = 0; k < size; k++) leaf.ids[k] = at + k;
    leaf.scores.set(scores.subarray(at, at + size));
    leaf.count = size;
    at += size;
    leaf.prev = previous;
    if (previous !== null) previous.next = leaf;
    previous = leaf;
    level.push(leaf);
  }
  order.first = level[0] as Leaf;
  order.last = previous!;
  order.size = count;
  while (level.length > 1) level = branchesOver(level, order.memberOf);
  order.root = level[0]!;
}

/** One level of branches over `nodes`. */
function branchesOver(nodes: Node[], memberOf: readonly (string | undefined)[]): Node[] {
  const level: Node[] = [];
  let at = 0;
  for (const size of groupSizes(nodes.length, BRANCH_CAPACITY)) {
    const branch = new Branch();
    for (let k = 0; k < size; k++) {
      const child = nodes[at + k]!;
      // Index 0 keeps the child's least key too: a parent built next takes it from there.
      if (child instanceof Leaf) {
        branch.insertChild(k, child, child.count, child.scores[0]!, memberOf[child.ids[0]!]!);
      } else {
        branch.insertChild(k, child, child.total(), child.lowScores[0]!, child.lowMembers[0]!);
      }
    }
    at += size;
    level.push(branch);
  }
  return level;
}
