// A migration batch never grows past FRAME_BYTES_MAX: a batch filled close to the largest
// batchBytes, followed in the slot by a value close to the value limit, closes before that value
// and sends it in a batch of its own. (Before the fix, the sender built one frame of both, the ring
// refused it, and the source shard died.)
//
// The big value is the smallest that reproduces: it takes the batch exactly one byte past the
// frame limit. That is about 449 MiB; the test holds a few copies of it (client, rings, both
// shards' tables), a few GiB in all.

import { describe, expect, it } from 'vitest';
import { keySlot } from '../../dist/src/index.js';
import { BATCH_BYTES_MAX, FRAME_BYTES_MAX, VALUE_BYTES_MAX } from '../../dist/src/shared/limits.js';
import { BATCH_HEADER_BYTES, ENTRY_OVERHEAD_BYTES } from '../../dist/src/shared/peer-frames.js';
import { withDb } from '../support/db.js';

const TAG = 'frame-limit';
const SLOT = keySlot(TAG);
const FILLER_BYTES = 1 << 20;
const entryBytes = (key: string, valueBytes: number): number =>
  ENTRY_OVERHEAD_BYTES + key.length + valueBytes;

/** Filler keys and value sizes whose entries add up to one byte under batchBytes. */
function fillers(): [string, number][] {
  const out: [string, number][] = [];
  let bytes = 0;
  for (let i = 0; ; i++) {
    const key = `{${TAG}}filler${String(i).padStart(3, '0')}`;
    const room = BATCH_BYTES_MAX - 1 - bytes;
    if (room <= entryBytes(key, FILLER_BYTES)) {
      out.push([key, room - entryBytes(key, 0)]);
      return out;
    }
    out.push([key, FILLER_BYTES]);
    bytes += entryBytes(key, FILLER_BYTES);
  }
}

describe('a migration batch near the frame limit', () => {
  it('closes before a value near the value limit would take it past FRAME_BYTES_MAX', async () => {
    const filled = fillers();
    const filledBytes = filled.reduce((sum, [key, bytes]) => sum + entryBytes(key, bytes), 0);
    expect(filledBytes).toBe(BATCH_BYTES_MAX - 1);
    const bigKey = `{${TAG}}big`;
    const bigBytes = FRAME_BYTES_MAX + 1 - BATCH_HEADER_BYTES - filledBytes - entryBytes(bigKey, 0);
    expect(bigBytes).toBeLessThanOrEqual(VALUE_BYTES_MAX);
    // One batch of both would be one byte too large for a frame.
    const together = BATCH_HEADER_BYTES + filledBytes + entryBytes(bigKey, bigBytes);
    expect(together).toBe(FRAME_BYTES_MAX + 1);

    await withDb({ shards: 2, ringBytes: 64 << 20 }, async (db) => {
      const buffers = db.withBuffers();
      for (const [key, bytes] of filled) await buffers.set(key, Buffer.alloc(bytes, key.at(-1)!));
      const big = Buffer.alloc(bigBytes, 'b');
      big.write('start', 0, 'latin1');
      big.write('end', bigBytes - 3, 'latin1');
      expect(await buffers.set(bigKey, big)).toBe('OK');

      const source = db.slotOwner(SLOT);
      const target = 1 - source;
      const options = { batchKeys: 1 << 16, batchBytes: BATCH_BYTES_MAX, window: 1 };
      const report = await db.migrateSlot(SLOT, target, options);
      expect(report.keys).toBe(filled.length + 1);
      expect(report.batches).toBe(2);
      expect(db.slotOwner(SLOT)).toBe(target);

      expect((await buffers.get(bigKey))!.equals(big)).toBe(true);
      for (const [key, bytes] of filled) {
        expect(await db.strLen(key)).toBe(bytes);
      }
      const [first, last] = [filled[0]!, filled.at(-1)!];
      expect((await buffers.getRange(first[0], 0, 3)).toString()).toBe('0000');
      const lastValue = Buffer.alloc(last[1], last[0].at(-1)!);
      expect((await buffers.get(last[0]))!.equals(lastValue)).toBe(true);
    });
  });
});
