// The byte form of each value type, as a migration batch carries it (see docs/migration.md and the
// entry layout in src/shared/peer-frames.ts). The entry around a payload holds the type byte and
// the payload's length, so a codec writes and reads only the payload itself.
//
// One codec per ValueKind, in a table indexed by kind. The table is total (every kind has an entry,
// checked by `satisfies Record<ValueKind, ValueCodec>`), so finding a codec is a plain array index
// with no missing-entry case; each collection's codec lives beside its value class.

import { writeLatin1 } from '../../src/shared/codec.js';
import type { ValueKind } from '../../src/shared/value-types.js';
import { hashCodec } from './hash-codec.js';
import { listCodec } from './list-codec.js';
import { setCodec } from './set-codec.js';
import type { StoredValue } from './value.js';
import { zsetCodec } from './zset-codec.js';

export interface ValueCodec {
  /** Bytes the payload of `value` takes. Throws for a kind that cannot be encoded yet. */
  payloadBytes(value: StoredValue): number;
  /** Writes the payload of `value` (exactly payloadBytes(value) bytes) at `at` in `buf`. */
  encode(value: StoredValue, buf: Buffer, at: number): void;
  /** The value whose payload is buf[start, end), or undefined when those bytes are not one. */
  decode(buf: Buffer, start: number, end: number): StoredValue | undefined;
}

/** A string's payload is its bytes (the chars of the one-byte string). */
const stringCodec: ValueCodec = {
  payloadBytes(value) {
    return (value as string).length;
  },
  encode(value, buf, at) {
    writeLatin1(buf, at, value as string);
  },
  decode(buf, start, end) {
    return buf.toString('latin1', start, end);
  },
};

/** The codec of each kind, indexed by ValueKind. */
export const VALUE_CODECS = [
  stringCodec,
  hashCodec,
  listCodec,
  setCodec,
  zsetCodec,
] as const satisfies Record<ValueKind, ValueCodec>;
