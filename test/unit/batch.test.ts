// The BATCH frame's entries: each value tagged with its kind and encoded by that kind's codec.

import { describe, expect, it } from 'vitest';
import xxhash from 'xxhash-wasm';
import { keySlotOfLatin1 } from '../../src/shared/key-slot.js';
import {
  BATCH_CHECKSUM,
  BATCH_HEADER_BYTES,
  ENTRY_OVERHEAD_BYTES,
} from '../../src/shared/peer-frames.js';
import { createRingStorage, FrameWriter } from '../../src/shared/ring.js';
import { VALUE_KIND_COUNT, ValueKind } from '../../src/shared/value-types.js';
import { Keyspace } from '../../workers/keyspace/keyspace.js';
import { VALUE_CODECS } from '../../workers/keyspace/value-codec.js';
import { applyBatch, beginBatch, putEntry, sealBatch } from '../../workers/migration/batch.js';

const { h64Raw } = await xxhash();

const SLOT = keySlotOfLatin1('{b}');

/** Builds a sealed batch of `entries` ([key, value, deadline]) and returns the writer and start. */
function build(entries: [string, string, number][]): { w: FrameWriter; start: number } {
  const w = new FrameWriter(createRingStorage(1 << 16));
  const start = beginBatch(w, SLOT, 7, 1);
  for (const [key, value, deadline] of entries) putEntry(w, key, value, deadline);
  sealBatch(w, start, entries.length);
  return { w, start };
}

/** Recomputes the checksum after a test changed entry bytes, so that only the change is judged. */
function reseal(w: FrameWriter, start: number): void {
  const entries = w.buf.subarray(start + BATCH_HEADER_BYTES, w.tail);
  w.view.setBigUint64(start + BATCH_CHECKSUM, h64Raw(entries), true);
}

describe('BATCH entries', () => {
  it('round-trip keys, string values (binary, empty) and deadlines', () => {
    const binary = '\u0000\u00ff\r\n';
    const entries: [string, string, number][] = [
      ['{b}a', 'one', 0],
      ['{b}b', '', 0],
      ['{b}c', binary, 5_000],
    ];
    const { w, start } = build(entries);
    const frameBytes = w.view.getUint32(start, true);
    const keyAndValueBytes = 4 + 3 + 4 + 0 + 4 + binary.length;
    expect(frameBytes).toBe(BATCH_HEADER_BYTES + 3 * ENTRY_OVERHEAD_BYTES + keyAndValueBytes);
    // The type byte follows the key.
    expect(w.buf[start + BATCH_HEADER_BYTES + 4 + 4]).toBe(ValueKind.String);
    const keyspace = new Keyspace();
    keyspace.now = 1_000;
    const applied = applyBatch(keyspace, w.buf, w.view, start, SLOT);
    expect(applied).toEqual({ keys: 3, bytes: frameBytes - BATCH_HEADER_BYTES });
    expect(keyspace.get(SLOT, '{b}a')).toBe('one');
    expect(keyspace.get(SLOT, '{b}b')).toBe('');
    expect(keyspace.get(SLOT, '{b}c')).toBe(binary);
    expect(keyspace.deadline(SLOT, '{b}a')).toBeUndefined();
    expect(keyspace.deadline(SLOT, '{b}c')).toBe(5_000);
  });

  it('refuse the whole batch on an unknown type byte, applying nothing', () => {
    const { w, start } = build([
      ['{b}a', 'one', 0],
      ['{b}b', 'two', 0],
    ]);
    const secondType = start + BATCH_HEADER_BYTES + ENTRY_OVERHEAD_BYTES + 4 + 3 + 4 + 4;
    expect(w.buf[secondType]).toBe(ValueKind.String);
    w.buf[secondType] = VALUE_KIND_COUNT;
    reseal(w, start);
    const keyspace = new Keyspace();
    const applied = applyBatch(keyspace, w.buf, w.view, start, SLOT);
    expect(applied.refused).toMatch(/unknown value type 5/);
    expect(applied.keys).toBe(0);
    expect(keyspace.keyCount).toBe(0);
    // The same batch, untouched, applies on a keyspace the refusal left clean.
    w.buf[secondType] = ValueKind.String;
    reseal(w, start);
    expect(applyBatch(keyspace, w.buf, w.view, start, SLOT).refused).toBeUndefined();
    expect(keyspace.keyCount).toBe(2);
  });

  it("refuse a payload its kind's codec cannot read, and a payload running past the frame", () => {
    const { w, start } = build([['{b}a', 'one', 0]]);
    const type = start + BATCH_HEADER_BYTES + 4 + 4;
    w.buf[type] = ValueKind.Hash;
    reseal(w, start);
    expect(applyBatch(new Keyspace(), w.buf, w.view, start, SLOT).refused).toMatch(
      /unreadable hash/,
    );
    w.buf[type] = ValueKind.String;
    w.view.setUint32(type + 1, 1_000, true);
    reseal(w, start);
    expect(applyBatch(new Keyspace(), w.buf, w.view, start, SLOT).refused).toMatch(
      /past the frame/,
    );
  });

  it('still refuse a batch whose checksum does not match', () => {
    const { w, start } = build([['{b}a', 'one', 0]]);
    w.buf[start + BATCH_HEADER_BYTES + 4 + 4 + 1 + 4] ^= 1;
    expect(applyBatch(new Keyspace(), w.buf, w.view, start, SLOT).refused).toBe(
      'checksum mismatch',
    );
  });

  it('have a codec for every kind', () => {
    expect(VALUE_CODECS).toHaveLength(VALUE_KIND_COUNT);
  });
});
