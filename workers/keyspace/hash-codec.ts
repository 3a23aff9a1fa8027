// The byte form of a hash in a migration batch (value-codec.ts): the pairs in position order, so
// that the copy a target builds has the same fields at the same positions and an HSCAN begun on
// the source goes on correctly on the target.
//
//   offset  bytes  field
//   0       4      pair count N (u32, little-endian), at least 1: no empty hash is ever stored
//   4       ...    N pairs: field length (u32), field bytes, value length (u32), value bytes
//
// Decoding rebuilds the hash by setting the pairs in order, so the form (small or large) follows
// the same rule as for a hash built by commands. Like Redis loading an RDB file, a large hash that
// shrank below the small limits comes back small; an HSCAN cursor stays valid either way (a small
// hash answers any cursor with all its fields).

import { HashValue } from './hash-value.js';
import type { ValueCodec } from './value-codec.js';

/** Bytes of the pair count and of each length prefix. */
const COUNT_BYTES = 4;
const LENGTH_BYTES = 4;

function payloadBytes(hash: HashValue): number {
  let bytes = COUNT_BYTES;
  for (let i = 0; i < hash.size; i++) {
    bytes += 2 * LENGTH_BYTES + hash.fieldAt(i).length + hash.valueAt(i).length;
  }
  return bytes;
}

function writeText(buf: Buffer, at: number, text: string): number {
  buf.writeUInt32LE(text.length, at);
  buf.write(text, at + LENGTH_BYTES, text.length, 'latin1');
  return at + LENGTH_BYTES + text.length;
}

function encode(hash: HashValue, buf: Buffer, at: number): void {
  buf.writeUInt32LE(hash.size, at);
  let p = at + COUNT_BYTES;
  for (let i = 0; i < hash.size; i++) {
    p = writeText(buf, p, hash.fieldAt(i));
    p = writeText(buf, p, hash.valueAt(i));
  }
}

/** The hash whose payload is buf[start, end), or undefined when those bytes are not one. */
function decode(buf: Buffer, start: number, end: number): HashValue | undefined {
  if (end - start < COUNT_BYTES) return undefined;
  const count = buf.readUInt32LE(start);
  // Each pair takes at least its two length prefixes: a count beyond that is not a hash.
  if (count === 0 || count > (end - start - COUNT_BYTES) / (2 * LENGTH_BYTES)) return undefined;
  const hash = new HashValue();
  let p = start + COUNT_BYTES;
  for (let i = 0; i < count; i++) {
    if (p + LENGTH_BYTES > end) return undefined;
    const fieldEnd = p + LENGTH_BYTES + buf.readUInt32LE(p);
    if (fieldEnd + LENGTH_BYTES > end) return undefined;
    const valueEnd = fieldEnd + LENGTH_BYTES + buf.readUInt32LE(fieldEnd);
    if (valueEnd > end) return undefined;
    const field = buf.toString('latin1', p + LENGTH_BYTES, fieldEnd);
    const value = buf.toString('latin1', fieldEnd + LENGTH_BYTES, valueEnd);
    // A field twice is not a hash any command could have built.
    if (!hash.set(field, value)) return undefined;
    p = valueEnd;
  }
  return p === end ? hash : undefined;
}

export const hashCodec: ValueCodec = {
  payloadBytes: (value) => payloadBytes(value as HashValue),
  encode: (value, buf, at) => encode(value as HashValue, buf, at),
  decode,
};
