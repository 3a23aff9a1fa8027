// A shard's data: one table per slot it holds, so that counting, listing, dumping and dropping a
// slot costs the keys of that slot only. Keys and string values are kept as one-byte JS strings
// whose chars are the bytes (binary-safe, compact in V8, and written to a ring with one copy);
// values of other types are objects that carry their kind (see value.ts).
//
// Deadlines are absolute Unix times in ms, kept per slot beside the values and filed in an
// ExpiryWheel for active expiry. Reads expire keys lazily: a key past its deadline is deleted when
// it is looked up, before the command sees it.

import { InvariantError } from '../../src/errors.js';
import { SLOT_COUNT } from '../../src/shared/limits.js';
import { ExpiryWheel } from './expiry-wheel.js';
import type { CollectionKind } from './value.js';
import { type CollectionValue, type StoredValue, WRONG_TYPE, type WrongType } from './value.js';

/** The keys of one slot and their values. */
export type SlotTable = Map<string, StoredValue>;

/** The deadlines (Unix ms) of the keys of one slot that have one. */
type DeadlineTable = Map<string, number>;

export class Keyspace {
  // Per slot, the values and (only for slots where some key has one) the deadlines. Two flat arrays
  // of Maps rather than an array of {values, deadlines} objects: a lookup then touches one object
  // less, which measured about 20% faster for random GETs over 100,000 keys.
  private readonly values: (SlotTable | undefined)[] = new Array(SLOT_COUNT).fill(undefined);
  private readonly deadlines: (DeadlineTable | undefined)[] = new Array(SLOT_COUNT).fill(undefined);
  private readonly wheel = new ExpiryWheel();
  /** Keys held, over all tables. */
  keyCount = 0;
  /** Keys removed because their deadline passed (lazily or actively). */
  expiredCount = 0;
  /** Slots with a table. */
  tableCount = 0;
  /** The time commands see, in Unix ms; the shard loop refreshes it before each batch of frames. */
  now = Date.now();
  /**
   * Told of every key a write changes (WATCH needs it): set while some client watches keys,
   * undefined otherwise, so that a write pays one field test.
   */
  watcher: ((slot: number, key: string) => void) | undefined = undefined;
  /**
   * Told of every value stored with set() (the shard ready hook: a key that gets a list wakes the
   * requests blocked on it, workers/blocking): set while some request is blocked, undefined
   * otherwise, so that a set pays one field test.
   */
  stored: ((slot: number, key: string, value: StoredValue) => void) | undefined = undefined;
  /**
   * Told of every key removed because its deadline passed (the journal records the deletion, as
   * Redis propagates a DEL): set on a primary that has a journal, undefined otherwise.
   */
  expired: ((slot: number, key: string) => void) | undefined = undefined;
  /**
   * Whether a read that finds a key past its deadline deletes it. A replica serving reads clears
   * it: the key reads as missing, but only its primary's stream removes it, so that a write the
   * primary made before the deadline (PERSIST, a new EXPIRE) still finds the key when it arrives.
   */
  expireOnRead = true;
  /**
   * Slots this shard started importing (a migration's target), with the import's sequence number
   * (ImportBegin records); a slot leaves when it is dropped. A recovery orders by them the copies
   * of a slot that an interrupted move left on two shards.
   */
  readonly importMarks = new Map<number, number>();

  /**
   * Signals that `key` changed (Redis's signalModifiedKey). The keyspace's own writes (set,
   * delete, deadlines, expiry) call it; a command that changes a collection in place calls it once
   * after the change, and only when something changed.
   */
  modified(slot: number, key: string): void {
    if (this.watcher !== undefined) this.watcher(slot, key);
  }

  /** The keys and values of `slot`, or undefined when it holds none. Read only. */
  table(slot: number): SlotTable | undefined {
    return this.values[slot];
  }

  private tableForWrite(slot: number): SlotTable {
    let table = this.values[slot];
    if (table === undefined) {
      table = new Map();
      this.values[slot] = table;
      this.tableCount++;
    }
    return table;
  }

  /** The value of `key`, or undefined when it does not exist or just expired. */
  get(slot: number, key: string): StoredValue | undefined {
    const table = this.values[slot];
    if (table === undefined) return undefined;
    const value = table.get(key);
    if (value === undefined) return undefined;
    const deadlines = this.deadlines[slot];
    if (deadlines === undefined) return value;
    const deadline = deadlines.get(key);
    if (deadline !== undefined && deadline <= this.now) {
      if (this.expireOnRead) this.expire(slot, key, deadline);
      return undefined;
    }
    return value;
  }

  /**
   * The string value of `key`: undefined when it does not exist (or just expired), WRONG_TYPE when
   * it holds a value of another type.
   */
  getString(slot: number, key: string): string | undefined | WrongType {
    const value = this.get(slot, key);
    return typeof value === 'string' || value === undefined ? value : WRONG_TYPE;
  }

  /**
   * The collection of `kind` at `key`: undefined when the key does not exist (or just expired),
   * WRONG_TYPE when it holds a value of another type. `T` is the kind's class, which the caller
   * names (the kind and the class always go together: see value.ts).
   */
  getCollection<T extends CollectionValue>(
    slot: number,
    key: string,
    kind: CollectionKind,
  ): T | undefined | WrongType {
    const value = this.get(slot, key);
    if (value === undefined) return undefined;
    return typeof value !== 'string' && value.kind === kind ? (value as T) : WRONG_TYPE;
  }

  /** Whether `key` exists (expiring it lazily). */
  has(slot: number, key: string): boolean {
    return this.get(slot, key) !== undefined;
  }

  /** Sets a value. Clears the key's deadline unless `keepDeadline`. */
  set(slot: number, key: string, value: StoredValue, keepDeadline = false): void {
    const table = this.tableForWrite(slot);
    const size = table.size;
    table.set(key, value);
    if (table.size !== size) this.keyCount++;
    else if (!keepDeadline && this.deadlines[slot] !== undefined) this.clearDeadline(slot, key);
    if (this.watcher !== undefined) this.watcher(slot, key);
    if (this.stored !== undefined) this.stored(slot, key, value);
  }

  /** Deletes `key`; returns whether it existed (an expired key counts as not existing). */
  delete(slot: number, key: string): boolean {
    const table = this.values[slot];
    if (table === undefined) return false;
    // One look-up when the slot has no deadlines: a migration source deletes every key it moved.
    if (this.deadlines[slot] !== undefined) {
      if (!table.has(key)) return false;
      const deadline = this.deadlines[slot].get(key);
      if (deadline !== undefined) {
        if (deadline <= this.now) {
          this.expire(slot, key, deadline);
          return false;
        }
        this.clearDeadline(slot, key);
      }
    }
    if (!table.delete(key)) return false;
    this.keyCount--;
    this.dropIfEmpty(slot, table);
    if (this.watcher !== undefined) this.watcher(slot, key);
    return true;
  }

  /** The deadline of an existing key, or undefined when it has none. */
  deadline(slot: number, key: string): number | undefined {
    return this.deadlines[slot]?.get(key);
  }

  /** Sets the deadline of an existing key. A deadline not in the future deletes the key. */
  setDeadline(slot: number, key: string, at: number): void {
    const table = this.values[slot];
    if (table === undefined || !table.has(key)) {
      throw new InvariantError('setDeadline on a missing key');
    }
    if (at <= this.now) {
      this.delete(slot, key);
      return;
    }
    let deadlines = this.deadlines[slot];
    if (deadlines === undefined) {
      deadlines = new Map();
      this.deadlines[slot] = deadlines;
    }
    const previous = deadlines.get(key);
    if (previous !== undefined) this.wheel.remove(key, previous);
    deadlines.set(key, at);
    this.wheel.add(key, slot, at);
    if (this.watcher !== undefined) this.watcher(slot, key);
  }

  /** Removes the deadline of an existing key; returns whether it had one. */
  persist(slot: number, key: string): boolean {
    if (this.deadlines[slot]?.has(key) !== true) return false;
    this.clearDeadline(slot, key);
    if (this.watcher !== undefined) this.watcher(slot, key);
    return true;
  }

  /** Drops every key. */
  flush(): void {
    this.values.fill(undefined);
    this.deadlines.fill(undefined);
    this.wheel.clear();
    this.keyCount = 0;
    this.tableCount = 0;
  }

  /** Drops a slot's table (after the slot moved away). Costs the keys of that slot only. */
  dropSlot(slot: number): number {
    this.importMarks.delete(slot);
    const table = this.values[slot];
    if (table === undefined) return 0;
    const deadlines = this.deadlines[slot];
    if (deadlines !== undefined) for (const [key, at] of deadlines) this.wheel.remove(key, at);
    const dropped = table.size;
    this.keyCount -= dropped;
    this.values[slot] = undefined;
    this.deadlines[slot] = undefined;
    this.tableCount--;
    return dropped;
  }

  /**
   * Active expiry: deletes up to `limit` keys whose deadline passed, in deadline order. Returns
   * how many it deleted; `limit` means more may be due.
   */
  expireDue(limit: number): number {
    return this.wheel.drainDue(this.now, limit, this.expireFiled);
  }

  private readonly expireFiled = (key: string, slot: number): void => {
    this.expire(slot, key, this.deadlines[slot]!.get(key)!);
  };

  private expire(slot: number, key: string, deadline: number): void {
    const table = this.values[slot]!;
    this.wheel.remove(key, deadline);
    this.removeDeadlineEntry(slot, key);
    table.delete(key);
    this.keyCount--;
    this.expiredCount++;
    this.dropIfEmpty(slot, table);
    if (this.watcher !== undefined) this.watcher(slot, key);
    if (this.expired !== undefined) this.expired(slot, key);
  }

  private clearDeadline(slot: number, key: string): void {
    const at = this.deadlines[slot]?.get(key);
    if (at === undefined) return;
    this.wheel.remove(key, at);
    this.removeDeadlineEntry(slot, key);
  }

  private removeDeadlineEntry(slot: number, key: string): void {
    const deadlines = this.deadlines[slot]!;
    deadlines.delete(key);
    if (deadlines.size === 0) this.deadlines[slot] = undefined;
  }

  private dropIfEmpty(slot: number, table: SlotTable): void {
    if (table.size === 0) {
      this.values[slot] = undefined;
      this.deadlines[slot] = undefined;
      this.tableCount--;
    }
  }
}
