// Issue 12, items 3 and 4 at unit level: staging buffers grow geometrically (past the frame
// limit too), and a shard handler's reply-limit check refuses a reply one byte past
// REPLY_BYTES_MAX before writing anything.

import { describe, expect, it } from 'vitest';
import { ArgumentCountError, InvariantError } from '../../src/errors.js';
import {
  checkArgumentCount,
  REP_HEADER_BYTES,
  REQ_HEADER_BYTES,
  REQ_OP,
  REQ_SLOT,
  ValueType,
} from '../../src/shared/codec.js';
import { ARGS_MAX, FRAME_BYTES_MAX, REPLY_BYTES_MAX } from '../../src/shared/limits.js';
import { createRingStorage, FrameWriter, growTo } from '../../src/shared/ring.js';
import { RTIMING_BYTES } from '../../src/shared/timing-layout.js';
import { Call } from '../../workers/commands/call.js';
import { keysReplyBytes } from '../../workers/commands/keys.js';
import { Keyspace } from '../../workers/keyspace/keyspace.js';
import { requestFailure } from '../../workers/shard/request-router.js';

describe('buffer growth', () => {
  it('many small reserves in one frame cost a logarithmic number of reallocations', () => {
    const writer = new FrameWriter(createRingStorage(4096));
    writer.beginFrame(16);
    let reallocations = 0;
    let buf = writer.buf;
    const reserves = 100_000;
    for (let i = 0; i < reserves; i++) {
      writer.tail = writer.reserve(100) + 100;
      if (writer.buf !== buf) {
        reallocations++;
        buf = writer.buf;
      }
    }
    // 10 MB from 64 KiB: 8 doublings.
    expect(reallocations).toBeLessThanOrEqual(Math.ceil(Math.log2((reserves * 100) / 65536)) + 1);
  });

  it('stays geometric past the frame limit, and caps a need within one frame at the limit', () => {
    const cap = FRAME_BYTES_MAX + 4;
    // One frame near the limit does not take twice its size.
    expect(growTo(300 * 2 ** 20, cap - 10)).toBe(cap);
    // Past the limit (frames staged behind a full ring) a small reserve does not grow the buffer
    // by just the bytes it needs: the growth is at least half the current size.
    let size = cap;
    let reallocations = 0;
    for (let needed = cap + 1; needed < 4 * cap; needed += 4096) {
      if (needed > size) {
        size = growTo(size, needed);
        reallocations++;
      }
    }
    expect(reallocations).toBeLessThanOrEqual(3);
    expect(growTo(cap, cap + 1)).toBeGreaterThanOrEqual(cap * 1.5);
  });
});

describe('reply limit', () => {
  it('leaves room for the reply header and a timing block', () => {
    expect(REPLY_BYTES_MAX + REP_HEADER_BYTES + RTIMING_BYTES).toBeLessThanOrEqual(FRAME_BYTES_MAX);
  });

  it('counts an array of bulk strings as the codec writes it', () => {
    expect(keysReplyBytes([])).toBe(5);
    expect(keysReplyBytes(['a', 'bcd'])).toBe(5 + 6 + 8);
  });

  it('refuses a reply one byte past REPLY_BYTES_MAX, with an error reply and nothing else', () => {
    const call = new Call(new Keyspace(), 0, new Uint16Array(16384));
    const writer = new FrameWriter(createRingStorage(4096));
    call.out = writer;
    expect(call.fitsReply(REPLY_BYTES_MAX)).toBe(true);
    expect(writer.tail).toBe(0);
    expect(call.fitsReply(REPLY_BYTES_MAX + 1)).toBe(false);
    expect(writer.buf[0]).toBe(ValueType.Error);
    const text = writer.buf.toString('utf8', 5, 5 + writer.view.getUint32(1, true));
    expect(text).toContain(`${REPLY_BYTES_MAX + 1} bytes exceeds slotdb's reply limit`);
  });
});

describe('argument count', () => {
  it('refuses more than ARGS_MAX arguments with ArgumentCountError', () => {
    expect(() => checkArgumentCount(ARGS_MAX)).not.toThrow();
    expect(() => checkArgumentCount(ARGS_MAX + 1)).toThrow(ArgumentCountError);
  });
});

describe('a failure that is not request-level', () => {
  it('names the request it stopped on: opcode and slot', () => {
    const frame = Buffer.alloc(REQ_HEADER_BYTES + 8);
    frame[8 + REQ_OP] = 7;
    frame.writeUInt16LE(1234, 8 + REQ_SLOT);
    const failure = requestFailure(new Error('boom'), frame, 8);
    expect(failure).toBeInstanceOf(InvariantError);
    expect(failure.message).toBe('slotdb: failed on request (opcode 7, slot 1234): boom');
    expect(failure.stack).toContain('Caused by: Error: boom');
  });
});
