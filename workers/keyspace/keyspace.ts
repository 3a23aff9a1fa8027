// A shard's data, by slot: counting, listing, dumping and dropping a slot costs the keys of that
// slot only. Keys and string values are one-byte JS strings whose chars are the bytes at this
// interface; they are kept as bytes in the shard's arena, out of the JavaScript heap (store/:
// entry-store.ts), so that the collector's pauses do not grow with the keys held. Values of other
// types are objects that carry their kind (see value.ts), reached from their entry.
//
// Deadlines are absolute Unix times in ms, kept in each key's entry and filed in an ExpiryWheel for
// active expiry. Reads expire keys lazily: a key past its deadline is deleted when it is looked up,
// before the command sees it.

import { InvariantError } from '../../src/errors.js';
import { SLOT_COUNT } from '../../src/shared/limits.js';
import { ExpiryWheel } from './expiry-wheel.js';
import { copyValueOut, overwriteFromBytes } from './store/entry-bytes.js';
import { hashKey, hashKeyBytes } from './store/entry-layout.js';
import { EntryStore } from './store/entry-store.js';
import { SlotView } from './store/slot-view.js';
import type { CollectionKind } from './value.js';
import { type CollectionValue, type StoredValue, WRONG_TYPE, type WrongType } from './value.js';

/** The keys of one slot and their values, as the keyspace shows them (read only). */
export type SlotTable = SlotView;

export class Keyspace {
  private readonly store = new EntryStore();
  /** Per slot, its view (created on first use; handed out only while the slot holds keys). */
  private readonly views: (SlotView | undefined)[] = new Array(SLOT_COUNT).fill(undefined);
  private readonly wheel = new ExpiryWheel();
  /** Keys held, over all slots. */
  keyCount = 0;
  /** Keys removed because their deadline passed (lazily or actively). */
  expiredCount = 0;
  /** Slots holding keys. */
  tableCount = 0;
  /** The time commands see, in Unix ms; the shard loop refreshes it before each batch of frames. */
  now = Date.now();
  /**
   * Told of every key a write changes (WATCH needs it): set while some client watches keys,
   * undefined otherwise, so that a write pays one field test.
   */
  watcher: ((slot: number, key: string) => void) | undefined = undefined;
  /**
   * Told of every collection stored with set() (the shard ready hook: a key that gets a list wakes
   * the requests blocked on it, workers/blocking): set while some request is blocked, undefined
   * otherwise, so that a set pays one field test. Strings are not told: nothing waits for one.
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
    if (this.store.count(slot) === 0) return undefined;
    let view = this.views[slot];
    if (view === undefined) {
      view = new SlotView(this.store, slot);
      this.views[slot] = view;
    }
    return view;
  }

  /** Bytes held for keys and string values outside the JS heap: the arena and the slot indexes. */
  get storeBytes(): number {
    return this.store.arena.heldBytes + this.store.indexBytes;
  }

  /** Of storeBytes, the bytes in use (freed blocks excluded). */
  get storeUsedBytes(): number {
    return this.store.arena.usedUnits * 8 + this.store.indexBytes;
  }

  /** Values and long keys kept as JS objects (collections, strings over the arena's limit). */
  get heapObjects(): number {
    return this.store.heapObjects;
  }

  /** Slot listings in progress: for tests (a finished listing must not stay open). */
  get openListings(): number {
    return this.store.openCursors;
  }

  /**
   * The entry of `key`, or 0 when it does not exist or just expired (then deleted, unless reads
   * must not expire keys).
   */
  private live(slot: number, key: string, hash: number): number {
    const address = this.store.find(slot, key, hash);
    if (address === 0) return 0;
    const deadline = this.store.deadline(address);
    if (deadline !== 0 && deadline <= this.now) {
      if (this.expireOnRead) this.expire(slot, key, hash, address, deadline);
      return 0;
    }
    return address;
  }

  /**
   * GET's path, with no string made: the entry of the key whose bytes are source[start, end) when
   * it holds a string kept in the arena (copy it with copyString), 0 when the key does not exist
   * or just expired, -1 when it holds something else (another type, or a string too long for the
   * arena: the caller takes the path by strings).
   */
  findString(slot: number, source: Buffer, start: number, end: number): number {
    const hash = hashKeyBytes(source, start, end);
    const address = this.store.findBytes(slot, source, start, end, hash);
    if (address === 0) return 0;
    const deadline = this.store.deadline(address);
    if (deadline !== 0 && deadline <= this.now) {
      if (this.expireOnRead) {
        this.expire(slot, source.toString('latin1', start, end), hash, address, deadline);
      }
      return 0;
    }
    return this.store.holdsInlineString(address) ? address : -1;
  }

  /** Whether the key source[start, end) is held, even past its deadline (no lazy expiry here). */
  holdsBytes(slot: number, source: Buffer, start: number, end: number): boolean {
    return this.store.findBytes(slot, source, start, end, hashKeyBytes(source, start, end)) !== 0;
  }

  /** The length of the string findString() found. */
  stringLength(address: number): number {
    return this.store.inlineLength(address);
  }

  /** Copies the string findString() found to target[at]. */
  copyString(address: number, target: Uint8Array, at: number): void {
    copyValueOut(this.store.arena, address, target, at);
  }

  /** The value of `key`, or undefined when it does not exist or just expired. */
  get(slot: number, key: string): StoredValue | undefined {
    const address = this.live(slot, key, hashKey(key));
    return address === 0 ? undefined : this.store.value(address);
  }

  /**
   * The string value of `key`: undefined when it does not exist (or just expired), WRONG_TYPE when
   * it holds a value of another type.
   */
  getString(slot: number, key: string): string | undefined | WrongType {
    const address = this.live(slot, key, hashKey(key));
    if (address === 0) return undefined;
    return this.store.holdsString(address) ? (this.store.value(address) as string) : WRONG_TYPE;
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
    const address = this.live(slot, key, hashKey(key));
    if (address === 0) return undefined;
    const value = this.store.heapValue(address);
    return value !== undefined && typeof value !== 'string' && value.kind === kind
      ? (value as T)
      : WRONG_TYPE;
  }

  /** Whether `key` exists (expiring it lazily). */
  has(slot: number, key: string): boolean {
    return this.live(slot, key, hashKey(key)) !== 0;
  }

  /** Sets a value. Clears the key's deadline unless `keepDeadline`. */
  set(slot: number, key: string, value: StoredValue, keepDeadline = false): void {
    const hash = hashKey(key);
    const address = this.store.find(slot, key, hash);
    if (address === 0) {
      this.store.insert(slot, key, hash, value);
      if (this.store.count(slot) === 1) this.tableCount++;
      this.keyCount++;
    } else {
      const moved = this.store.replace(slot, address, key, hash, value);
      if (!keepDeadline) {
        const deadline = this.store.deadline(moved);
        if (deadline !== 0) {
          this.wheel.remove(key, deadline);
          this.store.setDeadline(moved, 0);
        }
      }
    }
    if (this.watcher !== undefined) this.watcher(slot, key);
    if (this.stored !== undefined && typeof value !== 'string') this.stored(slot, key, value);
  }

  /**
   * set() of a string given as bytes (SET, MSET): key source[keyStart, keyEnd), value
   * source[valueStart, valueEnd). Copies them from the request frame into the arena without making
   * strings, unless WATCH needs the key as a string or the entry must change its block; then it
   * goes by strings, as set().
   */
  setBytes(
    slot: number,
    source: Buffer,
    keyStart: number,
    keyEnd: number,
    valueStart: number,
    valueEnd: number,
  ): void {
    if (this.watcher === undefined) {
      const store = this.store;
      const hash = hashKeyBytes(source, keyStart, keyEnd);
      const address = store.findBytes(slot, source, keyStart, keyEnd, hash);
      if (address === 0) {
        if (store.insertBytes(slot, hash, source, keyStart, keyEnd, valueStart, valueEnd) !== 0) {
          if (store.count(slot) === 1) this.tableCount++;
          this.keyCount++;
          return;
        }
      } else if (overwriteFromBytes(store.arena, address, source, valueStart, valueEnd)) {
        const deadline = store.deadline(address);
        if (deadline !== 0) {
          this.wheel.remove(source.toString('latin1', keyStart, keyEnd), deadline);
          store.setDeadline(address, 0);
        }
        return;
      }
    }
    const key = source.toString('latin1', keyStart, keyEnd);
    this.set(slot, key, source.toString('latin1', valueStart, valueEnd));
  }

  /** Deletes `key`; returns whether it existed (an expired key counts as not existing). */
  delete(slot: number, key: string): boolean {
    const hash = hashKey(key);
    const address = this.store.find(slot, key, hash);
    if (address === 0) return false;
    const deadline = this.store.deadline(address);
    if (deadline !== 0) {
      if (deadline <= this.now) {
        this.expire(slot, key, hash, address, deadline);
        return false;
      }
      this.wheel.remove(key, deadline);
    }
    this.removeEntry(slot, hash, address);
    if (this.watcher !== undefined) this.watcher(slot, key);
    return true;
  }

  /** The deadline of an existing key, or undefined when it has none. */
  deadline(slot: number, key: string): number | undefined {
    const address = this.store.find(slot, key, hashKey(key));
    if (address === 0) return undefined;
    const deadline = this.store.deadline(address);
    return deadline === 0 ? undefined : deadline;
  }

  /** Sets the deadline of an existing key. A deadline not in the future deletes the key. */
  setDeadline(slot: number, key: string, at: number): void {
    const address = this.store.find(slot, key, hashKey(key));
    if (address === 0) throw new InvariantError('setDeadline on a missing key');
    if (at <= this.now) {
      this.delete(slot, key);
      return;
    }
    const previous = this.store.deadline(address);
    if (previous !== 0) this.wheel.remove(key, previous);
    this.store.setDeadline(address, at);
    this.wheel.add(key, slot, at);
    if (this.watcher !== undefined) this.watcher(slot, key);
  }

  /** Removes the deadline of an existing key; returns whether it had one. */
  persist(slot: number, key: string): boolean {
    const address = this.store.find(slot, key, hashKey(key));
    if (address === 0) return false;
    const deadline = this.store.deadline(address);
    if (deadline === 0) return false;
    this.wheel.remove(key, deadline);
    this.store.setDeadline(address, 0);
    if (this.watcher !== undefined) this.watcher(slot, key);
    return true;
  }

  /** Drops every key. */
  flush(): void {
    this.store.clear();
    this.wheel.clear();
    this.keyCount = 0;
    this.tableCount = 0;
  }

  /** Drops a slot's keys (after the slot moved away). Costs the keys of that slot only. */
  dropSlot(slot: number): number {
    this.importMarks.delete(slot);
    if (this.store.count(slot) === 0) return 0;
    const dropped = this.store.dropSlot(slot, this.unfile);
    this.keyCount -= dropped;
    this.tableCount--;
    return dropped;
  }

  /** Takes a dropped entry's deadline out of the wheel. */
  private readonly unfile = (address: number): void => {
    const deadline = this.store.deadline(address);
    if (deadline !== 0) this.wheel.remove(this.store.key(address), deadline);
  };

  /**
   * Active expiry: deletes up to `limit` keys whose deadline passed, in deadline order. Returns
   * how many it deleted; `limit` means more may be due.
   */
  expireDue(limit: number): number {
    return this.wheel.drainDue(this.now, limit, this.expireFiled);
  }

  private readonly expireFiled = (key: string, slot: number): void => {
    const hash = hashKey(key);
    const address = this.store.find(slot, key, hash);
    if (address === 0) throw new InvariantError('a filed deadline of a missing key');
    this.expire(slot, key, hash, address, this.store.deadline(address));
  };

  private expire(slot: number, key: string, hash: number, address: number, deadline: number): void {
    this.wheel.remove(key, deadline);
    this.removeEntry(slot, hash, address);
    this.expiredCount++;
    if (this.watcher !== undefined) this.watcher(slot, key);
    if (this.expired !== undefined) this.expired(slot, key);
  }

  private removeEntry(slot: number, hash: number, address: number): void {
    this.store.remove(slot, address, hash);
    this.keyCount--;
    if (this.store.count(slot) === 0) this.tableCount--;
  }
}
