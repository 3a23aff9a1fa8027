// A set's byte form in a migration batch (the entry around it holds the type and the length):
//
//   offset  size  field
//   0       4     seed     the set's hash seed (u32 LE): the target rebuilds the same buckets, so
//                          an SSCAN under way keeps its guarantee across the move
//   4       4     count    members (u32 LE), at least 1: no empty set is ever stored
//   8       ...   members  count times: length (u32 LE), then the member's bytes
//
// Members go in table order. Decoding refuses anything but exactly `count` distinct members filling
// the payload to its end.

import { readU32, writeLatin1 } from '../../src/shared/codec.js';
import { SET_MEMBERS_MAX, SetValue } from './set-value.js';
import type { StoredValue } from './value.js';
import type { ValueCodec } from './value-codec.js';

const HEADER_BYTES = 8;
const LENGTH_BYTES = 4;

export const setCodec: ValueCodec = {
  payloadBytes(value) {
    let bytes = HEADER_BYTES;
    (value as SetValue).forEach((member) => {
      bytes += LENGTH_BYTES + member.length;
    });
    return bytes;
  },

  encode(value, buf, at) {
    const set = value as SetValue;
    buf.writeUInt32LE(set.seed, at);
    buf.writeUInt32LE(set.size, at + 4);
    let p = at + HEADER_BYTES;
    set.forEach((member) => {
      buf.writeUInt32LE(member.length, p);
      p += LENGTH_BYTES + writeLatin1(buf, p + LENGTH_BYTES, member);
    });
  },

  decode(buf, start, end): StoredValue | undefined {
    if (end - start < HEADER_BYTES) return undefined;
    const seed = readU32(buf, start);
    const count = readU32(buf, start + 4);
    // Each member takes at least its length field: a count the payload cannot hold is refused
    // before anything is allocated for it.
    if (count === 0 || count > SET_MEMBERS_MAX || count * LENGTH_BYTES > end - start) {
      return undefined;
    }
    const set = new SetValue(seed, count);
    let p = start + HEADER_BYTES;
    for (let i = 0; i < count; i++) {
      if (p + LENGTH_BYTES > end) return undefined;
      const length = readU32(buf, p);
      p += LENGTH_BYTES;
      if (length > end - p) return undefined;
      if (!set.add(buf.toString('latin1', p, p + length))) return undefined;
      p += length;
    }
    return p === end ? set : undefined;
  },
};
