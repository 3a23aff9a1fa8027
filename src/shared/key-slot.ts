// Key → hash slot, exactly as Redis Cluster computes it (cluster.c keyHashSlot): CRC16 in the
// XMODEM variant (polynomial 0x1021, initial value 0), modulo 16384, over the key's bytes, or over
// the bytes between the first '{' and the first '}' after it when that span is non-empty.

import { SLOT_COUNT } from './limits.js';

const CRC16_TABLE = buildCrc16Table();

function buildCrc16Table(): Uint16Array {
  const table = new Uint16Array(256);
  for (let byte = 0; byte < 256; byte++) {
    let crc = byte << 8;
    for (let bit = 0; bit < 8; bit++) {
      crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
    }
    table[byte] = crc;
  }
  return table;
}

const SLOT_MASK = SLOT_COUNT - 1;
const BRACE_OPEN = 0x7b;
const BRACE_CLOSE = 0x7d;

/** CRC16/XMODEM of bytes[start, end). */
export function crc16(bytes: Uint8Array, start = 0, end = bytes.length): number {
  let crc = 0;
  for (let i = start; i < end; i++) {
    crc = ((crc << 8) & 0xffff) ^ CRC16_TABLE[((crc >>> 8) ^ bytes[i]!) & 0xff]!;
  }
  return crc;
}

/** Slot of the key held in bytes[start, end), hash tags included. */
export function keySlotOfBytes(bytes: Uint8Array, start = 0, end = bytes.length): number {
  let open = -1;
  for (let i = start; i < end; i++) {
    if (bytes[i] === BRACE_OPEN) {
      open = i;
      break;
    }
  }
  if (open >= 0) {
    for (let i = open + 1; i < end; i++) {
      if (bytes[i] === BRACE_CLOSE) {
        // "{}" is not a tag: Redis hashes the whole key then.
        if (i > open + 1) return crc16(bytes, open + 1, i) & SLOT_MASK;
        break;
      }
    }
  }
  return crc16(bytes, start, end) & SLOT_MASK;
}

const utf8 = new TextEncoder();

/**
 * Slot of a string key (its UTF-8 bytes). ASCII keys, the common case, are hashed from their char
 * codes without encoding them first; braces are ASCII, and UTF-8 never uses bytes below 0x80 inside
 * a multi-byte sequence, so tag positions found on char codes are the same as on bytes.
 */
export function keySlotOfString(key: string): number {
  const length = key.length;
  let crc = 0;
  let open = -1;
  let close = -1;
  for (let i = 0; i < length; i++) {
    const code = key.charCodeAt(i);
    if (code >= 0x80) return keySlotOfBytes(utf8.encode(key));
    if (open < 0) {
      if (code === BRACE_OPEN) open = i;
    } else if (close < 0 && code === BRACE_CLOSE) {
      close = i;
    }
    crc = ((crc << 8) & 0xffff) ^ CRC16_TABLE[((crc >>> 8) ^ code) & 0xff]!;
  }
  if (open >= 0 && close > open + 1) {
    crc = 0;
    for (let i = open + 1; i < close; i++) {
      crc = ((crc << 8) & 0xffff) ^ CRC16_TABLE[((crc >>> 8) ^ key.charCodeAt(i)) & 0xff]!;
    }
  }
  return crc & SLOT_MASK;
}

/** `CLUSTER KEYSLOT key` for a string (UTF-8) or binary key. */
export function keySlot(key: string | Uint8Array): number {
  return typeof key === 'string' ? keySlotOfString(key) : keySlotOfBytes(key);
}

/**
 * Slot of a key held as a one-byte string whose chars are the key's bytes (how shards keep keys).
 */
export function keySlotOfLatin1(key: string): number {
  const length = key.length;
  let open = -1;
  let close = -1;
  for (let i = 0; i < length; i++) {
    const code = key.charCodeAt(i);
    if (open < 0) {
      if (code === BRACE_OPEN) open = i;
    } else if (code === BRACE_CLOSE) {
      close = i;
      break;
    }
  }
  let from = 0;
  let to = length;
  if (open >= 0 && close > open + 1) {
    from = open + 1;
    to = close;
  }
  let crc = 0;
  for (let i = from; i < to; i++) {
    crc = ((crc << 8) & 0xffff) ^ CRC16_TABLE[((crc >>> 8) ^ key.charCodeAt(i)) & 0xff]!;
  }
  return crc & SLOT_MASK;
}
