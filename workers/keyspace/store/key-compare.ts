// Whether an arena entry is the key looked for, given as a string or as the bytes of a request
// (GET's path, which makes no string). A key kept behind a handle (HEAP_KEY) is compared with its
// JS string; an inline one byte by byte.

import type { Arena } from './arena.js';
import { PAGE_UNIT_MASK, PAGE_UNITS_SHIFT } from './arena.js';
import { HEADER_BYTES, HEAP_KEY, KEY_LENGTH_MASK, META, VALUE } from './entry-layout.js';
import type { HeapHandles } from './heap-handles.js';

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
