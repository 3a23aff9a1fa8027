// The log's checksums (workers/persistence/record-checksums.ts, a WebAssembly XXH64 stamped over
// many records per call) agree with xxhash-wasm's XXH64, which the log reader checks them with:
// every length from 0 to 400 bytes (each branch of XXH64: stripes of 32, words of 8 and 4, bytes),
// and records stamped in place, also after the memory grew under them.

import { describe, expect, it } from 'vitest';
import xxhash from 'xxhash-wasm';
import { RecordChecksums } from '../../workers/persistence/record-checksums.js';
import { Random } from '../support/random.js';

const { h64Raw } = await xxhash();

describe('log record checksums', () => {
  it('equal xxhash-wasm XXH64 for every length up to 400 bytes', () => {
    const r = new Random(7);
    const sums = new RecordChecksums(64 * 1024);
    for (let length = 0; length <= 400; length++) {
      for (let round = 0; round < 5; round++) {
        const at = r.between(0, 64);
        for (let i = 0; i < length; i++) sums.buf[at + i] = r.between(0, 255);
        expect(sums.xxh64(at, length)).toBe(h64Raw(sums.buf.subarray(at, at + length)));
      }
    }
  });

  it('stamp each record with the XXH64 of the record read with its checksum field as 0', () => {
    const r = new Random(11);
    const sums = new RecordChecksums(64 * 1024);
    const records: [number, number][] = [];
    let end = 0;
    for (let n = 0; n < 500; n++) {
      const length = r.between(32, 300);
      sums.reserve(end + length);
      sums.view.setUint32(end, length, true);
      for (let i = 4; i < length; i++) sums.buf[end + i] = r.between(0, 255);
      records.push([end, length]);
      end += length;
    }
    expect(sums.stamp(0, end)).toBe(end);
    for (const [at, length] of records) {
      const copy = Buffer.from(sums.buf.subarray(at, at + length));
      copy.writeBigUInt64LE(0n, 24);
      expect(sums.view.getBigUint64(at + 24, true)).toBe(h64Raw(copy));
    }
    sums.reserve(end + 8 * 1024 * 1024);
    expect(sums.view.getUint32(0, true)).toBe(records[0]![1]);
  });

  it('stop at a record whose length is impossible', () => {
    const sums = new RecordChecksums(1024);
    sums.view.setUint32(0, 40, true);
    sums.view.setUint32(40, 8, true);
    expect(sums.stamp(0, 100)).toBe(40);
  });
});
