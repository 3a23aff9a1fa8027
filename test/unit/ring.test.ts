import { describe, expect, it } from 'vitest';
import { createRingStorage, FrameReader, FrameWriter } from '../../src/shared/ring.js';

/** Stages a frame of `length` bytes whose payload bytes are (tag + i) & 0xff. */
function stage(writer: FrameWriter, length: number, tag: number): void {
  const start = writer.beginFrame(length);
  writer.view.setUint32(start, length, true);
  for (let i = 4; i < length; i++) writer.buf[start + i] = (tag + i) & 0xff;
  writer.commit(start + length);
}

/** Reads every complete frame now available; returns [length, tag] of each. */
function drain(reader: FrameReader): [number, number][] {
  const frames: [number, number][] = [];
  reader.fill();
  for (let at = reader.next(); at >= 0; at = reader.next()) {
    const length = reader.view.getUint32(at, true);
    const tag = (reader.buf[at + 4]! - 4) & 0xff;
    let wrong = 0;
    for (let i = 4; i < length; i++) if (reader.buf[at + i] !== ((tag + i) & 0xff)) wrong++;
    expect(wrong).toBe(0);
    frames.push([length, tag]);
    reader.advance(at);
  }
  return frames;
}

describe('frames over a ringbuf.js ring', () => {
  it('keeps frames whole and in order across many wrap-arounds', () => {
    const storage = createRingStorage(97);
    const writer = new FrameWriter(storage);
    const reader = new FrameReader(storage, 5);
    const sent: [number, number][] = [];
    const received: [number, number][] = [];
    for (let i = 0; i < 500; i++) {
      const length = 5 + ((i * 37) % 40);
      stage(writer, length, i & 0xff);
      sent.push([length, i & 0xff]);
      writer.flush();
      received.push(...drain(reader));
    }
    while (writer.staged > 0) {
      writer.flush();
      received.push(...drain(reader));
    }
    received.push(...drain(reader));
    expect(received).toEqual(sent);
  });

  it('applies backpressure when the ring is full: nothing is overwritten or lost', () => {
    const storage = createRingStorage(64);
    const writer = new FrameWriter(storage);
    const reader = new FrameReader(storage, 5);
    for (let i = 0; i < 10; i++) stage(writer, 20, i);
    const left = writer.flush();
    expect(left).toBe(200 - 64);
    // Without a read, further flushes push nothing more.
    expect(writer.flush()).toBe(left);
    const received: [number, number][] = [];
    while (received.length < 10) {
      received.push(...drain(reader));
      writer.flush();
    }
    expect(received).toEqual(Array.from({ length: 10 }, (_, i) => [20, i]));
  });

  it('carries a frame larger than the ring in pieces', () => {
    const storage = createRingStorage(64);
    const writer = new FrameWriter(storage);
    const reader = new FrameReader(storage, 5);
    stage(writer, 100_000, 3);
    stage(writer, 9, 4);
    const received: [number, number][] = [];
    let rounds = 0;
    while (received.length < 2) {
      writer.flush();
      received.push(...drain(reader));
      rounds++;
    }
    expect(received).toEqual([
      [100_000, 3],
      [9, 4],
    ]);
    expect(rounds).toBeGreaterThan(100_000 / 64);
  });

  it('keeps a frame under construction intact when the staging buffer must grow mid-frame', () => {
    const storage = createRingStorage(64);
    const writer = new FrameWriter(storage);
    const reader = new FrameReader(storage, 5);
    stage(writer, 40, 1);
    stage(writer, 40, 2);
    writer.flush(); // part of the staged bytes went: head > 0
    expect(writer.head).toBeGreaterThan(0);
    // Build one large frame in small reservations, as an encoder does.
    const length = 200_000;
    const start = writer.beginFrame(4);
    writer.tail = start + 4;
    for (let i = 4; i < length; i += 1000) {
      const at = writer.reserve(1000);
      for (let k = 0; k < 1000 && i + k < length; k++) writer.buf[at + k] = (7 + i + k) & 0xff;
      writer.tail = at + Math.min(1000, length - i);
    }
    writer.view.setUint32(start, length, true);
    const end = writer.tail;
    writer.tail = start;
    writer.commit(end);
    const received: [number, number][] = [];
    while (received.length < 3) {
      writer.flush();
      received.push(...drain(reader));
    }
    expect(received).toEqual([
      [40, 1],
      [40, 2],
      [length, 7],
    ]);
  });

  it('stages and pops bytes at the ring offsets modulo 8 (word copies), frames whole', () => {
    // Frames of odd sizes, some larger than the reader's buffer or than the ring, pushed and read
    // in uneven turns: every push starts where the writer's bytes agree with the ring's write
    // offset modulo 8, every pop where the reader's agree with the read offset. (The ring's
    // storage, one byte more than it holds, is a multiple of 8, so a wrap keeps them in step.)
    const storage = createRingStorage(300_007);
    const offsets = new Uint32Array(storage, 0, 2);
    const writer = new FrameWriter(storage);
    const reader = new FrameReader(storage, 5);
    const sent: [number, number][] = [];
    const received: [number, number][] = [];
    let seed = 11;
    const random = (n: number): number => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return (seed >>> 8) % n;
    };
    const misaligned = { push: 0, pop: 0 };
    for (let i = 0; i < 400; i++) {
      const length = 5 + (random(8) === 0 ? random(400_000) : random(3000));
      stage(writer, length, i & 0xff);
      sent.push([length, i & 0xff]);
      if (random(3) === 0) continue;
      if (writer.staged > 0 && ((writer.head - offsets[0]!) & 7) !== 0) misaligned.push++;
      writer.flush();
      if (random(2) === 0) continue;
      reader.fill();
      if (((reader.end - offsets[1]!) & 7) !== 0) misaligned.pop++;
      received.push(...drain(reader));
    }
    while (received.length < sent.length) {
      writer.flush();
      received.push(...drain(reader));
    }
    expect(received).toEqual(sent);
    expect(misaligned).toEqual({ push: 0, pop: 0 });
  });

  it('refuses a frame whose header does not match its size', () => {
    const writer = new FrameWriter(createRingStorage(1024));
    const start = writer.beginFrame(16);
    writer.view.setUint32(start, 12, true);
    expect(() => writer.commit(start + 16)).toThrow(/frame header says 12 bytes, frame has 16/);
  });

  it('detects a corrupt length on the reading side', () => {
    const storage = createRingStorage(1024);
    const writer = new FrameWriter(storage);
    const reader = new FrameReader(storage, 8);
    const start = writer.beginFrame(6);
    writer.view.setUint32(start, 6, true);
    writer.commit(start + 6);
    writer.flush();
    reader.fill();
    expect(() => reader.next()).toThrow(/corrupt frame length 6/);
  });
});

describe('push stamps', () => {
  const clock = (): number => performance.timeOrigin + performance.now();

  /** Stages a 24-byte frame: length, a Float64 push time at 8, a "waited for room" byte at 16. */
  function stampedFrame(writer: FrameWriter): void {
    const start = writer.beginFrame(24);
    writer.view.setUint32(start, 24, true);
    writer.buf.fill(0, start + 4, start + 24);
    writer.stampOnPush(start + 8, start + 16);
    writer.commit(start + 24);
  }

  function read(reader: FrameReader): { time: number; waited: number }[] {
    const frames: { time: number; waited: number }[] = [];
    reader.fill();
    for (let at = reader.next(); at >= 0; at = reader.next()) {
      frames.push({ time: reader.view.getFloat64(at + 8, true), waited: reader.buf[at + 16]! });
      reader.advance(at);
    }
    return frames;
  }

  it('writes the push time into each frame as it enters the ring, and marks frames that waited for room', () => {
    const storage = createRingStorage(48);
    const writer = new FrameWriter(storage, clock);
    const reader = new FrameReader(storage, 5);
    const before = performance.timeOrigin + performance.now();
    for (let i = 0; i < 5; i++) stampedFrame(writer); // 120 bytes for a ring of two frames
    writer.flush();
    const first = read(reader);
    expect(first).toHaveLength(2);
    for (const frame of first) {
      expect(frame.time).toBeGreaterThanOrEqual(before);
      expect(frame.waited).toBe(0);
    }
    // The rest waited for room: a later push stamps them later, and marks them.
    const busyUntil = performance.now() + 5;
    while (performance.now() < busyUntil);
    const rest: { time: number; waited: number }[] = [];
    while (rest.length < 3) {
      writer.flush();
      rest.push(...read(reader));
    }
    for (const frame of rest) {
      expect(frame.time).toBeGreaterThanOrEqual(first[0]!.time + 4);
      expect(frame.waited).toBe(1);
    }
  });

  it('keeps stamps on their frames when staged bytes move, and drops those of a rolled-back frame', () => {
    const storage = createRingStorage(256);
    const writer = new FrameWriter(storage, clock);
    const reader = new FrameReader(storage, 5);
    stage(writer, 200, 1);
    writer.flush();
    stampedFrame(writer);
    const start = writer.beginFrame(24);
    writer.view.setUint32(start, 24, true);
    writer.stampOnPush(start + 8, start + 16);
    writer.rollback(start);
    expect(drain(reader)).toEqual([[200, 1]]);
    // Enough staged to move the stamped frame to the front of the buffer before it is pushed.
    for (let i = 0; i < 400; i++) stage(writer, 100, i & 0xff);
    let frames = 0;
    let stamped = 0;
    while (frames < 401) {
      writer.flush();
      reader.fill();
      for (let at = reader.next(); at >= 0; at = reader.next()) {
        if (reader.view.getUint32(at, true) === 24) {
          stamped++;
          expect(reader.view.getFloat64(at + 8, true)).toBeGreaterThan(0);
        }
        frames++;
        reader.advance(at);
      }
    }
    expect(stamped).toBe(1);
  });

  it('needs a writer given a clock', () => {
    const writer = new FrameWriter(createRingStorage(256));
    const start = writer.beginFrame(24);
    expect(() => writer.stampOnPush(start + 8, start + 16)).toThrow(
      /push stamps need a writer with a clock/,
    );
  });
});
