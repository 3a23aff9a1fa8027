// Binary frames for requests and replies. Both sides import this module and nothing else about
// the wire format, so the layout is written down once.
//
// Request frame (client → shard, and shard → shard when a request is forwarded):
//
//   0  u32  frame length in bytes, header included
//   4  u32  request id (the client's pending-table index and generation)
//   8  u16  slot the request addresses, NO_SLOT for keyless commands
//   10 u8   opcode (src/commands/table.ts)
//   11 u8   flags (RequestFlag)
//   12 u32  argument count, command name excluded
//   16 u16  client thread that waits for the reply (its seat)
//   18 u16  the seat's generation, low 16 bits: a frame of an earlier holder of the seat that
//           runs late (it waited in a migration) is not answered into the new holder's rings
//   20 ...  (with RequestFlag.Timed: a 32-byte timing block, see timing-layout.ts)
//      ...  arguments: u32 length, then the bytes
//
// Reply frame (shard → client):
//
//   0  u32  frame length in bytes
//   4  u32  request id
//   8  u32  meta: ReplyMeta.Timed when a 48-byte timing block follows (timing-layout.ts)
//   12 ...  one value: u8 type, then its payload
//
// Values: NIL (no payload); STATUS, ERROR and BULK (u32 length, bytes); INT (f64, an integer);
// ARRAY (u32 count, then that many values).

import {
  ArgumentCountError,
  ArgumentTypeError,
  InvariantError,
  ValueTooLargeError,
} from '../errors.js';
import { ARGS_MAX, VALUE_BYTES_MAX } from './limits.js';
import type { FrameWriter } from './ring.js';

export const REQ_ID = 4;
export const REQ_SLOT = 8;
export const REQ_OP = 10;
export const REQ_FLAGS = 11;
export const REQ_ARGC = 12;
export const REQ_CLIENT = 16;
export const REQ_SEAT_GENERATION = 18;
/** The bits of a seat's generation a request frame carries. */
export const SEAT_GENERATION_MASK = 0xffff;
export const REQ_HEADER_BYTES = 20;

export const REP_ID = 4;
export const REP_META = 8;
export const REP_HEADER_BYTES = 12;

export const NO_SLOT = 0xffff;

export const RequestFlag = {
  /** The request was forwarded by the shard that owned its slot (the ASK rule). */
  Forwarded: 1,
  /** A profile runs: a timing block (timing-layout.ts) follows the header, before the arguments. */
  Timed: 2,
} as const;

export const ValueType = { Nil: 0, Status: 1, Error: 2, Int: 3, Bulk: 4, Array: 5 } as const;

/** A little-endian Uint32 at buf[at], for frames held in a Buffer without a DataView at hand. */
export function readU32(buf: Buffer, at: number): number {
  return (buf[at]! | (buf[at + 1]! << 8) | (buf[at + 2]! << 16)) + buf[at + 3]! * 0x1000000;
}

export function readU16(buf: Buffer, at: number): number {
  return buf[at]! | (buf[at + 1]! << 8);
}

/** Bytes a string can take in UTF-8, at most. */
function utf8BytesMax(s: string): number {
  return s.length * 3;
}

/** Strings shorter than this are copied char by char when they are ASCII; longer go to C++. */
const SHORT_STRING_CHARS = 48;

/**
 * Writes `s` as UTF-8 at buf[offset] and returns the bytes written. The caller reserved
 * utf8BytesMax(s) bytes.
 */
export function writeUtf8(buf: Buffer, offset: number, s: string): number {
  const length = s.length;
  if (length <= SHORT_STRING_CHARS) {
    let i = 0;
    for (; i < length; i++) {
      const code = s.charCodeAt(i);
      if (code >= 0x80) break;
      buf[offset + i] = code;
    }
    if (i === length) return length;
  }
  return buf.write(s, offset, 'utf8');
}

/** Writes a one-byte string (every char < 256) as its bytes, as a shard stores values. */
export function writeLatin1(buf: Buffer, offset: number, s: string): number {
  const length = s.length;
  if (length <= SHORT_STRING_CHARS) {
    for (let i = 0; i < length; i++) buf[offset + i] = s.charCodeAt(i);
    return length;
  }
  return buf.write(s, offset, length, 'latin1');
}

/** An argument as callers give it: text (sent as UTF-8), bytes, or a number (sent as text). */
export type Argument = string | Buffer | Uint8Array | number;

// ---- requests -----------------------------------------------------------------------------

/** Starts a request frame at the writer's tail; returns the frame's start. */
export function beginRequest(
  w: FrameWriter,
  id: number,
  slot: number,
  op: number,
  argc: number,
  client: number,
  flags = 0,
  seatGeneration = 0,
): number {
  const start = w.beginFrame(REQ_HEADER_BYTES);
  const view = w.view;
  view.setUint32(start + REQ_ID, id, true);
  view.setUint16(start + REQ_SLOT, slot, true);
  view.setUint8(start + REQ_OP, op);
  view.setUint8(start + REQ_FLAGS, flags);
  view.setUint32(start + REQ_ARGC, argc, true);
  view.setUint16(start + REQ_CLIENT, client, true);
  view.setUint16(start + REQ_SEAT_GENERATION, seatGeneration & SEAT_GENERATION_MASK, true);
  w.tail = start + REQ_HEADER_BYTES;
  return start;
}

/** Appends one argument to the frame being built. Throws a RangeError for an oversized value. */
export function putArgument(w: FrameWriter, arg: Argument): void {
  if (typeof arg === 'string') {
    const at = w.reserve(4 + utf8BytesMax(arg));
    const written = writeUtf8(w.buf, at + 4, arg);
    checkValueBytes(written);
    w.view.setUint32(at, written, true);
    w.tail = at + 4 + written;
  } else if (typeof arg === 'number') {
    putArgument(w, numberArgument(arg));
  } else if (arg instanceof Uint8Array) {
    const bytes = arg.byteLength;
    checkValueBytes(bytes);
    const at = w.reserve(4 + bytes);
    w.view.setUint32(at, bytes, true);
    w.buf.set(arg, at + 4);
    w.tail = at + 4 + bytes;
  } else {
    throw argumentTypeError(arg);
  }
}

export function argumentTypeError(arg: unknown): TypeError {
  return new ArgumentTypeError(arg);
}

/**
 * Throws what putArgument would throw for `arg`, without encoding it; lets a command that sends
 * several frames refuse bad input before it sends any of them.
 */
export function checkArgument(arg: unknown): void {
  if (typeof arg === 'string') {
    if (arg.length * 3 > VALUE_BYTES_MAX) checkValueBytes(Buffer.byteLength(arg));
  } else if (arg instanceof Uint8Array) {
    checkValueBytes(arg.byteLength);
  } else if (typeof arg !== 'number') {
    throw argumentTypeError(arg);
  }
}

/** Throws ArgumentCountError when `count` arguments are more than one frame may carry. */
export function checkArgumentCount(count: number): void {
  if (count > ARGS_MAX) throw new ArgumentCountError(count, ARGS_MAX);
}

/** Closes the frame begun at `start`: writes its length and stages it. */
export function endFrame(w: FrameWriter, start: number): void {
  w.view.setUint32(start, w.tail - start, true);
  const end = w.tail;
  w.tail = start;
  w.commit(end);
}

function checkValueBytes(bytes: number): void {
  if (bytes > VALUE_BYTES_MAX) {
    throw new ValueTooLargeError(bytes, VALUE_BYTES_MAX);
  }
}

/** Numbers travel as Redis would print them; integers without exponent. */
export function numberArgument(n: number): string {
  if (Number.isInteger(n) && Math.abs(n) >= 1e21) return BigInt(n).toString();
  return String(n);
}

// ---- replies ------------------------------------------------------------------------------

export function beginReply(w: FrameWriter, id: number): number {
  const start = w.beginFrame(REP_HEADER_BYTES);
  w.view.setUint32(start + REP_ID, id, true);
  w.view.setUint32(start + REP_META, 0, true);
  w.tail = start + REP_HEADER_BYTES;
  return start;
}

export function putNil(w: FrameWriter): void {
  const at = w.reserve(1);
  w.buf[at] = ValueType.Nil;
  w.tail = at + 1;
}

export function putInt(w: FrameWriter, n: number): void {
  const at = w.reserve(9);
  w.buf[at] = ValueType.Int;
  w.view.setFloat64(at + 1, n, true);
  w.tail = at + 9;
}

/** A bulk string held as a one-byte string (how shards keep keys and values). */
export function putBulkLatin1(w: FrameWriter, s: string): void {
  const at = w.reserve(5 + s.length);
  w.buf[at] = ValueType.Bulk;
  w.view.setUint32(at + 1, s.length, true);
  writeLatin1(w.buf, at + 5, s);
  w.tail = at + 5 + s.length;
}

/** A status (`+OK`) or error (`-ERR ...`) line; ASCII text. */
export function putLine(w: FrameWriter, type: number, text: string): void {
  const at = w.reserve(5 + utf8BytesMax(text));
  const written = writeUtf8(w.buf, at + 5, text);
  w.buf[at] = type;
  w.view.setUint32(at + 1, written, true);
  w.tail = at + 5 + written;
}

export function putArrayHeader(w: FrameWriter, count: number): void {
  const at = w.reserve(5);
  w.buf[at] = ValueType.Array;
  w.view.setUint32(at + 1, count, true);
  w.tail = at + 5;
}

/** Offset just past the value that starts at `at`. */
export function skipValue(view: DataView, at: number): number {
  const type = view.getUint8(at);
  switch (type) {
    case ValueType.Nil:
      return at + 1;
    case ValueType.Int:
      return at + 9;
    case ValueType.Status:
    case ValueType.Error:
    case ValueType.Bulk:
      return at + 5 + view.getUint32(at + 1, true);
    case ValueType.Array: {
      const count = view.getUint32(at + 1, true);
      let next = at + 5;
      for (let i = 0; i < count; i++) next = skipValue(view, next);
      return next;
    }
    default:
      throw new InvariantError(`corrupt reply value type ${type} at ${at}`);
  }
}
