// A shard's data: one table per slot it holds, so that counting, listing, dumping and dropping a
// slot costs the keys of that slot only. Keys and string values are kept as one-byte JS strings
// whose chars are the bytes (binary-safe, compact in V8, and written to a ring with one copy).
//
// Deadlines are absolute Unix times in ms, kept per slot beside the values and filed in an
// ExpiryWheel for active expiry. Reads expire keys lazily: a key past its deadline is deleted when
// it is looked up, before the command sees it.

import { SLOT_COUNT } from '../src/shared/limits.js';
import { ExpiryWheel } from './expiry-wheel.js';

/** What a key holds. Strings only for now; other types will be objects with their own tag. */
export type StoredValue = string;

export class SlotTable {
  readonly values = new Map<string, StoredValue>();
  readonly deadlines = new Map<string, number>();
}

export class Keyspace {
  private readonly tables: (SlotTable | undefined)[] = new Array(SLOT_COUNT).fill(undefined);
  private readonly wheel = new ExpiryWheel();
  /** Keys held, over all tables. */
  keyCount = 0;
  /** Keys removed because their deadline passed (lazily or actively). */
  expiredCount = 0;
  /** Slots with a table. */
  tableCount = 0;
  /** The time commands see, in Unix ms; the shard loop refreshes it before each batch of frames. */
  now = Date.now();

  table(slot: number): SlotTable | undefined {
    return this.tables[slot];
  }

  private tableForWrite(slot: number): SlotTable {
    let table = this.tables[slot];
    if (table === undefined) {
      table = new SlotTable();
      this.tables[slot] = table;
      this.tableCount++;
    }
    return table;
  }

  /** The value of `key`, or undefined when it does not exist or just expired. */
  get(slot: number, key: string): StoredValue | undefined {
    const table = this.tables[slot];
    if (table === undefined) return undefined;
    const value = table.values.get(key);
    if (value === undefined || table.deadlines.size === 0) return value;
    const deadline = table.deadlines.get(key);
    if (deadline !== undefined && deadline <= this.now) {
      this.expire(table, slot, key, deadline);
      return undefined;
    }
    return value;
  }

  /** Whether `key` exists (expiring it lazily). */
  has(slot: number, key: string): boolean {
    return this.get(slot, key) !== undefined;
  }

  /** Sets a value. Clears the key's deadline unless `keepDeadline`. */
  set(slot: number, key: string, value: StoredValue, keepDeadline = false): void {
    const table = this.tableForWrite(slot);
    const size = table.values.size;
    table.values.set(key, value);
    if (table.values.size !== size) this.keyCount++;
    else if (!keepDeadline && table.deadlines.size !== 0) this.clearDeadline(table, key);
  }

  /** Deletes `key`; returns whether it existed (an expired key counts as not existing). */
  delete(slot: number, key: string): boolean {
    const table = this.tables[slot];
    if (table === undefined) return false;
    if (!table.values.has(key)) return false;
    const deadline = table.deadlines.size === 0 ? undefined : table.deadlines.get(key);
    if (deadline !== undefined) {
      if (deadline <= this.now) {
        this.expire(table, slot, key, deadline);
        return false;
      }
      this.clearDeadline(table, key);
    }
    table.values.delete(key);
    this.keyCount--;
    this.dropIfEmpty(slot, table);
    return true;
  }

  /** The deadline of an existing key, or undefined when it has none. */
  deadline(slot: number, key: string): number | undefined {
    const table = this.tables[slot];
    return table === undefined || table.deadlines.size === 0 ? undefined : table.deadlines.get(key);
  }

  /** Sets the deadline of an existing key. A deadline not in the future deletes the key. */
  setDeadline(slot: number, key: string, at: number): void {
    const table = this.tables[slot];
    if (table === undefined || !table.values.has(key)) throw new Error('slotdb: setDeadline on a missing key');
    if (at <= this.now) {
      this.delete(slot, key);
      return;
    }
    const previous = table.deadlines.get(key);
    if (previous !== undefined) this.wheel.remove(key, previous);
    table.deadlines.set(key, at);
    this.wheel.add(key, slot, at);
  }

  /** Removes the deadline of an existing key; returns whether it had one. */
  persist(slot: number, key: string): boolean {
    const table = this.tables[slot];
    if (table === undefined || table.deadlines.size === 0 || !table.deadlines.has(key)) return false;
    this.clearDeadline(table, key);
    return true;
  }

  /** Drops every key. */
  flush(): void {
    this.tables.fill(undefined);
    this.wheel.clear();
    this.keyCount = 0;
    this.tableCount = 0;
  }

  /** Drops a slot's table (after the slot moved away). Costs the keys of that slot only. */
  dropSlot(slot: number): number {
    const table = this.tables[slot];
    if (table === undefined) return 0;
    for (const [key, at] of table.deadlines) this.wheel.remove(key, at);
    const dropped = table.values.size;
    this.keyCount -= dropped;
    this.tables[slot] = undefined;
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
    const table = this.tables[slot]!;
    this.expire(table, slot, key, table.deadlines.get(key)!);
  };

  private expire(table: SlotTable, slot: number, key: string, deadline: number): void {
    this.wheel.remove(key, deadline);
    table.deadlines.delete(key);
    table.values.delete(key);
    this.keyCount--;
    this.expiredCount++;
    this.dropIfEmpty(slot, table);
  }

  private clearDeadline(table: SlotTable, key: string): void {
    const at = table.deadlines.get(key);
    if (at === undefined) return;
    this.wheel.remove(key, at);
    table.deadlines.delete(key);
  }

  private dropIfEmpty(slot: number, table: SlotTable): void {
    if (table.values.size === 0) {
      this.tables[slot] = undefined;
      this.tableCount--;
    }
  }
}
