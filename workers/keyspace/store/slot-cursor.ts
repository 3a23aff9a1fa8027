// Lists one slot's keys (and values) in insertion order, as a Map's iterator would, and with its
// guarantees when the slot changes between two steps: a key removed before it was reached is not
// listed, a key added is listed, a key whose value changed is listed once with its new value. A
// migration lists a slot over many loop turns while clients write to it, so these matter.
//
// The cursor remembers the entry it listed last; the store moves that mark to the previous entry
// when it removes the entry, and to the new block when it moves it (entry-store.ts). A cursor is
// open from its first step until it is done or returned, so that the store only fixes up cursors
// that are still in use; a caller that stops early calls return() (for...of does).

import type { StoredValue } from '../value.js';
import type { EntryStore, OpenCursor } from './entry-store.js';

export class SlotCursor<T extends string | [string, StoredValue]>
  implements IterableIterator<T>, OpenCursor
{
  last = 0;
  private state: 'new' | 'open' | 'done' = 'new';

  constructor(
    private readonly store: EntryStore,
    readonly slot: number,
    /** Whether it yields [key, value] pairs rather than keys. */
    private readonly entries: boolean,
  ) {}

  /**
   * The entry listed last (0 before the first): valid until the keyspace changes, for a caller
   * that reads its value or deadline at once without a second look-up.
   */
  get address(): number {
    return this.last;
  }

  [Symbol.iterator](): this {
    return this;
  }

  next(): IteratorResult<T> {
    const address = this.step();
    if (address === 0) return { done: true, value: undefined };
    const key = this.store.key(address);
    const value = this.entries ? [key, this.store.value(address)] : key;
    return { done: false, value: value as T };
  }

  /**
   * Moves to the next entry and returns its address, making no string (0, and the cursor closed,
   * at the end): for a caller that reads the entry through its SlotView at once.
   */
  step(): number {
    if (this.state === 'done') return 0;
    if (this.state === 'new') {
      this.state = 'open';
      this.store.openCursor(this);
    }
    const address = this.last === 0 ? this.store.first(this.slot) : this.store.next(this.last);
    if (address === 0) {
      this.close();
      return 0;
    }
    this.last = address;
    return address;
  }

  return(): IteratorResult<T> {
    this.close();
    return { done: true, value: undefined };
  }

  private close(): void {
    if (this.state === 'open') this.store.closeCursor(this);
    this.state = 'done';
  }
}
