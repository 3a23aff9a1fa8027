// The byte form of a list in a migration batch (value-codec.ts holds the table of codecs):
//
//   0  u32  element count (at least 1: no empty list is ever stored)
//   4  ...  each element, head first: u32 length, then its bytes
//
// Decoding checks every length against the payload's end, so bytes that are not a list payload
// (a truncated or corrupt batch) are refused rather than read past.

import { readU32, writeLatin1 } from '../../src/shared/codec.js';
import { ListValue } from './list-value.js';
import type { StoredValue } from './value.js';
import type { ValueCodec } from './value-codec.js';

const COUNT_BYTES = 4;
const LENGTH_BYTES = 4;

export const listCodec: ValueCodec = {
  payloadBytes(value: StoredValue): number {
    const list = value as ListValue;
    let bytes = COUNT_BYTES;
    for (let i = 0; i < list.size; i++) bytes += LENGTH_BYTES + list.at(i).length;
    return bytes;
  },

  encode(value: StoredValue, buf: Buffer, at: number): void {
    const list = value as ListValue;
    buf.writeUInt32LE(list.size, at);
    let offset = at + COUNT_BYTES;
    for (let i = 0; i < list.size; i++) {
      const element = list.at(i);
      buf.writeUInt32LE(element.length, offset);
      offset += LENGTH_BYTES + writeLatin1(buf, offset + LENGTH_BYTES, element);
    }
  },

  decode(buf: Buffer, start: number, end: number): StoredValue | undefined {
    if (end - start < COUNT_BYTES) return undefined;
    const count = readU32(buf, start);
    // Each element takes at least its length field: a count the payload cannot hold is refused
    // before a ring of that size is allocated.
    if (count === 0 || count > (end - start - COUNT_BYTES) / LENGTH_BYTES) return undefined;
    const list = new ListValue(count);
    let offset = start + COUNT_BYTES;
    for (let i = 0; i < count; i++) {
      if (end - offset < LENGTH_BYTES) return undefined;
      const length = readU32(buf, offset);
      offset += LENGTH_BYTES;
      if (length > end - offset) return undefined;
      list.push(false, buf.toString('latin1', offset, offset + length));
      offset += length;
    }
    return offset === end ? list : undefined;
  },
};
