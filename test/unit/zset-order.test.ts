// The sorted set's storage against a plain model: a sorted array of [score, member]. Seeded random
// adds, re-scores and removals (10,000+ of them, on sets that grow past several tree levels and
// shrink back), with every answer compared and the B+tree's invariants checked as it goes.

import { describe, expect, it } from 'vitest';
import {
  BRANCH_MIN,
  Branch,
  LEAF_CAPACITY,
  LEAF_MIN,
  Leaf,
  type Node,
} from '../../workers/keyspace/zset/nodes.js';
import type { OrderIndex } from '../../workers/keyspace/zset/order-index.js';
import { ZSetValue } from '../../workers/keyspace/zset-value.js';
import { fuzzSeed, Random } from '../support/random.js';

type Entry = [number, string];

function compare(a: Entry, b: Entry): number {
  if (a[0] !== b[0]) return a[0] < b[0] ? -1 : 1;
  return a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0;
}

/** The model: entries kept sorted by binary search, and each member's score. */
class Model {
  entries: Entry[] = [];
  scores = new Map<string, number>();
  private indexOf(key: Entry): number {
    let low = 0;
    let high = this.entries.length;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if (compare(this.entries[mid]!, key) < 0) low = mid + 1;
      else high = mid;
    }
    return low;
  }
  set(member: string, score: number): void {
    this.remove(member);
    this.entries.splice(this.indexOf([score, member]), 0, [score, member]);
    this.scores.set(member, score);
  }
  remove(member: string): boolean {
    const score = this.scores.get(member);
    if (score === undefined) return false;
    this.entries.splice(this.indexOf([score, member]), 1);
    this.scores.delete(member);
    return true;
  }
}

function fail(text: string): never {
  throw new Error(`order index: ${text}`);
}

/** The order index of a set held in a tree (the set must not be compact). */
function orderOf(value: ZSetValue): OrderIndex {
  expect(value.compact).toBe(false);
  return (value as unknown as { store: { order: OrderIndex } }).store.order;
}

/** Checks sizes, separators, leaf links and fill; returns the keys in tree order. */
function checkTree(order: OrderIndex): Entry[] {
  const keys: Entry[] = [];
  const leaves: Leaf[] = [];
  const visit = (node: Node, low: Entry | undefined, high: Entry | undefined, root: boolean) => {
    if (node instanceof Leaf) {
      if (!root && node !== order.last && node.count < LEAF_MIN) fail('leaf under a quarter');
      if (node.count > LEAF_CAPACITY) fail('leaf over capacity');
      leaves.push(node);
      for (let i = 0; i < node.count; i++) {
        const key: Entry = [node.scores[i]!, order.memberOf[node.ids[i]!]!];
        if (low && compare(low, key) > 0) fail('key below its separator');
        if (high && compare(key, high) >= 0) fail('key not below the next separator');
        keys.push(key);
      }
      return node.count;
    }
    if (node.count < (root ? 2 : BRANCH_MIN)) fail('branch under its minimum');
    if (node.children.length !== node.count) fail('branch children count');
    let total = 0;
    for (let i = 0; i < node.count; i++) {
      const childLow: Entry | undefined = i === 0 ? low : [node.lowScores[i]!, node.lowMembers[i]!];
      const childHigh: Entry | undefined =
        i + 1 < node.count ? [node.lowScores[i + 1]!, node.lowMembers[i + 1]!] : high;
      const size = visit(node.children[i]!, childLow, childHigh, false);
      if (node.sizes[i] !== size) fail('subtree size');
      total += size;
    }
    return total;
  };
  if (visit(order.root, undefined, undefined, true) !== order.size) fail('size');
  if (order.first !== leaves[0] || order.last !== leaves[leaves.length - 1]) fail('first/last');
  for (let i = 0; i < leaves.length; i++) {
    if (leaves[i]!.prev !== (i === 0 ? null : leaves[i - 1])) fail('prev link');
    if (leaves[i]!.next !== (i + 1 === leaves.length ? null : leaves[i + 1])) fail('next link');
  }
  return keys;
}

/** The tree's depth (0: the root is a leaf). */
function depthOf(order: OrderIndex): number {
  let depth = 0;
  for (let node = order.root; node instanceof Branch; node = node.children[0]!) depth++;
  return depth;
}

function walked(value: ZSetValue, from: number, count: number, reverse: boolean): Entry[] {
  const out: Entry[] = [];
  value.walk(from, count, reverse, (member, score) => out.push([score, member]));
  return out;
}

function checkAgainst(value: ZSetValue, model: Model, r: Random, where: string): void {
  const entries = model.entries;
  expect(value.size, where).toBe(entries.length);
  const keys = value.compact ? walked(value, 0, value.size, false) : checkTree(orderOf(value));
  for (let i = 0; i < entries.length; i++) {
    if (compare(keys[i]!, entries[i]!) !== 0) fail(`${where}: rank ${i} differs`);
  }
  if (entries.length === 0) return;
  const below = (bound: number, inclusive: boolean) => {
    let n = 0;
    for (const e of entries) if (e[0] < bound || (inclusive && e[0] === bound)) n++;
    return n;
  };
  for (let k = 0; k < 5; k++) {
    const rank = r.int(entries.length);
    const [score, member] = entries[rank]!;
    expect(value.rank(member), where).toBe(rank);
    expect(value.score(member), where).toBe(score);
    expect(value.memberAt(rank), where).toBe(member);
    expect(value.scoreAt(rank), where).toBe(score);
    const bound = r.chance(0.5) ? score : r.between(-60, 60) / 2;
    expect(value.countByScore(bound, false), where).toBe(below(bound, false));
    expect(value.countByScore(bound, true), where).toBe(below(bound, true));
    const count = r.between(1, Math.min(200, entries.length - rank));
    expect(walked(value, rank, count, false), where).toEqual(entries.slice(rank, rank + count));
    const down = r.between(1, Math.min(200, rank + 1));
    expect(walked(value, rank, down, true), where).toEqual(
      entries.slice(rank - down + 1, rank + 1).reverse(),
    );
  }
}

describe('sorted set storage against a sorted-array model', () => {
  it('10,000+ random adds, re-scores and removals keep order, ranks and the tree sound', () => {
    const seed = fuzzSeed();
    const r = new Random(seed);
    const value = new ZSetValue();
    const model = new Model();
    const universe = 20_000;
    let steps = 0;
    let deepest = 0;
    // Phases: grow past 8,000 members (two branch levels), churn, shrink to nothing.
    for (const [ops, addBias] of [
      [12_000, 0.9],
      [3000, 0.5],
      [14_000, 0.05],
    ] as const) {
      for (let op = 0; op < ops; op++, steps++) {
        const member = `m${r.int(universe)}`;
        const where = `seed ${seed} step ${steps}`;
        if (r.chance(addBias)) {
          // Few distinct scores, so that ties (ordered by member) are common.
          const score = r.chance(0.1) ? r.pick([-Infinity, Infinity, -0]) : r.between(-30, 30) / 2;
          value.set(member, score);
          model.set(member, value.score(member)!);
        } else {
          expect(value.remove(member), where).toBe(model.remove(member));
        }
        if (op % 997 === 0 || (value.size < 150 && op % 11 === 0)) {
          checkAgainst(value, model, r, where);
        }
        if (!value.compact) deepest = Math.max(deepest, depthOf(orderOf(value)));
      }
    }
    checkAgainst(value, model, r, `seed ${seed} end`);
    expect(steps).toBeGreaterThanOrEqual(10_000);
    expect(deepest).toBe(2);
  });

  it('small sets: random changes in the compact form, then the switch to a tree', () => {
    const seed = fuzzSeed();
    const r = new Random(seed);
    for (let round = 0; round < 12; round++) {
      const value = new ZSetValue();
      const model = new Model();
      let outgrown = false;
      for (let op = 0; op < 400; op++) {
        const where = `seed ${seed} round ${round} op ${op}`;
        const member = r.chance(0.002) ? 'x'.repeat(65) : `m${r.int(round < 6 ? 100 : 140)}`;
        if (r.chance(0.7)) {
          value.set(member, r.chance(0.1) ? r.pick([-0, Infinity]) : r.between(-8, 8) / 2);
          model.set(member, value.score(member)!);
          if (model.entries.length > 128 || member.length > 64) outgrown = true;
        } else {
          expect(value.remove(member), where).toBe(model.remove(member));
        }
        if (op % 10 === 0) checkAgainst(value, model, r, where);
      }
      // Compact until it first outgrew a listpack, a tree from then on, as Redis converts.
      expect(value.compact).toBe(!outgrown);
    }
  });

  it('members added in order fill their leaves', () => {
    const value = new ZSetValue();
    for (let i = 0; i < 10_000; i++) value.set(`m${i}`, i);
    const order = orderOf(value);
    let leaves = 0;
    for (let leaf: Leaf | null = order.first; leaf !== null; leaf = leaf.next) leaves++;
    expect(leaves).toBe(Math.ceil(10_000 / LEAF_CAPACITY));
    expect(order.root).toBeInstanceOf(Branch);
  });

  it('fromSorted and clone build the same set', () => {
    const value = new ZSetValue();
    const model = new Model();
    const r = new Random(7);
    for (let i = 0; i < 12_000; i++) {
      const member = `k${r.int(9000)}`;
      value.set(member, r.int(100));
      model.set(member, value.score(member)!);
    }
    const copy = value.clone();
    expect(copy.compact).toBe(false);
    checkAgainst(copy, model, r, 'clone');
    copy.remove(model.entries[0]![1]);
    expect(value.size).toBe(model.entries.length);
  });

  it('counts by member name when every score is equal (lex ranges)', () => {
    const r = new Random(11);
    const value = new ZSetValue();
    const names = new Set<string>();
    for (let i = 0; i < 5000; i++) {
      const name = String.fromCharCode(
        ...Array.from({ length: r.between(0, 4) }, () => r.int(256)),
      );
      value.set(name, 0);
      names.add(name);
    }
    const sorted = [...names].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    for (let k = 0; k < 300; k++) {
      const probe = r.chance(0.5) ? r.pick(sorted) : String.fromCharCode(r.int(256), r.int(256));
      expect(value.countByMember(probe, false)).toBe(sorted.filter((m) => m < probe).length);
      expect(value.countByMember(probe, true)).toBe(sorted.filter((m) => m <= probe).length);
    }
  });
});
