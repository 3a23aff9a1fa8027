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

/**
 * Copies between two buffers run about seven times faster (0.04 against 0.29 ns a byte, measured
 * on the 2-core test machine, Node 20) when source and target offsets agree modulo 8: V8 then
 * copies words, otherwise bytes. The rings keep their ends so aligned: a writer stages its bytes
 * at the ring's write offset modulo this, and a reader pops into its buffer at the ring's read
 * offset modulo this, each time its buffer starts over or moves its bytes. A wrap of a ring whose
 * storage (one more than it holds) is not a multiple of this shifts them until then.
 */
const COPY_ALIGNMENT = 8;

/** The offset in [0, COPY_ALIGNMENT) congruent to `offset`. */
function aligned(offset: number): number {
  return offset & (COPY_ALIGNMENT - 1);
}

/** Allocates the shared storage of a ring that holds `bytes` bytes. */
export function createRingStorage(bytes: number): SharedArrayBuffer {
  return RingBuffer.getStorageForCapacity(bytes, Uint8Array);
}

/** The ring's write and read offsets (ringbuf.js keeps them in the storage's first 8 bytes). */
const WRITE_INDEX = 0;
const READ_INDEX = 1;
/** Where the ring's bytes start in its storage. */
const RING_DATA_OFFSET = 8;

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
  /** The ring's offsets (WRITE_INDEX, READ_INDEX), read to stage bytes aligned with it. */
  private readonly indexes: Uint32Array;

  /**
   * `pushClock`, given by a writer whose frames may carry push stamps (a shard's reply rings),
   * is read once per push that carries stamps; a push without stamps never reads it.
   */
  constructor(
    storage: SharedArrayBuffer,
    private readonly pushClock: PushClock | null = null,
  ) {
    this.ring = new RingBuffer(storage, Uint8Array);
    this.indexes = new Uint32Array(storage, 0, 2);
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
      // Staging starts over where the next push copies word by word (COPY_ALIGNMENT).
      const at = aligned(Atomics.load(this.indexes, WRITE_INDEX));
      this.head = at;
      this.tail = at;
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
    // Moved bytes go where the next push copies them word by word.
    const to = aligned(Atomics.load(this.indexes, WRITE_INDEX));
    if (mayMove && this.head !== to && to + staged + bytes <= this.buf.length) {
      this.buf.copyWithin(to, this.head, this.tail);
      this.shiftStamps(this.head - to);
      this.head = to;
      this.tail = to + staged;
      return;
    }
    // Inside a frame every byte stays where it is; between frames the staged ones go to `to`.
    const from = mayMove ? this.head : 0;
    const at = mayMove ? to : 0;
    const next = Buffer.allocUnsafeSlow(growTo(this.buf.length, at + this.tail - from + bytes));
    this.buf.copy(next, at, from, this.tail);
    this.buf = next;
    this.view = new DataView(next.buffer, next.byteOffset, next.byteLength);
    this.shiftStamps(from - at);
    this.head -= from - at;
    this.tail -= from - at;
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
  /**
   * The ring's offsets and bytes, as ringbuf.js lays them out in `storage`: fill() pops with one
   * copy per part, where RingBuffer#pop copies byte by byte in JavaScript whenever the target
   * offset is not 0 (about 1 ns a byte: a third of a migration target's time with 64 KiB values).
   */
  private readonly indexes: Uint32Array;
  private readonly bytes: Buffer;

  constructor(storage: SharedArrayBuffer, frameMinimum: number) {
    this.ring = new RingBuffer(storage, Uint8Array);
    this.indexes = new Uint32Array(storage, 0, 2);
    this.bytes = Buffer.from(storage, RING_DATA_OFFSET, storage.byteLength - RING_DATA_OFFSET);
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
      // Popped bytes go where they copy word by word (COPY_ALIGNMENT).
      const at = aligned(Atomics.load(this.indexes, READ_INDEX));
      this.start = at;
      this.end = at;
    }
    if (this.end === this.buf.length)
      this.makeRoom(this.buf.length - this.start + BUFFER_BYTES_MIN);
    const popped = this.pop(this.buf.length - this.end);
    this.end += popped;
    return popped;
  }

  /**
   * Moves up to `most` bytes from the ring to buf at `end`; returns how many. As RingBuffer#pop:
   * the write index is read (Atomics, so the bytes it covers are visible) before the bytes, and
   * the read index is published after them.
   */
  private pop(most: number): number {
    const indexes = this.indexes;
    const read = Atomics.load(indexes, READ_INDEX);
    const write = Atomics.load(indexes, WRITE_INDEX);
    if (read === write) return 0;
    const capacity = this.bytes.length;
    const available = write >= read ? write - read : write + capacity - read;
    const count = Math.min(available, most);
    const first = Math.min(capacity - read, count);
    const bytes = this.bytes;
    bytes.copy(this.buf, this.end, read, read + first);
    if (count > first) bytes.copy(this.buf, this.end + first, 0, count - first);
    Atomics.store(indexes, READ_INDEX, (read + count) % capacity);
    return count;
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
    // Moved bytes go where the next pop copies after them word by word.
    const to = aligned(Atomics.load(this.indexes, READ_INDEX) - held);
    if (to + bytes <= this.buf.length) {
      this.buf.copyWithin(to, this.start, this.end);
    } else {
      const next = Buffer.allocUnsafeSlow(growTo(this.buf.length, to + bytes));
      this.buf.copy(next, to, this.start, this.end);
      this.buf = next;
      this.view = new DataView(next.buffer, next.byteOffset, next.byteLength);
    }
    this.start = to;
    this.end = to + held;
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
