// Where an entry's fields sit in its arena block (arena.ts), and the hash its key is filed under.
//
// An entry, at the start of its block (u = its address's unit in the page, 8 bytes each):
//
//   words[2u]      next    address of the next entry of the slot, in insertion order (0: last)
//   words[2u + 1]  prev    address of the previous entry of the slot (0: first)
//   words[2u + 2]  meta    bits 0-23 the key's length; bits 24-31 flags (HEAP_VALUE, HEAP_KEY)
//   words[2u + 3]  value   the string value's length, or with HEAP_VALUE a handle (heap.ts)
//   floats[u + 2]  deadline, Unix ms; 0 for none
//   bytes[8u + 24] the key's bytes, then the string value's bytes
//
// Keys and string values are one-byte JS strings whose chars are the bytes, so a char is copied
// as a byte either way. A string value longer than VALUE_INLINE_MAX_BYTES, and any collection,
// stays a JS object reached through a handle: a large string costs the collector one object
// whatever its length, and a collection is changed in place by its commands. A key longer than
// KEY_INLINE_MAX_BYTES is kept the same way (HEAP_KEY: the block is the header alone, the key and
// value both behind the handle).

import { InvariantError } from '../../../src/errors.js';
import { BLOCK_UNITS_MAX } from './arena.js';

export const NEXT = 0;
export const PREV = 1;
export const META = 2;
export const VALUE = 3;
/** The deadline's index in floats, from the entry's unit. */
export const DEADLINE_FLOAT = 2;
export const HEADER_UNITS = 3;
export const HEADER_BYTES = HEADER_UNITS * 8;

export const KEY_LENGTH_MASK = 0xffffff;
/** The value is behind a handle: a collection, or a string longer than VALUE_INLINE_MAX_BYTES. */
export const HEAP_VALUE = 1 << 24;
/** The key is behind the handle too (longer than KEY_INLINE_MAX_BYTES). */
export const HEAP_KEY = 1 << 25;

/** Keys up to this long are kept in the arena: every realistic key. */
export const KEY_INLINE_MAX_BYTES = 1024;
/** String values up to this long are kept in the arena. */
export const VALUE_INLINE_MAX_BYTES = 8192;

if (
  HEADER_UNITS + Math.ceil((KEY_INLINE_MAX_BYTES + VALUE_INLINE_MAX_BYTES) / 8) >
  BLOCK_UNITS_MAX
) {
  throw new InvariantError('an inline entry must fit in an arena block');
}

/** Units of an entry whose key (inline) and inline value have these lengths. */
export function entryUnits(keyBytes: number, valueBytes: number): number {
  return HEADER_UNITS + ((keyBytes + valueBytes + 7) >>> 3);
}

/**
 * FNV-1a's starting value, mixed with a random number per shard (each worker loads this module
 * anew): as V8 seeds its string hashes, so that nobody who picks key names can make them collide
 * in an index on purpose and turn every lookup into a walk (hash flooding).
 */
const HASH_BASIS = (0x811c9dc5 ^ Math.floor(Math.random() * 2 ** 32)) >>> 0;

/**
 * The hash a key is filed under in its slot's index: FNV-1a over its bytes from a seeded basis,
 * then MurmurHash3's finalizer, so that the low bits the index uses mix every byte.
 */
export function hashKey(key: string): number {
  let hash = HASH_BASIS;
  for (let i = 0; i < key.length; i++) hash = Math.imul(hash ^ key.charCodeAt(i), 0x01000193);
  return finish(hash);
}

/** hashKey() of the key whose bytes are source[start, end). */
export function hashKeyBytes(source: Uint8Array, start: number, end: number): number {
  let hash = HASH_BASIS;
  for (let i = start; i < end; i++) hash = Math.imul(hash ^ source[i]!, 0x01000193);
  return finish(hash);
}

function finish(fnv: number): number {
  let hash = fnv ^ (fnv >>> 16);
  hash = Math.imul(hash, 0x85ebca6b);
  hash ^= hash >>> 13;
  hash = Math.imul(hash, 0xc2b2ae35);
  hash ^= hash >>> 16;
  return hash >>> 0;
}
