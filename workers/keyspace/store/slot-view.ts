// What the rest of the shard sees of one slot's entries: its size, whether it holds a key, and
// listings of its keys and values (slot-cursor.ts). A view reads the store as it is now; the
// keyspace keeps one per slot and hands it out only while the slot holds keys.

import type { StoredValue } from '../value.js';
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
}
