// A slot's import mark travels with every copy of the shard (a snapshot, a replica's full copy),
// also while the slot has no key yet: an import that just began has its batches still to come, and
// a recovery that lost the mark would take the keys those batches bring for leftovers to drop.

import { describe, expect, it } from 'vitest';
import { SLOT_COUNT } from '../../src/shared/limits.js';
import { createRingStorage, FrameWriter } from '../../src/shared/ring.js';
import { Keyspace } from '../../workers/keyspace/keyspace.js';
import { RecordApplier } from '../../workers/replication/apply.js';
import { COPY_LIMITS_DEFAULT, copySlot, isEmptySlot } from '../../workers/replication/full-copy.js';

/** Copies `slot` of `from` as a copy would and applies the records to a new keyspace. */
function copied(from: Keyspace, slot: number): Keyspace {
  const w = new FrameWriter(createRingStorage(64));
  copySlot(w, from, slot, 0, COPY_LIMITS_DEFAULT);
  const to = new Keyspace();
  const applier = new RecordApplier(to, 0, new Uint16Array(SLOT_COUNT));
  const view = new DataView(w.buf.buffer, w.buf.byteOffset, w.buf.byteLength);
  for (let at = w.head; at < w.tail; at += view.getUint32(at, true)) {
    expect(applier.apply(w.buf, view, at)).toBeUndefined();
  }
  return to;
}

describe('import marks in copies', () => {
  it('go with a slot that has no key yet', () => {
    const keyspace = new Keyspace();
    keyspace.importMarks.set(42, 7);
    expect(isEmptySlot(keyspace, 42)).toBe(false);
    expect(copied(keyspace, 42).importMarks.get(42)).toBe(7);
  });

  it('go before the keys of a slot that has some', () => {
    const keyspace = new Keyspace();
    keyspace.set(42, 'k', 'v');
    keyspace.importMarks.set(42, 9);
    const copy = copied(keyspace, 42);
    expect(copy.importMarks.get(42)).toBe(9);
    expect(copy.get(42, 'k')).toBe('v');
  });

  it('leave a slot with neither keys nor mark out', () => {
    const keyspace = new Keyspace();
    expect(isEmptySlot(keyspace, 42)).toBe(true);
    expect(copied(keyspace, 42).importMarks.size).toBe(0);
  });
});
