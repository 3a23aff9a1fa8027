// Deadlines of keys with a TTL, grouped by time granule, so that active expiry finds the keys that
// are due without scanning the keyspace: it visits granules in time order and stops at the first
// one that is not over yet.
//
// Each key with a TTL sits in exactly one granule (the one its deadline falls in); changing or
// removing a TTL moves or removes it, so the wheel never holds stale entries. Granules that are due
// are found through a min-heap of granule numbers; a granule emptied by TTL changes leaves its
// number in the heap, and that number is dropped when it reaches the top.

/**
 * Width of a granule in ms. Active expiry reclaims keys at most this late (lazy expiry is exact).
 */
export const EXPIRY_GRANULE_MS = 100;

export class ExpiryWheel {
  /** granule → (key → slot) */
  private readonly granules = new Map<number, Map<string, number>>();
  private readonly heap: number[] = [];
  private entries = 0;

  get size(): number {
    return this.entries;
  }

  /** Files `key` (of `slot`) under deadline `at`. The key must not be filed already. */
  add(key: string, slot: number, at: number): void {
    const granule = Math.floor(at / EXPIRY_GRANULE_MS);
    let keys = this.granules.get(granule);
    if (keys === undefined) {
      keys = new Map();
      this.granules.set(granule, keys);
      this.heapPush(granule);
    }
    keys.set(key, slot);
    this.entries++;
  }

  /** Unfiles `key` whose deadline was `at`. */
  remove(key: string, at: number): void {
    const granule = Math.floor(at / EXPIRY_GRANULE_MS);
    const keys = this.granules.get(granule);
    if (keys?.delete(key)) {
      this.entries--;
      if (keys.size === 0) this.granules.delete(granule);
    }
  }

  clear(): void {
    this.granules.clear();
    this.heap.length = 0;
    this.entries = 0;
  }

  /**
   * Calls `expire(key, slot)` for keys whose granule ended at or before `now`, at most `limit`
   * keys. The callback must remove the key from the wheel (through remove()). Returns the number
   * of keys handed out; less than `limit` means nothing else is due.
   */
  drainDue(now: number, limit: number, expire: (key: string, slot: number) => void): number {
    let handed = 0;
    const dueBefore = Math.floor(now / EXPIRY_GRANULE_MS);
    while (handed < limit && this.heap.length > 0) {
      const granule = this.heap[0]!;
      if (granule >= dueBefore) break;
      const keys = this.granules.get(granule);
      if (keys === undefined) {
        this.heapPop();
        continue;
      }
      for (const [key, slot] of keys) {
        expire(key, slot);
        if (++handed >= limit) break;
      }
      if (!this.granules.has(granule)) this.heapPop();
    }
    return handed;
  }

  private heapPush(value: number): void {
    const heap = this.heap;
    let i = heap.length;
    heap.push(value);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (heap[parent]! <= value) break;
      heap[i] = heap[parent]!;
      i = parent;
    }
    heap[i] = value;
  }

  private heapPop(): void {
    const heap = this.heap;
    const last = heap.pop()!;
    if (heap.length === 0) return;
    let i = 0;
    const n = heap.length;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= n) break;
      const right = left + 1;
      const child = right < n && heap[right]! < heap[left]! ? right : left;
      if (heap[child]! >= last) break;
      heap[i] = heap[child]!;
      i = child;
    }
    heap[i] = last;
  }
}
