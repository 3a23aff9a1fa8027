// Commands a client thread has sent and not yet seen replied, in parallel arrays indexed by a slot
// number taken from a free list. A request id is the slot index plus a generation, so a reply
// finds its entry in O(1) without a Map, and a reply for an entry that was already released (a
// bug) is caught instead of completing the wrong command.

import { type ErrorReply, PendingLimitError } from '../errors.js';
import { NO_SLOT } from '../shared/codec.js';

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
  /**
   * A blocking command (BLPOP, BLMOVE...): not fenced by slot (it may wait for a long time, and
   * it waits as its own connection would in Redis), failed at once when the client closes.
   */
  Blocking: 8,
  /** The call may read from a replica (replica-reads.ts). */
  ReplicaReads: 16,
  /** The frame went to a replica: if that replica dies, it goes again to the primary. */
  OnReplica: 32,
  /** A write: if its worker dies before it replies, the thread's next WAIT need not cover it. */
  Write: 64,
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

  /** Part `part` replied `value` (an Error fails the whole). */
  completePart(part: number, value: unknown): void {
    if (value instanceof Error) this.error ??= value;
    else this.parts[part] = value;
    if (--this.remaining === 0) this.finish();
  }

  /** Settles the aggregate once its parts all replied (or it failed before all were sent). */
  finish(): void {
    if (this.error === undefined) {
      const merged = this.merge(this.parts);
      this.value = this.transform === undefined ? merged : this.transform(merged);
    }
    this.done = true;
    if (this.error !== undefined) this.reject?.(this.error);
    else this.resolve?.(this.value);
  }
}

export class PendingTable {
  /** Entries in use. */
  count = 0;
  /** Most entries in use at once (the pendingMax option); 0: PENDING_CAPACITY_MAX. */
  limit = 0;
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
  /**
   * Shard the frame went to (-1 while the client holds it back), for failing it when that shard
   * dies.
   */
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

  /**
   * Takes an entry for a frame to `shard` (-1: held back by the fence) for `slot`. Throws
   * PendingLimitError when too many commands are in flight.
   */
  open(shard: number, slot: number, flags: number, transform: Transform | undefined): number {
    const limit = this.limit;
    const index = limit > 0 && this.count >= limit ? -1 : this.alloc();
    if (index < 0) {
      const option = limit > 0 && this.count >= limit;
      throw new PendingLimitError(option ? limit : PENDING_CAPACITY_MAX, option);
    }
    this.shard[index] = shard;
    this.slot[index] = slot;
    this.flags[index] = flags;
    this.transform[index] = transform;
    return index;
  }

  /** The request id that names entry `index` now. */
  id(index: number): number {
    return ((this.generation[index]! << INDEX_BITS) | index) >>> 0;
  }

  /**
   * The entry a reply id names, or -1 when the id is stale, was never issued, or names a Sync
   * entry that has its reply already (a read sent again after its replica died can be answered
   * twice: the second reply is dropped).
   */
  lookup(id: number): number {
    const index = id & INDEX_MASK;
    if (index >= this.capacity || this.generation[index] !== id >>> INDEX_BITS) return -1;
    const flags = this.flags[index]!;
    return flags === 0xff || flags & PendingFlag.Done ? -1 : index;
  }

  private capturedResolve: ((value: unknown) => void) | undefined;
  private capturedReject: ((error: unknown) => void) | undefined;
  // One executor for every promise: it only captures the settle functions, so creating a promise
  // allocates no closure of ours.
  private readonly capture = (
    resolve: (value: unknown) => void,
    reject: (error: unknown) => void,
  ): void => {
    this.capturedResolve = resolve;
    this.capturedReject = reject;
  };

  /** A promise settled when entry `index` is. */
  promise(index: number): Promise<unknown> {
    const promise = new Promise(this.capture);
    this.resolve[index] = this.capturedResolve;
    this.reject[index] = this.capturedReject;
    return promise;
  }

  /** A promise settled when `aggregate` is. */
  promiseForAggregate(aggregate: Aggregate): Promise<unknown> {
    const promise = new Promise(this.capture);
    aggregate.resolve = this.capturedResolve;
    aggregate.reject = this.capturedReject;
    return promise;
  }

  /**
   * Settles entry `index` with its decoded reply (an Error fails it): a part completes its
   * aggregate, a Sync entry stores the result for its blocked caller, an async one settles its
   * promise. Every entry but a Sync one is released here; its waiter releases a Sync one.
   */
  settle(index: number, value: unknown): void {
    const aggregate = this.aggregate[index];
    if (aggregate !== undefined) {
      const part = this.part[index]!;
      this.release(index);
      aggregate.completePart(part, value);
      return;
    }
    const failed = value instanceof Error;
    const transform = this.transform[index];
    const result = failed || transform === undefined ? value : transform(value);
    if (this.flags[index]! & PendingFlag.Sync) {
      this.value[index] = result;
      this.flags[index]! |= PendingFlag.Done;
      return;
    }
    const settle = failed ? this.reject[index]! : this.resolve[index]!;
    this.release(index);
    settle(result);
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

  /**
   * The slot the client's fence counts entry `index` under: none (NO_SLOT) for a blocking command,
   * which may wait as long as its timeout and must not hold back later calls on its slot.
   */
  fencedSlot(index: number): number {
    return this.flags[index]! & PendingFlag.Blocking ? NO_SLOT : this.slot[index]!;
  }

  /** Indexes of the blocking commands (PendingFlag.Blocking) still waiting for their reply. */
  *blockingInFlight(): Generator<number> {
    for (const index of this.inUse()) {
      const flags = this.flags[index]!;
      if (flags & PendingFlag.Blocking && !(flags & PendingFlag.Done)) yield index;
    }
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
