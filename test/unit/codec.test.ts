import { describe, expect, it } from 'vitest';
import { decodeValue } from '../../src/client/reply.js';
import { ErrorReply } from '../../src/errors.js';
import {
  beginReply,
  beginRequest,
  endFrame,
  putArgument,
  putArrayHeader,
  putBulkLatin1,
  putInt,
  putLine,
  putNil,
  REP_HEADER_BYTES,
  REQ_ARGC,
  REQ_CLIENT,
  REQ_HEADER_BYTES,
  REQ_ID,
  REQ_OP,
  REQ_SLOT,
  skipValue,
  ValueType,
} from '../../src/shared/codec.js';
import { VALUE_BYTES_MAX } from '../../src/shared/limits.js';
import { createRingStorage, FrameReader, FrameWriter } from '../../src/shared/ring.js';

function pair(): { writer: FrameWriter; reader: FrameReader } {
  const storage = createRingStorage(1 << 16);
  return { writer: new FrameWriter(storage), reader: new FrameReader(storage, 9) };
}

function readOne(writer: FrameWriter, reader: FrameReader): number {
  writer.flush();
  reader.fill();
  const at = reader.next();
  expect(at).toBeGreaterThanOrEqual(0);
  return at;
}

describe('request frames', () => {
  it('round-trip header fields and arguments of every kind', () => {
    const { writer, reader } = pair();
    const args = [
      'key:1',
      'ключ',
      Buffer.from([0, 255, 10]),
      new Uint8Array([1, 2]),
      42,
      -1.5,
      1e21,
      '',
    ];
    const start = beginRequest(writer, 0xdeadbeef, 12182, 7, args.length, 3);
    for (const arg of args) putArgument(writer, arg);
    endFrame(writer, start);
    const at = readOne(writer, reader);
    const view = reader.view;
    expect(view.getUint32(at + REQ_ID, true)).toBe(0xdeadbeef);
    expect(view.getUint16(at + REQ_SLOT, true)).toBe(12182);
    expect(view.getUint8(at + REQ_OP)).toBe(7);
    expect(view.getUint32(at + REQ_ARGC, true)).toBe(args.length);
    expect(view.getUint16(at + REQ_CLIENT, true)).toBe(3);
    const decoded: Buffer[] = [];
    let p = at + REQ_HEADER_BYTES;
    for (let i = 0; i < args.length; i++) {
      const length = view.getUint32(p, true);
      decoded.push(Buffer.from(reader.buf.subarray(p + 4, p + 4 + length)));
      p += 4 + length;
    }
    expect(p).toBe(at + view.getUint32(at, true));
    expect(decoded.map((b) => b.toString('hex'))).toEqual(
      [
        'key:1',
        'ключ',
        '\u0000\u00ff\n',
        '\u0001\u0002',
        '42',
        '-1.5',
        '1000000000000000000000',
        '',
      ].map((s, i) =>
        i === 2 || i === 3
          ? Buffer.from(s, 'latin1').toString('hex')
          : Buffer.from(s, 'utf8').toString('hex'),
      ),
    );
  });

  it('rejects an argument of an unsupported type before anything is staged', () => {
    const { writer } = pair();
    beginRequest(writer, 1, 0, 1, 1, 0);
    expect(() => putArgument(writer, undefined as never)).toThrow(TypeError);
    expect(() => putArgument(writer, { length: 3 } as never)).toThrow(
      /must be a string, Buffer, Uint8Array or number/,
    );
  });

  it('rejects a value over the size limit with the Redis error text', () => {
    const { writer } = pair();
    beginRequest(writer, 1, 0, 1, 1, 0);
    const huge = { byteLength: VALUE_BYTES_MAX + 1 } as Uint8Array;
    Object.setPrototypeOf(huge, Uint8Array.prototype);
    expect(() => putArgument(writer, huge)).toThrow(/ERR string exceeds maximum allowed size/);
  });
});

describe('reply values', () => {
  it('decode to node-redis shapes', () => {
    const { writer, reader } = pair();
    const start = beginReply(writer, 5);
    putArrayHeader(writer, 6);
    putNil(writer);
    putInt(writer, -42);
    putBulkLatin1(writer, Buffer.from('héllo').toString('latin1'));
    putLine(writer, ValueType.Status, 'OK');
    putArrayHeader(writer, 1);
    putInt(writer, 9007199254740991);
    putLine(writer, ValueType.Error, 'ERR syntax error');
    endFrame(writer, start);
    const at = readOne(writer, reader);
    const value = decodeValue(reader.buf, reader.view, at + REP_HEADER_BYTES, false) as unknown[];
    expect(value.slice(0, 5)).toEqual([null, -42, 'héllo', 'OK', [9007199254740991]]);
    expect(value[5]).toBeInstanceOf(ErrorReply);
    expect((value[5] as Error).message).toBe('ERR syntax error');
    expect(skipValue(reader.view, at + REP_HEADER_BYTES)).toBe(
      at + reader.view.getUint32(at, true),
    );
  });

  it('decode bulk strings as Buffers when asked', () => {
    const { writer, reader } = pair();
    const bytes = Buffer.from([0xff, 0x00, 0xc3]);
    const start = beginReply(writer, 1);
    putBulkLatin1(writer, bytes.toString('latin1'));
    endFrame(writer, start);
    const at = readOne(writer, reader);
    const value = decodeValue(reader.buf, reader.view, at + REP_HEADER_BYTES, true);
    expect(Buffer.isBuffer(value)).toBe(true);
    expect((value as Buffer).equals(bytes)).toBe(true);
  });
});
