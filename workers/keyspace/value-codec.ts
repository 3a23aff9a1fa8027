// The byte form of each value type, as a migration batch carries it (see docs/migration.md and the
// entry layout in src/shared/peer-frames.ts). The entry around a payload holds the type byte and
// the payload's length, so a codec writes and reads only the payload itself.
//
// One codec per ValueKind, in a table indexed by kind. The table is total (every kind has an entry,
// checked by `satisfies Record<ValueKind, ValueCodec>`): the kinds not implemented yet have a codec
// that refuses them, so that the day a type lands the compiler points at the entry to replace, and
// finding a codec stays a plain array index with no missing-entry case for a kind that exists.

import { InvariantError } from '../../src/errors.js';
import { writeLatin1 } from '../../src/shared/codec.js';
import { VALUE_TYPE_NAMES, ValueKind } from '../../src/shared/value-types.js';
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

/**
 * The codec of a kind that has no byte form yet. Encoding throws: no command creates such a value
 * yet, so meeting one is a bug, and it must not travel in a form a receiver cannot read. Decoding
 * reports the payload as unreadable, which refuses the batch it came in.
 */
function notSupportedYet(kind: ValueKind): ValueCodec {
  const fail = (): never => {
    throw new InvariantError(`encoding a ${VALUE_TYPE_NAMES[kind]} value is not supported yet`);
  };
  return { payloadBytes: fail, encode: fail, decode: () => undefined };
}

/** The codec of each kind, indexed by ValueKind. */
export const VALUE_CODECS = [
  stringCodec,
  notSupportedYet(ValueKind.Hash),
  notSupportedYet(ValueKind.List),
  notSupportedYet(ValueKind.Set),
  zsetCodec,
] as const satisfies Record<ValueKind, ValueCodec>;
