// The entries of a shard, by slot: blocks in the arena (entry-layout.ts), one open-addressing index
// per slot to find a key, and per slot a chain through the entries in insertion order to list them.
//
// Values that stay JS objects (collections, long strings, and the keys too long for the arena) sit
// behind a handle the entry holds (heap-handles.ts).
//
// Listing a slot goes through SlotCursor (slot-cursor.ts), which survives changes to the slot while
// it is paused (a migration lists a slot over many loop turns): the store moves every open cursor
// off an entry it removes or moves.

import { SLOT_COUNT } from '../../../src/shared/limits.js';
import type { StoredValue } from '../value.js';
import { Arena, PAGE_UNIT_MASK, PAGE_UNITS_SHIFT } from './arena.js';
import { fillFromBytes, keyIs, keyIsBytes, SHORT_COPY_BYTES } from './entry-bytes.js';
import {
  DEADLINE_FLOAT,
  entryUnits,
  HEADER_BYTES,
  HEADER_UNITS,
  HEAP_KEY,
  HEAP_VALUE,
  KEY_INLINE_MAX_BYTES,
  KEY_LENGTH_MASK,
  META,
  NEXT,
  PREV,
  VALUE,
  VALUE_INLINE_MAX_BYTES,
} from './entry-layout.js';
import { HeapHandles } from './heap-handles.js';
import { SlotIndexes } from './slot-indexes.js';

/** A listing in progress over one slot (slot-cursor.ts); the store keeps `last` valid. */
export interface OpenCursor {
  readonly slot: number;
  /** The entry listed last; 0 before the first. */
  last: number;
}

export class EntryStore {
  readonly arena = new Arena();
  private readonly indexes = new SlotIndexes();
  private readonly counts = new Int32Array(SLOT_COUNT);
  private readonly heads = new Uint32Array(SLOT_COUNT);
  private readonly tails = new Uint32Array(SLOT_COUNT);
  private readonly heap = new HeapHandles();
  /** Cursors listing a slot now; usually none, so a removal pays one length test. */
  private readonly cursors: OpenCursor[] = [];

  /** Bytes of the slot indexes. */
  get indexBytes(): number {
    return this.indexes.bytes;
  }

  /** Keys in `slot`. */
  count(slot: number): number {
    return this.counts[slot]!;
  }

  /** The first entry of `slot` in insertion order, 0 when it has none. */
  first(slot: number): number {
    return this.heads[slot]!;
  }

  /** The entry after `address` in its slot, 0 when it is the last. */
  next(address: number): number {
    return this.arena.words[address >>> PAGE_UNITS_SHIFT]![(address & PAGE_UNIT_MASK) * 2 + NEXT]!;
  }

  /** The entry of `key` (whose hashKey() is `hash`) in `slot`, or 0. */
  find(slot: number, key: string, hash: number): number {
    const index = this.indexes.of(slot);
    if (index === undefined) return 0;
    const mask = (index.length >>> 1) - 1;
    for (let i = hash & mask; ; i = (i + 1) & mask) {
      const address = index[i * 2 + 1]!;
      if (address === 0) return 0;
      if (index[i * 2] === hash && keyIs(this.arena, this.heap, address, key)) return address;
    }
  }

  /** find() for a key given as its bytes, source[start, end) (hashKeyBytes() is `hash`). */
  findBytes(slot: number, source: Uint8Array, start: number, end: number, hash: number): number {
    const index = this.indexes.of(slot);
    if (index === undefined) return 0;
    const mask = (index.length >>> 1) - 1;
    for (let i = hash & mask; ; i = (i + 1) & mask) {
      const address = index[i * 2 + 1]!;
      if (address === 0) return 0;
      if (index[i * 2] === hash && keyIsBytes(this.arena, this.heap, address, source, start, end))
        return address;
    }
  }

  /** Whether an entry's value is a string kept in the arena (then inlineLength/copyInline). */
  holdsInlineString(address: number): boolean {
    return (
      (this.arena.words[address >>> PAGE_UNITS_SHIFT]![(address & PAGE_UNIT_MASK) * 2 + META]! &
        HEAP_VALUE) ===
      0
    );
  }

  /** The length of an entry's string value kept in the arena. */
  inlineLength(address: number): number {
    return this.arena.words[address >>> PAGE_UNITS_SHIFT]![(address & PAGE_UNIT_MASK) * 2 + VALUE]!;
  }

  /** The key of an entry. */
  key(address: number): string {
    const page = address >>> PAGE_UNITS_SHIFT;
    const unit = address & PAGE_UNIT_MASK;
    const meta = this.arena.words[page]![unit * 2 + META]!;
    if ((meta & HEAP_KEY) !== 0) return this.heap.keys[this.arena.words[page]![unit * 2 + VALUE]!]!;
    const at = unit * 8 + HEADER_BYTES;
    return this.arena.bytes[page]!.latin1Slice(at, at + (meta & KEY_LENGTH_MASK));
  }

  /** The value of an entry: a string read from the arena, or the object behind its handle. */
  value(address: number): StoredValue {
    const page = address >>> PAGE_UNITS_SHIFT;
    const unit = address & PAGE_UNIT_MASK;
    const words = this.arena.words[page]!;
    const meta = words[unit * 2 + META]!;
    if ((meta & HEAP_VALUE) !== 0) return this.heap.values[words[unit * 2 + VALUE]!]!;
    const at = unit * 8 + HEADER_BYTES + (meta & KEY_LENGTH_MASK);
    return this.arena.bytes[page]!.latin1Slice(at, at + words[unit * 2 + VALUE]!);
  }

  /** Whether an entry holds a string (then value() is one). */
  holdsString(address: number): boolean {
    const words = this.arena.words[address >>> PAGE_UNITS_SHIFT]!;
    const unit = address & PAGE_UNIT_MASK;
    if ((words[unit * 2 + META]! & HEAP_VALUE) === 0) return true;
    return typeof this.heap.values[words[unit * 2 + VALUE]!] === 'string';
  }

  /** The object behind an entry's handle, or undefined for a string kept in the arena. */
  heapValue(address: number): StoredValue | undefined {
    const words = this.arena.words[address >>> PAGE_UNITS_SHIFT]!;
    const unit = address & PAGE_UNIT_MASK;
    if ((words[unit * 2 + META]! & HEAP_VALUE) === 0) return undefined;
    return this.heap.values[words[unit * 2 + VALUE]!];
  }

  /** The deadline of an entry (Unix ms), 0 for none. */
  deadline(address: number): number {
    return this.arena.floats[address >>> PAGE_UNITS_SHIFT]![
      (address & PAGE_UNIT_MASK) + DEADLINE_FLOAT
    ]!;
  }

  setDeadline(address: number, at: number): void {
    this.arena.floats[address >>> PAGE_UNITS_SHIFT]![(address & PAGE_UNIT_MASK) + DEADLINE_FLOAT] =
      at;
  }

  /** Adds `key`, which `slot` must not hold, with `value` and no deadline. */
  insert(slot: number, key: string, hash: number, value: StoredValue): number {
    const address = this.allocateEntry(key, value);
    this.fillEntry(address, key, value, 0);
    this.append(slot, hash, address);
    return address;
  }

  /**
   * insert() of a string given as bytes: the key source[keyStart, keyEnd) with the value
   * source[valueStart, valueEnd). Returns 0, changing nothing, when either is too long for the
   * arena (the caller inserts by strings).
   */
  insertBytes(
    slot: number,
    hash: number,
    source: Uint8Array,
    keyStart: number,
    keyEnd: number,
    valueStart: number,
    valueEnd: number,
  ): number {
    const keyBytes = keyEnd - keyStart;
    const valueBytes = valueEnd - valueStart;
    if (keyBytes > KEY_INLINE_MAX_BYTES || valueBytes > VALUE_INLINE_MAX_BYTES) return 0;
    const address = this.arena.allocate(entryUnits(keyBytes, valueBytes));
    fillFromBytes(this.arena, address, source, keyStart, keyEnd, valueStart, valueEnd);
    this.append(slot, hash, address);
    return address;
  }

  /** Links a filled block at the end of its slot's order and files it in the slot's index. */
  private append(slot: number, hash: number, address: number): void {
    const tail = this.tails[slot]!;
    this.setLink(address, NEXT, 0);
    this.setLink(address, PREV, tail);
    if (tail === 0) this.heads[slot] = address;
    else this.setLink(tail, NEXT, address);
    this.tails[slot] = address;
    this.counts[slot]!++;
    this.indexes.add(slot, this.counts[slot]!, hash, address);
  }

  /**
   * Replaces the value of the entry at `address` (of `key`, hash `hash`, in `slot`), keeping its
   * deadline and its place in the slot's order. Returns the entry's address, which changes when
   * the new value needs a block of another size.
   */
  replace(slot: number, address: number, key: string, hash: number, value: StoredValue): number {
    const page = address >>> PAGE_UNITS_SHIFT;
    const unit = address & PAGE_UNIT_MASK;
    const words = this.arena.words[page]!;
    const meta = words[unit * 2 + META]!;
    const inline = this.inlineValue(key, value);
    if ((meta & HEAP_VALUE) !== 0 && !inline) {
      // Behind a handle before and after: the block stays as it is.
      this.heap.values[words[unit * 2 + VALUE]!] = value;
      return address;
    }
    const units = this.unitsOf(address);
    const wanted = inline
      ? entryUnits(key.length, (value as string).length)
      : entryUnits(key.length, 0);
    const deadline = this.deadline(address);
    if (units === wanted && (meta & HEAP_VALUE) === 0 && inline) {
      this.writeValue(address, key.length, value as string);
      return address;
    }
    const moved = this.allocateEntry(key, value);
    this.fillEntry(moved, key, value, deadline);
    const prev = this.link(address, PREV);
    const next = this.link(address, NEXT);
    this.setLink(moved, PREV, prev);
    this.setLink(moved, NEXT, next);
    if (prev === 0) this.heads[slot] = moved;
    else this.setLink(prev, NEXT, moved);
    if (next === 0) this.tails[slot] = moved;
    else this.setLink(next, PREV, moved);
    this.indexes.replace(slot, hash, address, moved);
    for (const cursor of this.cursors) if (cursor.last === address) cursor.last = moved;
    this.freeEntry(address, units);
    return moved;
  }

  /** Removes the entry at `address` (hash `hash`) from `slot`. */
  remove(slot: number, address: number, hash: number): void {
    const prev = this.link(address, PREV);
    const next = this.link(address, NEXT);
    if (prev === 0) this.heads[slot] = next;
    else this.setLink(prev, NEXT, next);
    if (next === 0) this.tails[slot] = prev;
    else this.setLink(next, PREV, prev);
    if (this.cursors.length !== 0) {
      for (const cursor of this.cursors) if (cursor.last === address) cursor.last = prev;
    }
    this.counts[slot]!--;
    this.indexes.remove(slot, this.counts[slot]!, hash, address);
    this.freeEntry(address, this.unitsOf(address));
  }

  /** Drops every entry of `slot`; `each` sees each one first. Returns how many there were. */
  dropSlot(slot: number, each?: (address: number) => void): number {
    const dropped = this.counts[slot]!;
    for (let address = this.heads[slot]!; address !== 0; ) {
      const next = this.link(address, NEXT);
      if (each !== undefined) each(address);
      this.freeEntry(address, this.unitsOf(address));
      address = next;
    }
    this.heads[slot] = 0;
    this.tails[slot] = 0;
    this.counts[slot] = 0;
    this.indexes.drop(slot);
    // As a Map's iterator after clear(): keys added from now on are listed.
    for (const cursor of this.cursors) if (cursor.slot === slot) cursor.last = 0;
    return dropped;
  }

  /** Drops every entry. */
  clear(): void {
    this.arena.clear();
    this.indexes.clear();
    this.counts.fill(0);
    this.heads.fill(0);
    this.tails.fill(0);
    this.heap.clear();
    for (const cursor of this.cursors) cursor.last = 0;
  }

  openCursor(cursor: OpenCursor): void {
    this.cursors.push(cursor);
  }

  closeCursor(cursor: OpenCursor): void {
    const at = this.cursors.indexOf(cursor);
    if (at >= 0) this.cursors.splice(at, 1);
  }

  /** Cursors open now: for tests. */
  get openCursors(): number {
    return this.cursors.length;
  }

  /** Objects kept behind handles now. */
  get heapObjects(): number {
    return this.heap.held;
  }

  // Entries.

  private inlineValue(key: string, value: StoredValue): boolean {
    return (
      typeof value === 'string' &&
      value.length <= VALUE_INLINE_MAX_BYTES &&
      key.length <= KEY_INLINE_MAX_BYTES
    );
  }

  private allocateEntry(key: string, value: StoredValue): number {
    if (key.length > KEY_INLINE_MAX_BYTES) return this.arena.allocate(HEADER_UNITS);
    const valueBytes = this.inlineValue(key, value) ? (value as string).length : 0;
    return this.arena.allocate(entryUnits(key.length, valueBytes));
  }

  /** Writes the header (links excepted), key and value of a new block. */
  private fillEntry(address: number, key: string, value: StoredValue, deadline: number): void {
    const page = address >>> PAGE_UNITS_SHIFT;
    const unit = address & PAGE_UNIT_MASK;
    const words = this.arena.words[page]!;
    this.arena.floats[page]![unit + DEADLINE_FLOAT] = deadline;
    if (key.length > KEY_INLINE_MAX_BYTES) {
      const handle = this.heap.add(value);
      this.heap.keys[handle] = key;
      words[unit * 2 + META] = HEAP_KEY | HEAP_VALUE;
      words[unit * 2 + VALUE] = handle;
      return;
    }
    this.writeBytes(page, unit * 8 + HEADER_BYTES, key);
    if (this.inlineValue(key, value)) {
      words[unit * 2 + META] = key.length;
      this.writeValue(address, key.length, value as string);
    } else {
      words[unit * 2 + META] = key.length | HEAP_VALUE;
      words[unit * 2 + VALUE] = this.heap.add(value);
    }
  }

  private writeValue(address: number, keyBytes: number, value: string): void {
    const page = address >>> PAGE_UNITS_SHIFT;
    const unit = address & PAGE_UNIT_MASK;
    this.arena.words[page]![unit * 2 + VALUE] = value.length;
    this.writeBytes(page, unit * 8 + HEADER_BYTES + keyBytes, value);
  }

  private writeBytes(page: number, at: number, chars: string): void {
    const bytes = this.arena.bytes[page]!;
    if (chars.length <= SHORT_COPY_BYTES) {
      for (let i = 0; i < chars.length; i++) bytes[at + i] = chars.charCodeAt(i);
    } else {
      bytes.latin1Write(chars, at, chars.length);
    }
  }

  /** Units of an entry's block, from its header. */
  private unitsOf(address: number): number {
    const words = this.arena.words[address >>> PAGE_UNITS_SHIFT]!;
    const unit = address & PAGE_UNIT_MASK;
    const meta = words[unit * 2 + META]!;
    if ((meta & HEAP_KEY) !== 0) return HEADER_UNITS;
    const keyBytes = meta & KEY_LENGTH_MASK;
    return entryUnits(keyBytes, (meta & HEAP_VALUE) !== 0 ? 0 : words[unit * 2 + VALUE]!);
  }

  private freeEntry(address: number, units: number): void {
    const words = this.arena.words[address >>> PAGE_UNITS_SHIFT]!;
    const unit = address & PAGE_UNIT_MASK;
    const meta = words[unit * 2 + META]!;
    if ((meta & HEAP_VALUE) !== 0) {
      this.heap.free(words[unit * 2 + VALUE]!);
    }
    this.arena.release(address, units);
  }

  private link(address: number, field: number): number {
    return this.arena.words[address >>> PAGE_UNITS_SHIFT]![(address & PAGE_UNIT_MASK) * 2 + field]!;
  }

  private setLink(address: number, field: number, to: number): void {
    this.arena.words[address >>> PAGE_UNITS_SHIFT]![(address & PAGE_UNIT_MASK) * 2 + field] = to;
  }
}
