// Entries against the bytes of a request, for the paths that make no string (GET, SET, MSET):
// whether an entry is the key looked for, and copies of a value between a frame and the arena.
// A key kept behind a handle (HEAP_KEY) is compared with its JS string; an inline one byte by byte.

import type { Arena } from './arena.js';
import { PAGE_UNIT_MASK, PAGE_UNITS_SHIFT } from './arena.js';
import {
  entryUnits,
  HEADER_BYTES,
  HEAP_KEY,
  HEAP_VALUE,
  KEY_LENGTH_MASK,
  META,
  VALUE,
  VALUE_INLINE_MAX_BYTES,
} from './entry-layout.js';
import type { HeapHandles } from './heap-handles.js';

/** Strings up to this long are copied byte by byte; longer ones with Buffer#copy or #write. */
export const SHORT_COPY_BYTES = 32;

/** Copies source[start, end) to target[at]. */
function copy(
  source: Uint8Array,
  start: number,
  end: number,
  target: Uint8Array,
  at: number,
): void {
  if (end - start <= SHORT_COPY_BYTES) {
    for (let i = start; i < end; i++) target[at + i - start] = source[i]!;
  } else {
    Buffer.prototype.copy.call(source, target, at, start, end);
  }
}

export function keyIs(arena: Arena, heap: HeapHandles, address: number, key: string): boolean {
  const page = address >>> PAGE_UNITS_SHIFT;
  const unit = address & PAGE_UNIT_MASK;
  const meta = arena.words[page]![unit * 2 + META]!;
  if ((meta & HEAP_KEY) !== 0) {
    return heap.keys[arena.words[page]![unit * 2 + VALUE]!] === key;
  }
  const length = meta & KEY_LENGTH_MASK;
  if (length !== key.length) return false;
  const bytes = arena.bytes[page]!;
  const at = unit * 8 + HEADER_BYTES;
  for (let i = 0; i < length; i++) if (bytes[at + i] !== key.charCodeAt(i)) return false;
  return true;
}

/** keyIs() for a key given as its bytes, source[start, end). */
export function keyIsBytes(
  arena: Arena,
  heap: HeapHandles,
  address: number,
  source: Uint8Array,
  start: number,
  end: number,
): boolean {
  const page = address >>> PAGE_UNITS_SHIFT;
  const unit = address & PAGE_UNIT_MASK;
  const meta = arena.words[page]![unit * 2 + META]!;
  const length = end - start;
  if ((meta & HEAP_KEY) !== 0) {
    const key = heap.keys[arena.words[page]![unit * 2 + VALUE]!]!;
    if (key.length !== length) return false;
    for (let i = 0; i < length; i++) if (key.charCodeAt(i) !== source[start + i]) return false;
    return true;
  }
  if ((meta & KEY_LENGTH_MASK) !== length) return false;
  const bytes = arena.bytes[page]!;
  const at = unit * 8 + HEADER_BYTES - start;
  for (let i = start; i < end; i++) if (bytes[at + i] !== source[i]) return false;
  return true;
}

/** Copies an entry's string value kept in the arena to target[at]; returns its length. */
export function copyValueOut(
  arena: Arena,
  address: number,
  target: Uint8Array,
  at: number,
): number {
  const page = address >>> PAGE_UNITS_SHIFT;
  const unit = address & PAGE_UNIT_MASK;
  const words = arena.words[page]!;
  const length = words[unit * 2 + VALUE]!;
  const from = unit * 8 + HEADER_BYTES + (words[unit * 2 + META]! & KEY_LENGTH_MASK);
  copy(arena.bytes[page]!, from, from + length, target, at);
  return length;
}

/**
 * Fills a new block (of entryUnits(key, value) units) with the key source[keyStart, keyEnd) and
 * the string value source[valueStart, valueEnd), no deadline; the links are the caller's.
 */
export function fillFromBytes(
  arena: Arena,
  address: number,
  source: Uint8Array,
  keyStart: number,
  keyEnd: number,
  valueStart: number,
  valueEnd: number,
): void {
  const page = address >>> PAGE_UNITS_SHIFT;
  const unit = address & PAGE_UNIT_MASK;
  const words = arena.words[page]!;
  const keyBytes = keyEnd - keyStart;
  words[unit * 2 + META] = keyBytes;
  words[unit * 2 + VALUE] = valueEnd - valueStart;
  arena.floats[page]![unit + 2] = 0;
  const bytes = arena.bytes[page]!;
  copy(source, keyStart, keyEnd, bytes, unit * 8 + HEADER_BYTES);
  copy(source, valueStart, valueEnd, bytes, unit * 8 + HEADER_BYTES + keyBytes);
}

/**
 * Writes the string value source[valueStart, valueEnd) over an entry's value when it is a string
 * kept in the arena and the block keeps its size; returns false (and changes nothing) otherwise.
 */
export function overwriteFromBytes(
  arena: Arena,
  address: number,
  source: Uint8Array,
  valueStart: number,
  valueEnd: number,
): boolean {
  const page = address >>> PAGE_UNITS_SHIFT;
  const unit = address & PAGE_UNIT_MASK;
  const words = arena.words[page]!;
  const meta = words[unit * 2 + META]!;
  if ((meta & HEAP_VALUE) !== 0) return false;
  const keyBytes = meta & KEY_LENGTH_MASK;
  const length = valueEnd - valueStart;
  if (length > VALUE_INLINE_MAX_BYTES) return false;
  if (entryUnits(keyBytes, length) !== entryUnits(keyBytes, words[unit * 2 + VALUE]!)) return false;
  words[unit * 2 + VALUE] = length;
  copy(source, valueStart, valueEnd, arena.bytes[page]!, unit * 8 + HEADER_BYTES + keyBytes);
  return true;
}

/** The length of an entry's key when it is kept in the arena; -1 for a key behind a handle. */
export function inlineKeyBytes(arena: Arena, address: number): number {
  const meta = arena.words[address >>> PAGE_UNITS_SHIFT]![(address & PAGE_UNIT_MASK) * 2 + META]!;
  return (meta & HEAP_KEY) !== 0 ? -1 : meta & KEY_LENGTH_MASK;
}

/** Copies the bytes of an entry's key kept in the arena to target[at]. */
export function copyKeyOut(arena: Arena, address: number, target: Uint8Array, at: number): void {
  const page = address >>> PAGE_UNITS_SHIFT;
  const unit = address & PAGE_UNIT_MASK;
  const length = arena.words[page]![unit * 2 + META]! & KEY_LENGTH_MASK;
  const from = unit * 8 + HEADER_BYTES;
  copy(arena.bytes[page]!, from, from + length, target, at);
}
