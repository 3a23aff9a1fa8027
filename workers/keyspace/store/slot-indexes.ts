// Per slot, an open-addressing index from a key's hash to its entry's arena address: a Uint32Array
// of buckets [hash, address] (address 0: empty), linear probing, a power of two in size, grown at
// 3/4 full and shrunk at 1/8. A removal shifts the buckets after it back, so there are no
// tombstones and a lookup never walks past more than its own run. An index per slot keeps every
// rehash to one slot's keys (a few hundred at millions of keys), and dropping a slot that moved
// away costs that slot only. Comparing keys is the store's part (entry-store.ts).

import { SLOT_COUNT } from '../../../src/shared/limits.js';

/** Buckets of a slot's index when it is created; it never shrinks below. */
const INDEX_BUCKETS_MIN = 8;

export class SlotIndexes {
  private readonly indexes: (Uint32Array | undefined)[] = new Array(SLOT_COUNT).fill(undefined);
  /** Bytes of every index. */
  bytes = 0;

  /** The index of `slot`, undefined while it holds no key. */
  of(slot: number): Uint32Array | undefined {
    return this.indexes[slot];
  }

  drop(slot: number): void {
    const index = this.indexes[slot];
    if (index !== undefined) this.bytes -= index.byteLength;
    this.indexes[slot] = undefined;
  }

  clear(): void {
    this.indexes.fill(undefined);
    this.bytes = 0;
  }

  /** Files `address` under `hash`; `count` is the slot's keys with the new one. */
  add(slot: number, count: number, hash: number, address: number): void {
    let index = this.indexes[slot];
    if (index === undefined) {
      index = this.newIndex(slot, INDEX_BUCKETS_MIN);
    } else if (count * 4 > (index.length >>> 1) * 3) {
      index = this.rehash(slot, index, index.length);
    }
    const mask = (index.length >>> 1) - 1;
    let i = hash & mask;
    while (index[i * 2 + 1] !== 0) i = (i + 1) & mask;
    index[i * 2] = hash;
    index[i * 2 + 1] = address;
  }

  /** The entry filed under `hash` at `from` moved to `to`. */
  replace(slot: number, hash: number, from: number, to: number): void {
    const index = this.indexes[slot]!;
    const mask = (index.length >>> 1) - 1;
    let i = hash & mask;
    while (index[i * 2 + 1] !== from) i = (i + 1) & mask;
    index[i * 2 + 1] = to;
  }

  /** Unfiles `address`; `count` is the slot's keys without it. */
  remove(slot: number, count: number, hash: number, address: number): void {
    let index = this.indexes[slot]!;
    if (count === 0) {
      this.bytes -= index.byteLength;
      this.indexes[slot] = undefined;
      return;
    }
    const mask = (index.length >>> 1) - 1;
    let hole = hash & mask;
    while (index[hole * 2 + 1] !== address) hole = (hole + 1) & mask;
    // Backward shift: each bucket of the run after the hole that may live in it moves into it.
    for (let j = (hole + 1) & mask; index[j * 2 + 1] !== 0; j = (j + 1) & mask) {
      const home = index[j * 2]! & mask;
      const stays = hole <= j ? hole < home && home <= j : hole < home || home <= j;
      if (stays) continue;
      index[hole * 2] = index[j * 2]!;
      index[hole * 2 + 1] = index[j * 2 + 1]!;
      hole = j;
    }
    index[hole * 2] = 0;
    index[hole * 2 + 1] = 0;
    const buckets = index.length >>> 1;
    if (buckets > INDEX_BUCKETS_MIN && count * 8 < buckets) {
      index = this.rehash(slot, index, buckets >>> 1);
    }
  }

  private newIndex(slot: number, buckets: number): Uint32Array {
    const index = new Uint32Array(buckets * 2);
    this.indexes[slot] = index;
    this.bytes += index.byteLength;
    return index;
  }

  /** Files every entry of `old` again in a new index of `buckets` buckets. */
  private rehash(slot: number, old: Uint32Array, buckets: number): Uint32Array {
    this.bytes -= old.byteLength;
    const index = this.newIndex(slot, buckets);
    const mask = buckets - 1;
    for (let b = 0; b < old.length; b += 2) {
      const address = old[b + 1]!;
      if (address === 0) continue;
      let i = old[b]! & mask;
      while (index[i * 2 + 1] !== 0) i = (i + 1) & mask;
      index[i * 2] = old[b]!;
      index[i * 2 + 1] = address;
    }
    return index;
  }
}
