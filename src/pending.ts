// Commands a client thread has sent and not yet seen replied, in parallel arrays indexed by a slot
// number taken from a free list. A request id is the slot index plus a generation, so a reply
// finds its entry in O(1) without a Map, and a reply for an entry that was already released (a
// bug) is caught instead of completing the wrong command.

import type { ErrorReply } from './errors.js';

export type Transform = (reply: any) => unknown;

/** Bits of a request id that index the table; the rest hold the entry's generation. */
const INDEX_BITS = 22;
const INDEX_MASK = (1 << INDEX_BITS) - 1;
const GENERATION_MASK = (1 << (32 - INDEX_BITS)) - 1;

/** Most commands one client thread can have in flight (the id's index bits). */
export const PENDING_CAPACITY_MAX = 1 << INDEX_BITS;
const PENDING_CAPACITY_MIN = 1024;

export const PendingFlag = {
  /** Decode bulk strings as Buffers rather than UTF-8 strings. */
  Buffers: 1,
  /** A blocking caller waits for this entry; its reply is stored, not delivered. */
  Sync: 2,
  /** The reply (or error) of a Sync entry has been stored. */
  Done: 4,
} as const;

/** A command sent as several frames (split by slot, or broadcast); complete when all replied. */
export class Aggregate {
  remaining = 0;
  readonly parts: unknown[] = [];
  /** The first error any part replied. */
  error: ErrorReply | Error | undefined;
  done = false;
  value: unknown;
  resolve: ((value: unknown) => void) | undefined;
  reject: ((error: unknown) => void) | undefined;

  constructor(
    readonly merge: (parts: unknown[]) => unknown,
    readonly transform: Transform | undefined,
  ) {}
}

export class PendingTable {
  /** Entries in use. */
  count = 0;
  capacity = 0;
  resolve: (((value: unknown) => void) | undefined)[] = [];
  reject: (((error: unknown) => void) | undefined)[] = [];
  transform: (Transform | undefined)[] = [];
  aggregate: (Aggregate | undefined)[] = [];
  /** The command's key while a profile runs (for naming slow operations), else undefined. */
  key: unknown[] = [];
  /** Sync entries: the decoded reply (or the error) once Done. */
  value: unknown[] = [];
  part = new Int32Array(0);
  /** Shard the frame went to (-1 while the client holds it back), for failing it when that shard dies. */
  shard = new Int16Array(0);
  slot = new Int32Array(0);
  flags = new Uint8Array(0);
  private generation = new Uint16Array(0);
  private free = new Int32Array(0);
  private freeTop = 0;

  constructor() {
    this.grow(PENDING_CAPACITY_MIN);
  }

  /** Takes a free entry; returns its index, or -1 when PENDING_CAPACITY_MAX are in use. */
  alloc(): number {
    if (this.freeTop === 0) {
      if (this.capacity >= PENDING_CAPACITY_MAX) return -1;
      this.grow(Math.min(this.capacity * 2, PENDING_CAPACITY_MAX));
    }
    this.count++;
    return this.free[--this.freeTop]!;
  }

  /** The request id that names entry `index` now. */
  id(index: number): number {
    return ((this.generation[index]! << INDEX_BITS) | index) >>> 0;
  }

  /** The entry a reply id names, or -1 when the id is stale or was never issued. */
  lookup(id: number): number {
    const index = id & INDEX_MASK;
    if (index >= this.capacity || this.generation[index] !== id >>> INDEX_BITS || this.flags[index] === 0xff) {
      return -1;
    }
    return index;
  }

  release(index: number): void {
    this.resolve[index] = undefined;
    this.reject[index] = undefined;
    this.transform[index] = undefined;
    this.aggregate[index] = undefined;
    this.value[index] = undefined;
    this.key[index] = undefined;
    this.flags[index] = 0xff;
    this.generation[index] = (this.generation[index]! + 1) & GENERATION_MASK;
    this.free[this.freeTop++] = index;
    this.count--;
  }

  /** Indexes of every entry in use. */
  *inUse(): Generator<number> {
    for (let index = 0; index < this.capacity; index++) if (this.flags[index] !== 0xff) yield index;
  }

  private grow(capacity: number): void {
    const old = this.capacity;
    this.part = resize(this.part, capacity, Int32Array);
    this.shard = resize(this.shard, capacity, Int16Array);
    this.slot = resize(this.slot, capacity, Int32Array);
    this.flags = resize(this.flags, capacity, Uint8Array);
    this.flags.fill(0xff, old);
    this.generation = resize(this.generation, capacity, Uint16Array);
    const free = new Int32Array(capacity);
    free.set(this.free.subarray(0, this.freeTop));
    // Hand out low indexes first, so a small workload touches a small part of the arrays.
    for (let index = capacity - 1; index >= old; index--) free[this.freeTop++] = index;
    this.free = free;
    this.capacity = capacity;
  }
}

function resize<T extends Int32Array | Int16Array | Uint8Array | Uint16Array>(
  array: T,
  length: number,
  Type: { new (length: number): T },
): T {
  const next = new Type(length);
  next.set(array);
  return next;
}
