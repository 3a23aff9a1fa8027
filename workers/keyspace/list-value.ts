// A list value: a ring buffer of one-byte strings (the elements' bytes, as keys and string values
// are kept). A ring gives Redis's costs where they matter: O(1) push and pop at both ends (LPUSH,
// RPOP, LMOVE, the blocking pops), O(1) access by index (LINDEX, LSET, LRANGE's start), and one
// pointer per element with no node object, so a list of small elements costs about its strings.
//
// Layout: `items` has a power-of-two capacity; element i sits at items[(head + i) & mask]. Slots
// outside the ring hold undefined, so a popped string is garbage as soon as the caller drops it.
// The ring doubles when full and halves when a quarter full (never below LIST_CAPACITY_MIN), so
// a list that grew big and was popped down gives its memory back.
//
// Every method that changes the list tells the tracker, when a migration set one (value.ts):
// pushed/popped for changes at the ends, rewritten for any other.

import { InvariantError } from '../../src/errors.js';
import { ValueKind } from '../../src/shared/value-types.js';
import { CollectionValue } from './value.js';

/** Smallest ring: most lists are short, and 4 slots cost 32 bytes. */
const LIST_CAPACITY_MIN = 4;

/**
 * Longest array V8 (Node 20) allocates with fast elements from `new Array(n)`: a longer one starts
 * as a dictionary, and filling it then takes seconds (measured: 27 s for 2^26 slots), so a ring
 * past this length is grown by pushes instead.
 */
const FAST_ARRAY_LENGTH_MAX = 1 << 25;

/** An array of `capacity` undefined slots with fast (not dictionary) elements. */
function slots(capacity: number): (string | undefined)[] {
  if (capacity <= FAST_ARRAY_LENGTH_MAX) return new Array<string | undefined>(capacity);
  const items: (string | undefined)[] = [];
  for (let i = 0; i < capacity; i++) items.push(undefined);
  return items;
}

/** The smallest power of two that is at least `n` and at least LIST_CAPACITY_MIN. */
function capacityFor(n: number): number {
  let capacity = LIST_CAPACITY_MIN;
  while (capacity < n) capacity *= 2;
  return capacity;
}

export class ListValue extends CollectionValue {
  readonly kind = ValueKind.List;
  private items: (string | undefined)[];
  private mask: number;
  private head = 0;
  private length = 0;

  constructor(capacity = LIST_CAPACITY_MIN) {
    super();
    const rounded = capacityFor(capacity);
    this.items = slots(rounded);
    this.mask = rounded - 1;
  }

  /** A list of `elements`, head first. */
  static of(elements: readonly string[]): ListValue {
    const list = new ListValue(elements.length);
    for (let i = 0; i < elements.length; i++) list.items[i] = elements[i];
    list.length = elements.length;
    return list;
  }

  get size(): number {
    return this.length;
  }

  /** Slots allocated (for memory measurements and tests). */
  get capacity(): number {
    return this.mask + 1;
  }

  /** Element `index`, 0 ≤ index < size. */
  at(index: number): string {
    return this.items[(this.head + index) & this.mask]!;
  }

  /** Replaces element `index`, 0 ≤ index < size (LSET). */
  set(index: number, value: string): void {
    this.items[(this.head + index) & this.mask] = value;
    this.tracker?.rewritten();
  }

  /** Adds `value` at the head or the tail. */
  push(head: boolean, value: string): void {
    if (this.length === this.mask + 1) this.resize((this.mask + 1) * 2);
    if (head) {
      this.head = (this.head - 1) & this.mask;
      this.items[this.head] = value;
    } else {
      this.items[(this.head + this.length) & this.mask] = value;
    }
    this.length++;
    this.tracker?.pushed(head, 1);
  }

  /** Removes and returns the element at the head or the tail; the list must not be empty. */
  pop(head: boolean): string {
    if (this.length === 0) throw new InvariantError('pop from an empty list');
    let at: number;
    if (head) {
      at = this.head;
      this.head = (this.head + 1) & this.mask;
    } else {
      at = (this.head + this.length - 1) & this.mask;
    }
    const value = this.items[at]!;
    this.items[at] = undefined;
    this.length--;
    this.shrinkIfSparse();
    this.tracker?.popped(head, 1);
    return value;
  }

  /** Inserts `value` so that it becomes element `index`, 0 ≤ index ≤ size (LINSERT). */
  insert(index: number, value: string): void {
    if (this.length === this.mask + 1) this.resize((this.mask + 1) * 2);
    const items = this.items;
    const mask = this.mask;
    // Move whichever side of the insertion point is shorter.
    if (index < this.length / 2) {
      this.head = (this.head - 1) & mask;
      for (let i = 0; i < index; i++) {
        items[(this.head + i) & mask] = items[(this.head + i + 1) & mask];
      }
    } else {
      for (let i = this.length; i > index; i--) {
        items[(this.head + i) & mask] = items[(this.head + i - 1) & mask];
      }
    }
    items[(this.head + index) & mask] = value;
    this.length++;
    this.tracker?.rewritten();
  }

  /**
   * Removes elements equal to `value` as LREM does: the first `count` from the head when count > 0,
   * the last -count from the tail when count < 0, all when count is 0. Returns how many it removed.
   */
  removeEqual(value: string, count: number): number {
    const removed =
      count < 0 ? this.removeFromTail(value, -count) : this.removeFromHead(value, count);
    if (removed > 0) {
      this.shrinkIfSparse();
      this.tracker?.rewritten();
    }
    return removed;
  }

  /** LREM from the head: kept elements slide towards the head. `limit` 0 means no limit. */
  private removeFromHead(value: string, limit: number): number {
    const items = this.items;
    const mask = this.mask;
    const head = this.head;
    const length = this.length;
    let kept = 0;
    let removed = 0;
    for (let i = 0; i < length; i++) {
      const element = items[(head + i) & mask]!;
      if (element === value && (limit === 0 || removed < limit)) {
        removed++;
        continue;
      }
      if (kept !== i) items[(head + kept) & mask] = element;
      kept++;
    }
    for (let i = kept; i < length; i++) items[(head + i) & mask] = undefined;
    this.length = kept;
    return removed;
  }

  /** LREM from the tail: kept elements slide towards the tail. */
  private removeFromTail(value: string, limit: number): number {
    const items = this.items;
    const mask = this.mask;
    const head = this.head;
    const length = this.length;
    let kept = 0;
    let removed = 0;
    for (let i = length - 1; i >= 0; i--) {
      const element = items[(head + i) & mask]!;
      if (element === value && removed < limit) {
        removed++;
        continue;
      }
      kept++;
      if (kept + i !== length) items[(head + length - kept) & mask] = element;
    }
    for (let i = 0; i < length - kept; i++) items[(head + i) & mask] = undefined;
    this.head = (head + length - kept) & mask;
    this.length = kept;
    return removed;
  }

  /** Keeps `count` elements from `start` and drops the rest (LTRIM); 1 ≤ count ≤ size - start. */
  keep(start: number, count: number): void {
    if (start === 0 && count === this.length) return;
    const items = this.items;
    const mask = this.mask;
    for (let i = 0; i < start; i++) items[(this.head + i) & mask] = undefined;
    for (let i = start + count; i < this.length; i++) items[(this.head + i) & mask] = undefined;
    this.head = (this.head + start) & mask;
    this.length = count;
    this.shrinkIfSparse();
    this.tracker?.rewritten();
  }

  /** The elements, head first (tests, the migration codec's callers). */
  toArray(): string[] {
    const elements = new Array<string>(this.length);
    for (let i = 0; i < this.length; i++) elements[i] = this.at(i);
    return elements;
  }

  clone(): ListValue {
    const copy = new ListValue(this.length);
    for (let i = 0; i < this.length; i++) copy.items[i] = this.at(i);
    copy.length = this.length;
    return copy;
  }

  /** Halves the ring (or more) when it is at most a quarter full. */
  private shrinkIfSparse(): void {
    const capacity = this.mask + 1;
    if (capacity > LIST_CAPACITY_MIN && this.length <= capacity / 4) {
      this.resize(capacityFor(this.length * 2));
    }
  }

  /** Moves the elements into a new ring of `capacity` slots, the head at slot 0. */
  private resize(capacity: number): void {
    const items = slots(capacity);
    for (let i = 0; i < this.length; i++) items[i] = this.at(i);
    this.items = items;
    this.mask = capacity - 1;
    this.head = 0;
  }
}
