// The PIECE frame (layout in src/shared/peer-frames.ts): a bounded part of one big collection on its
// way to another shard. The sender opens a frame with the key, writes operations through an
// OpWriter until the piece is full, then seals it with its flags, deadline and member count and an
// XXH64 of everything after the fixed header. The receiver checks the checksum before it reads an
// operation, and reads them through an OpReader, which never reads past the frame.

import xxhash from 'xxhash-wasm';
import { writeLatin1 } from '../../../src/shared/codec.js';
import {
  PEER_KIND,
  PEER_MIGRATION,
  PEER_SLOT,
  PeerFrame,
  PIECE_CHECKSUM,
  PIECE_DEADLINE,
  PIECE_FLAGS,
  PIECE_HEADER_BYTES,
  PIECE_KEY,
  PIECE_MEMBERS,
  PIECE_NUMBER,
  PIECE_OPS,
  PIECE_SEALED_FROM,
  PIECE_SEED,
  PIECE_VALUE_KIND,
} from '../../../src/shared/peer-frames.js';
import type { FrameWriter } from '../../../src/shared/ring.js';
import type { CollectionKind } from '../../keyspace/value.js';

const { h64Raw } = await xxhash();

/** Bytes of an operation's code. */
export const OP_CODE_BYTES = 1;
/** Bytes of a length or count operand. */
export const U32_BYTES = 4;
/** Bytes of a score operand. */
export const F64_BYTES = 8;

/** Writes the operations of the piece being built, straight into the ring's staging buffer. */
export class OpWriter {
  /** Operations written. */
  ops = 0;
  /** Where the operations start in the writer's buffer. */
  private readonly from: number;

  constructor(readonly w: FrameWriter) {
    this.from = w.tail;
  }

  /** Bytes of operations written so far. */
  get bytes(): number {
    return this.w.tail - this.from;
  }

  /**
   * Opens an operation of `code` whose operands take `operandBytes`, and returns where they go. The
   * room is reserved first, so the buffer cannot move while the caller writes them.
   */
  op(code: number, operandBytes: number): number {
    const w = this.w;
    const at = w.reserve(OP_CODE_BYTES + operandBytes);
    w.buf[at] = code;
    w.tail = at + OP_CODE_BYTES + operandBytes;
    this.ops++;
    return at + OP_CODE_BYTES;
  }

  u32(at: number, value: number): number {
    this.w.view.setUint32(at, value, true);
    return at + U32_BYTES;
  }

  f64(at: number, value: number): number {
    this.w.view.setFloat64(at, value, true);
    return at + F64_BYTES;
  }

  /** A length-prefixed text: its length, then its bytes (the chars of a one-byte string). */
  text(at: number, text: string): number {
    this.w.view.setUint32(at, text.length, true);
    return at + U32_BYTES + writeLatin1(this.w.buf, at + U32_BYTES, text);
  }
}

/** Bytes a length-prefixed text takes. */
export function textBytes(text: string): number {
  return U32_BYTES + text.length;
}

/**
 * Reads operations within [p, end). A read that would pass the end returns a zero value and sets
 * `bad`; the caller checks it after each operation, and a piece with a bad operation is refused.
 */
export class OpReader {
  bad = false;

  constructor(
    private readonly buf: Buffer,
    private readonly view: DataView,
    public p: number,
    readonly end: number,
  ) {}

  get done(): boolean {
    return this.p >= this.end;
  }

  code(): number {
    if (this.p + OP_CODE_BYTES > this.end) return this.fail(0);
    return this.buf[this.p++]!;
  }

  u32(): number {
    if (this.p + U32_BYTES > this.end) return this.fail(0);
    const value = this.view.getUint32(this.p, true);
    this.p += U32_BYTES;
    return value;
  }

  f64(): number {
    if (this.p + F64_BYTES > this.end) return this.fail(0);
    const value = this.view.getFloat64(this.p, true);
    this.p += F64_BYTES;
    return value;
  }

  text(): string {
    const length = this.u32();
    if (this.bad || length > this.end - this.p) return this.fail('');
    const text = this.buf.toString('latin1', this.p, this.p + length);
    this.p += length;
    return text;
  }

  private fail<T>(value: T): T {
    this.bad = true;
    this.p = this.end;
    return value;
  }
}

/** What a PIECE's header says. */
export interface PieceHeader {
  readonly flags: number;
  readonly slot: number;
  readonly migration: number;
  readonly number: number;
  readonly ops: number;
  readonly kind: number;
  readonly deadline: number;
  readonly seed: number;
  readonly members: number;
  readonly key: string;
  /** Where the operations start and the frame ends (buffer offsets). */
  readonly opsFrom: number;
  readonly end: number;
}

/**
 * Opens a PIECE for `key` in `slot`; the operations follow (write them through an OpWriter made
 * now), then sealPiece. Returns the frame's start.
 */
export function beginPiece(
  w: FrameWriter,
  slot: number,
  migration: number,
  number: number,
  kind: CollectionKind,
  key: string,
): number {
  const start = w.beginFrame(PIECE_HEADER_BYTES + key.length);
  const view = w.view;
  view.setUint8(start + PEER_KIND, PeerFrame.Piece);
  view.setUint8(start + PIECE_FLAGS, 0);
  view.setUint16(start + PEER_SLOT, slot, true);
  view.setUint32(start + PEER_MIGRATION, migration, true);
  view.setUint32(start + PIECE_NUMBER, number, true);
  view.setUint32(start + PIECE_VALUE_KIND, kind, true);
  view.setUint32(start + PIECE_KEY, key.length, true);
  writeLatin1(w.buf, start + PIECE_HEADER_BYTES, key);
  w.tail = start + PIECE_HEADER_BYTES + key.length;
  return start;
}

/** Writes the flags, deadline, seed, member and operation counts and the checksum; stages it. */
export function sealPiece(
  w: FrameWriter,
  start: number,
  flags: number,
  deadline: number,
  seed: number,
  members: number,
  ops: number,
): number {
  const view = w.view;
  const bytes = w.tail - start;
  view.setUint32(start, bytes, true);
  view.setUint8(start + PIECE_FLAGS, flags);
  view.setUint32(start + PIECE_OPS, ops, true);
  view.setFloat64(start + PIECE_DEADLINE, deadline, true);
  view.setUint32(start + PIECE_SEED, seed, true);
  view.setUint32(start + PIECE_MEMBERS, members, true);
  const sealed = w.buf.subarray(start + PIECE_SEALED_FROM, w.tail);
  view.setBigUint64(start + PIECE_CHECKSUM, h64Raw(sealed), true);
  const end = w.tail;
  w.tail = start;
  w.commit(end);
  return bytes;
}

/**
 * Reads a PIECE's header after checking its checksum and that its key lies within the frame.
 * Returns why it is refused instead when either fails.
 */
export function readPiece(buf: Buffer, view: DataView, at: number): PieceHeader | string {
  const length = view.getUint32(at, true);
  const end = at + length;
  if (length < PIECE_HEADER_BYTES) return `piece of ${length} bytes`;
  const checksum = view.getBigUint64(at + PIECE_CHECKSUM, true);
  if (h64Raw(buf.subarray(at + PIECE_SEALED_FROM, end)) !== checksum) return 'checksum mismatch';
  const keyBytes = view.getUint32(at + PIECE_KEY, true);
  const opsFrom = at + PIECE_HEADER_BYTES + keyBytes;
  if (opsFrom > end) return 'piece key runs past the frame';
  return {
    flags: buf[at + PIECE_FLAGS]!,
    slot: view.getUint16(at + PEER_SLOT, true),
    migration: view.getUint32(at + PEER_MIGRATION, true),
    number: view.getUint32(at + PIECE_NUMBER, true),
    ops: view.getUint32(at + PIECE_OPS, true),
    kind: buf[at + PIECE_VALUE_KIND]!,
    deadline: view.getFloat64(at + PIECE_DEADLINE, true),
    seed: view.getUint32(at + PIECE_SEED, true),
    members: view.getUint32(at + PIECE_MEMBERS, true),
    key: buf.toString('latin1', at + PIECE_HEADER_BYTES, opsFrom),
    opsFrom,
    end,
  };
}
