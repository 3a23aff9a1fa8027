// What the rest of the shard sees of one slot's entries: its size, whether it holds a key, and
// listings of its keys and values (slot-cursor.ts). A view reads the store as it is now; the
// keyspace keeps one per slot and hands it out only while the slot holds keys.

import type { StoredValue } from '../value.js';
import { copyKeyOut, copyValueOut, inlineKeyBytes } from './entry-bytes.js';
import { hashKey } from './entry-layout.js';
import type { EntryStore } from './entry-store.js';
import { SlotCursor } from './slot-cursor.js';

export class SlotView implements Iterable<[string, StoredValue]> {
  constructor(
    private readonly store: EntryStore,
    readonly slot: number,
  ) {}

  /** Keys held, expired or not. */
  get size(): number {
    return this.store.count(this.slot);
  }

  /** Whether the slot holds `key`, even past its deadline (no lazy expiry here). */
  has(key: string): boolean {
    return this.store.find(this.slot, key, hashKey(key)) !== 0;
  }

  keys(): SlotCursor<string> {
    return new SlotCursor(this.store, this.slot, false);
  }

  entries(): SlotCursor<[string, StoredValue]> {
    return new SlotCursor(this.store, this.slot, true);
  }

  [Symbol.iterator](): SlotCursor<[string, StoredValue]> {
    return this.entries();
  }

  // An entry a cursor just stepped to (SlotCursor.step), read before the keyspace changes.

  keyAt(address: number): string {
    return this.store.key(address);
  }

  valueAt(address: number): StoredValue {
    return this.store.value(address);
  }

  /** Its deadline, Unix ms; 0 for none. */
  deadlineAt(address: number): number {
    return this.store.deadline(address);
  }

  /** The length of its key when the arena holds it; -1 otherwise. */
  keyBytesAt(address: number): number {
    return inlineKeyBytes(this.store.arena, address);
  }

  /** The length of its value when it is a string the arena holds; -1 otherwise. */
  stringBytesAt(address: number): number {
    return this.store.holdsInlineString(address) ? this.store.inlineLength(address) : -1;
  }

  /** stringBytesAt() for a string with no deadline; -1 for one with a deadline too. */
  plainStringBytesAt(address: number): number {
    return this.store.deadline(address) !== 0 ? -1 : this.stringBytesAt(address);
  }

  /** Copies its key (keyBytesAt() not -1) to target[at]. */
  copyKeyAt(address: number, target: Uint8Array, at: number): void {
    copyKeyOut(this.store.arena, address, target, at);
  }

  /** Copies its string value (stringBytesAt() not -1) to target[at]. */
  copyStringAt(address: number, target: Uint8Array, at: number): void {
    copyValueOut(this.store.arena, address, target, at);
  }
}
