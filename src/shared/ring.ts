// Length-prefixed frames over a single-producer single-consumer ring (ringbuf.js) in a
// SharedArrayBuffer.
//
// The producer encodes frames into a private staging buffer and pushes staged bytes to the ring in
// bulk (one push per flush, not per frame). A push may take only part of what is staged when the
// ring is nearly full; the rest stays staged and goes on the next flush, so a full ring applies
// backpressure and never loses or overwrites a byte. Because the consumer reassembles frames from
// whatever bytes arrive, a frame larger than the ring travels in pieces.
//
// Every frame starts with its total length as a little-endian Uint32 (FRAME_LENGTH_BYTES). The
// length is checked before a frame is staged and again when it is read.

import { RingBuffer } from 'ringbuf.js';

type TypedArray = Parameters<Parameters<RingBuffer['writeCallbackWithOffset']>[1]>[0];

import { FrameTooLargeError, InvariantError } from '../errors.js';
import { FRAME_BYTES_MAX } from './limits.js';

export const FRAME_LENGTH_BYTES = 4;

/** The clock push stamps read: ms, comparable with the reader's (see stampOnPush). */
export type PushClock = () => number;

/** Smallest staging or reassembly buffer; both grow to fit the largest frame they meet. */
const BUFFER_BYTES_MIN = 64 * 1024;

/** Allocates the shared storage of a ring that holds `bytes` bytes. */
export function createRingStorage(bytes: number): SharedArrayBuffer {
  return RingBuffer.getStorageForCapacity(bytes, Uint8Array);
}

function assertFrameLength(length: number, minimum: number): void {
  if (!(length >= minimum && length <= FRAME_BYTES_MAX)) {
    throw new InvariantError(
      `corrupt frame length ${length} (expected ${minimum}..${FRAME_BYTES_MAX})`,
    );
  }
}

/** The producer end of a ring. */
export class FrameWriter {
  readonly ring: RingBuffer;
  /** Staged bytes are buf[head, tail). Frames are encoded at tail. */
  buf: Buffer;
  view: DataView;
  head = 0;
  tail = 0;
  /**
   * Stamps in staged frames (profiled replies), as pairs from index `stampsFrom` on: the offset of
   * a Float64 that gets the time its bytes are pushed to the ring, and of a byte set to 1 if they
   * waited for room in it.
   */
  private stamps: number[] = [];
  private stampsFrom = 0;
  /** The last push left bytes staged: the ring was full. */
  private full = false;

  /**
   * `pushClock`, given by a writer whose frames may carry push stamps (a shard's reply rings),
   * is read once per push that carries stamps; a push without stamps never reads it.
   */
  constructor(
    storage: SharedArrayBuffer,
    private readonly pushClock: PushClock | null = null,
  ) {
    this.ring = new RingBuffer(storage, Uint8Array);
    this.buf = Buffer.allocUnsafeSlow(BUFFER_BYTES_MIN);
    this.view = new DataView(this.buf.buffer, this.buf.byteOffset, this.buf.byteLength);
  }

  get staged(): number {
    return this.tail - this.head;
  }

  /**
   * Makes room for a new frame of at least `bytes` at tail and returns tail, the frame's start. No
   * frame is open here, so staged bytes may move to the front of the buffer.
   */
  beginFrame(bytes: number): number {
    if (this.tail + bytes > this.buf.length) this.makeRoom(bytes, true);
    return this.tail;
  }

  /**
   * Makes room for `bytes` more inside the frame being built and returns tail. Offsets into the
   * buffer stay valid (the open frame's start included): the buffer only grows.
   */
  reserve(bytes: number): number {
    if (this.tail + bytes > this.buf.length) this.makeRoom(bytes, false);
    return this.tail;
  }

  /** Marks buf[tail, end) as a staged frame. Checks the length the caller wrote at its start. */
  commit(end: number): void {
    const length = end - this.tail;
    if (this.view.getUint32(this.tail, true) !== length) {
      throw new InvariantError(
        `frame header says ${this.view.getUint32(this.tail, true)} bytes, frame has ${length}`,
      );
    }
    // A frame too large for any ring reader comes from input (a request whose arguments add up to
    // more than the frame limit), not from a broken invariant: the caller gets a RangeError.
    if (length > FRAME_BYTES_MAX) throw new FrameTooLargeError(length, FRAME_BYTES_MAX);
    assertFrameLength(length, FRAME_LENGTH_BYTES);
    this.tail = end;
  }

  /** Drops an uncommitted frame's bytes; used when encoding fails half-way. */
  rollback(to: number): void {
    this.tail = to;
    while (this.stamps.length > this.stampsFrom && this.stamps[this.stamps.length - 2]! >= to)
      this.stamps.length -= 2;
  }

  /**
   * In a frame being built: sets the Float64 at `timeOffset` to the time the frame is pushed to the
   * ring (the push that carries that Float64), and the byte at `fullOffset` to 1 if it waited for
   * room in the ring.
   */
  stampOnPush(timeOffset: number, fullOffset: number): void {
    if (this.pushClock === null) throw new InvariantError('push stamps need a writer with a clock');
    this.stamps.push(timeOffset, fullOffset);
  }

  private writeStamps(end: number): void {
    const stamps = this.stamps;
    const now = this.pushClock!();
    let i = this.stampsFrom;
    for (; i < stamps.length && stamps[i]! < end; i += 2) {
      this.view.setFloat64(stamps[i]!, now, true);
      if (this.full) this.buf[stamps[i + 1]!] = 1;
    }
    if (i === stamps.length) {
      stamps.length = 0;
      this.stampsFrom = 0;
    } else {
      this.stampsFrom = i;
    }
  }

  /** Staged bytes moved `by` towards the front of the buffer. */
  private shiftStamps(by: number): void {
    for (let i = this.stampsFrom; i < this.stamps.length; i++) this.stamps[i]! -= by;
  }

  /** Pushes as many staged bytes as the ring has room for. Returns the bytes still staged. */
  flush(): number {
    const staged = this.tail - this.head;
    if (staged === 0) return 0;
    const pushed = this.ring.writeCallbackWithOffset(staged, this.copyIntoRing);
    this.head += pushed;
    this.full = pushed < staged;
    if (this.head === this.tail) {
      this.head = 0;
      this.tail = 0;
    }
    return this.tail - this.head;
  }

  // A method bound once, so a flush allocates no closure. Buffer#copy is a memmove.
  private readonly copyIntoRing = (
    storage: TypedArray,
    firstOffset: number,
    firstBytes: number,
    secondOffset: number,
    secondBytes: number,
  ): number => {
    const head = this.head;
    const target = storage as Uint8Array;
    if (this.stamps.length > 0) this.writeStamps(head + firstBytes + secondBytes);
    this.buf.copy(target, firstOffset, head, head + firstBytes);
    if (secondBytes > 0) {
      this.buf.copy(target, secondOffset, head + firstBytes, head + firstBytes + secondBytes);
    }
    return firstBytes + secondBytes;
  };

  /**
   * Moving staged bytes to the front would shift the start of an open frame, which its builder
   * still holds; so bytes move only between frames (`mayMove`). Inside a frame the buffer grows
   * and keeps every offset.
   */
  private makeRoom(bytes: number, mayMove: boolean): void {
    const staged = this.tail - this.head;
    if (mayMove && this.head > 0 && staged + bytes <= this.buf.length) {
      this.buf.copyWithin(0, this.head, this.tail);
      this.shiftStamps(this.head);
      this.head = 0;
      this.tail = staged;
      return;
    }
    const keepFrom = mayMove ? this.head : 0;
    const next = Buffer.allocUnsafeSlow(growTo(this.buf.length, this.tail - keepFrom + bytes));
    this.buf.copy(next, 0, keepFrom, this.tail);
    this.buf = next;
    this.view = new DataView(next.buffer, next.byteOffset, next.byteLength);
    this.shiftStamps(keepFrom);
    this.head -= keepFrom;
    this.tail -= keepFrom;
  }
}

/** The consumer end of a ring: reassembles frames from the bytes it pops. */
export class FrameReader {
  readonly ring: RingBuffer;
  /** Bytes popped but not yet consumed are buf[start, end). */
  buf: Buffer;
  view: DataView;
  start = 0;
  end = 0;
  private readonly frameMinimum: number;

  constructor(storage: SharedArrayBuffer, frameMinimum: number) {
    this.ring = new RingBuffer(storage, Uint8Array);
    this.buf = Buffer.allocUnsafeSlow(BUFFER_BYTES_MIN);
    this.view = new DataView(this.buf.buffer, this.buf.byteOffset, this.buf.byteLength);
    this.frameMinimum = frameMinimum;
  }

  /** Whether the ring has bytes this reader has not popped yet. */
  readable(): boolean {
    return !this.ring.empty();
  }

  /** Pops what the ring holds into the reassembly buffer. Returns the number of bytes popped. */
  fill(): number {
    if (this.start === this.end) {
      this.start = 0;
      this.end = 0;
    }
    if (this.end === this.buf.length)
      this.makeRoom(this.buf.length - this.start + BUFFER_BYTES_MIN);
    const popped = this.ring.pop(this.buf, this.buf.length - this.end, this.end);
    this.end += popped;
    return popped;
  }

  /**
   * Offset of the next complete frame, or -1 when the buffer holds only part of one (then the
   * buffer is made large enough for all of it, and the next fill() brings more).
   */
  next(): number {
    const available = this.end - this.start;
    if (available < FRAME_LENGTH_BYTES) return -1;
    const length = this.view.getUint32(this.start, true);
    assertFrameLength(length, this.frameMinimum);
    if (available < length) {
      if (this.buf.length - this.start < length) this.makeRoom(length);
      return -1;
    }
    return this.start;
  }

  /** Consumes the frame returned by next(). */
  advance(frameStart: number): void {
    this.start = frameStart + this.view.getUint32(frameStart, true);
  }

  private makeRoom(bytes: number): void {
    const held = this.end - this.start;
    if (bytes <= this.buf.length) {
      this.buf.copyWithin(0, this.start, this.end);
    } else {
      const next = Buffer.allocUnsafeSlow(growTo(this.buf.length, bytes));
      this.buf.copy(next, 0, this.start, this.end);
      this.buf = next;
      this.view = new DataView(next.buffer, next.byteOffset, next.byteLength);
    }
    this.start = 0;
    this.end = held;
  }
}

/**
 * The size a staging or reassembly buffer of `current` bytes grows to when it must hold `needed`:
 * doubled as often as needed, so many small reserves cost few reallocations. A need within one
 * frame's bound is capped there (a frame near the limit does not take twice its size); a larger
 * need (several frames staged behind a full ring) keeps growing geometrically, never by exactly
 * the bytes asked for, which would copy the whole buffer for every small reserve.
 */
export function growTo(current: number, needed: number): number {
  let size = Math.max(current, BUFFER_BYTES_MIN);
  while (size < needed) size *= 2;
  const cap = FRAME_BYTES_MAX + FRAME_LENGTH_BYTES;
  return needed <= cap ? Math.min(size, cap) : size;
}
