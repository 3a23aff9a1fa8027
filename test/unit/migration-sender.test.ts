// The batch sender at a source shard (workers/migration/sender.ts): which keys a batch carries (the
// slot's table in its order, prioritized keys first; expired keys never; deadlines with their
// keys), and what an acknowledgement deletes.

import { describe, expect, it } from 'vitest';
import { ControlBlock, ShardStat } from '../../src/shared/control-block.js';
import { keySlotOfLatin1 } from '../../src/shared/key-slot.js';
import { createRingStorage, FrameReader, FrameWriter } from '../../src/shared/ring.js';
import { Keyspace } from '../../workers/keyspace/keyspace.js';
import { applyBatch } from '../../workers/migration/batch.js';
import { AdaptivePace, PaceMode } from '../../workers/migration/pacing/adaptive-pace.js';
import type { SenderPacing } from '../../workers/migration/pacing/sender-pace.js';
import { BatchSender } from '../../workers/migration/sender.js';
import type { ShardContext } from '../../workers/shard-context.js';

const SLOT = keySlotOfLatin1('{s}');
const NOW = 1_000_000;

/** A source shard holding `keys` in SLOT, a sender towards shard 1, and the target's keyspace. */
function setup(batchKeys: number, pacing: SenderPacing = {}) {
  const storage = createRingStorage(1 << 20);
  const writer = new FrameWriter(storage);
  const reader = new FrameReader(storage, 12);
  const keyspace = new Keyspace();
  keyspace.now = NOW;
  const shard = {
    id: 0,
    keyspace,
    faults: {},
    profiler: undefined,
    peerWriter: () => writer,
    flushPeer: () => writer.flush(),
  } as unknown as ShardContext;
  const limits = { batchKeys, batchBytes: 1 << 20, window: 4 };
  const sender = new BatchSender(shard, SLOT, 1, 7, limits, pacing);
  const target = new Keyspace();
  target.now = NOW;
  /** Applies every batch in the ring at the target; returns the keys of each. */
  const deliver = (): string[][] => {
    const batches: string[][] = [];
    reader.fill();
    for (let at = reader.next(); at >= 0; at = reader.next()) {
      const before = new Set(target.table(SLOT)?.keys() ?? []);
      const applied = applyBatch(target, reader.buf, reader.view, at, SLOT);
      expect(applied.refused).toBeUndefined();
      batches.push([...(target.table(SLOT)?.keys() ?? [])].filter((key) => !before.has(key)));
      reader.advance(at);
    }
    return batches;
  };
  return { keyspace, sender, target, deliver };
}

describe('the batch sender', () => {
  it('sends the table in order with deadlines, skips expired keys, and deletes on ack', () => {
    const { keyspace, sender, target, deliver } = setup(3);
    for (let i = 0; i < 7; i++) keyspace.set(SLOT, `{s}${i}`, `v${i}`);
    keyspace.setDeadline(SLOT, '{s}1', NOW + 5_000);
    keyspace.setDeadline(SLOT, '{s}2', NOW + 10);
    // {s}2 expires before it is sent: the sender's look-up drops it, and no batch carries it.
    keyspace.now = NOW + 20;
    target.now = NOW + 20;
    expect(sender.sendBatch(0)).toBe(3);
    expect(sender.sendBatch(0)).toBe(3);
    expect(deliver()).toEqual([
      ['{s}0', '{s}1', '{s}3'],
      ['{s}4', '{s}5', '{s}6'],
    ]);
    expect(keyspace.has(SLOT, '{s}2')).toBe(false);
    expect(target.get(SLOT, '{s}1')).toBe('v1');
    expect(target.deadline(SLOT, '{s}1')).toBe(NOW + 5_000);
    expect(target.deadline(SLOT, '{s}0')).toBeUndefined();
    // Keys stay at the source, locked, until their batch is acknowledged.
    expect(sender.locked.get('{s}4')).toBe(2);
    expect(sender.onAck(1, true, 0)).toEqual(['{s}0', '{s}1', '{s}3']);
    expect(keyspace.has(SLOT, '{s}0')).toBe(false);
    expect(keyspace.deadline(SLOT, '{s}1')).toBeUndefined();
    expect(keyspace.get(SLOT, '{s}4')).toBe('v4');
    expect(sender.onAck(2, true, 0)).toEqual(['{s}4', '{s}5', '{s}6']);
    expect(sender.sendBatch(0)).toBe(0);
    expect(sender.done).toBe(true);
    expect(keyspace.table(SLOT)).toBeUndefined();
  });

  it('sends prioritized keys first, with their current values, and each key once', () => {
    const { keyspace, sender, deliver, target } = setup(2);
    for (let i = 0; i < 4; i++) keyspace.set(SLOT, `{s}${i}`, `v${i}`);
    sender.prioritize(['{s}3']);
    keyspace.set(SLOT, '{s}3', 'changed');
    expect(sender.sendBatch(0)).toBe(2);
    expect(sender.sendBatch(0)).toBe(2);
    expect(deliver()).toEqual([
      ['{s}3', '{s}0'],
      ['{s}1', '{s}2'],
    ]);
    expect(target.get(SLOT, '{s}3')).toBe('changed');
    // A refused batch unlocks its keys and keeps them here.
    expect(sender.onAck(2, false, 0)).toEqual(['{s}1', '{s}2']);
    expect(sender.locked.has('{s}1')).toBe(false);
    expect(keyspace.get(SLOT, '{s}1')).toBe('v1');
  });

  it('under a loaded pace in debt, holds batches back but not keys a waiting request needs', () => {
    // A pace that found clients (loaded) and spent its tokens.
    const control = new ControlBlock();
    control.workerCount = 1;
    const pace = new AdaptivePace(control, 0, () => 500);
    control.stats[control.statIndex(0, ShardStat.Ops)] = 10_000;
    pace.beginTurn(60);
    expect(pace.mode).toBe(PaceMode.Loaded);
    expect(pace.maySend(60)).toBe(true);
    pace.charge(2, false);
    pace.charge(2, false);
    const { keyspace, sender, deliver } = setup(2, { pace });
    for (let i = 0; i < 4; i++) keyspace.set(SLOT, `{s}${i}`, `v${i}`);
    expect(sender.sendBatch(60)).toBe(0);
    // A command waits for {s}3 to join the keys that moved: it goes now, pace or not.
    sender.prioritize(['{s}3']);
    expect(sender.sendBatch(60)).toBe(2);
    expect(deliver()).toEqual([['{s}3', '{s}0']]);
  });
});
