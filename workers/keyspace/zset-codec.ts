// The byte form of a sorted set in a migration batch (value-codec.ts has the table of codecs):
//
//   0  u8   flags: 1 when the set is compact (Redis's listpack, see zset-value.ts)
//   1  u32  member count
//   5  ...  each member in order (ascending score, then member bytes):
//           f64 score, u32 length, the member's bytes
//
// Numbers are little-endian. The members travel in order, so the receiver builds its tree at once
// (ZSetValue.fromSorted). A payload that is not exactly this (short, long, a NaN score, members out
// of order or repeated, a compact set too big to be one) decodes to undefined.

import { writeLatin1 } from '../../src/shared/codec.js';
import type { ValueCodec } from './value-codec.js';
import { ZSetValue } from './zset-value.js';

const HEADER_BYTES = 5;
/** Per member: its score and its length. */
const MEMBER_OVERHEAD_BYTES = 12;
const FLAG_COMPACT = 1;

export const zsetCodec: ValueCodec = {
  payloadBytes(value) {
    const zset = value as ZSetValue;
    let bytes = HEADER_BYTES + zset.size * MEMBER_OVERHEAD_BYTES;
    zset.walk(0, zset.size, false, (member) => {
      bytes += member.length;
    });
    return bytes;
  },

  encode(value, buf, at) {
    const zset = value as ZSetValue;
    buf[at] = zset.compact ? FLAG_COMPACT : 0;
    buf.writeUInt32LE(zset.size, at + 1);
    let offset = at + HEADER_BYTES;
    zset.walk(0, zset.size, false, (member, score) => {
      buf.writeDoubleLE(score, offset);
      buf.writeUInt32LE(member.length, offset + 8);
      offset += MEMBER_OVERHEAD_BYTES + writeLatin1(buf, offset + MEMBER_OVERHEAD_BYTES, member);
    });
  },

  decode(buf, start, end) {
    if (end - start < HEADER_BYTES || buf[start]! > FLAG_COMPACT) return undefined;
    const compact = buf[start] === FLAG_COMPACT;
    const count = buf.readUInt32LE(start + 1);
    if (count === 0 || count > (end - start - HEADER_BYTES) / MEMBER_OVERHEAD_BYTES)
      return undefined;
    const members: string[] = [];
    const scores = new Float64Array(count);
    let offset = start + HEADER_BYTES;
    for (let i = 0; i < count; i++) {
      if (offset + MEMBER_OVERHEAD_BYTES > end) return undefined;
      const score = buf.readDoubleLE(offset);
      const length = buf.readUInt32LE(offset + 8);
      offset += MEMBER_OVERHEAD_BYTES;
      if (Number.isNaN(score) || offset + length > end) return undefined;
      const member = buf.toString('latin1', offset, offset + length);
      offset += length;
      if (i > 0 && !inOrder(scores[i - 1]!, members[i - 1]!, score, member)) return undefined;
      if (compact && !ZSetValue.fitsCompact(i + 1, member)) return undefined;
      scores[i] = score;
      members.push(member);
    }
    if (offset !== end) return undefined;
    return ZSetValue.fromSorted(members, scores, compact);
  },
};

/** Whether (score, member) comes strictly after (previousScore, previous). */
function inOrder(previousScore: number, previous: string, score: number, member: string): boolean {
  return previousScore < score || (previousScore === score && previous < member);
}
