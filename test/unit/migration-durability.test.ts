// What a slot move waits for on a shard with replicas (workers/migration/durability.ts): how many
// replicas must hold a journal offset, acknowledgements held until they do (and by the holdAcks
// fault) and sent in order, and moved keys held back until their deletion is on the replicas.

import { describe, expect, it } from 'vitest';
import { ControlBlock, ReplicaState } from '../../src/shared/control-block.js';
import { ACK_BATCH, PeerFrame } from '../../src/shared/peer-frames.js';
import { createRingStorage, FrameReader, FrameWriter } from '../../src/shared/ring.js';
import { Keyspace } from '../../workers/keyspace/keyspace.js';
import {
  AckGate,
  EVERY_STREAMING,
  type ReplicaAcks,
  replicasHold,
  Settling,
} from '../../workers/migration/durability.js';
import type { Journal } from '../../workers/replication/journal.js';
import type { ShardContext } from '../../workers/shard-context.js';

/** A primary (seat 0) with replicas in seats 1 and 2, and what each acknowledged. */
function shardWithReplicas() {
  const control = new ControlBlock();
  const journal = { offset: 0 } as Journal;
  const links = [
    { replica: 1, syncing: false },
    { replica: 2, syncing: false },
  ];
  for (const { replica } of links) control.setReplicaState(replica, ReplicaState.Streaming);
  const replication: ReplicaAcks = {
    journal,
    links,
    countAcks: (offset) =>
      links.filter(
        (link) =>
          !link.syncing &&
          control.replicaState(link.replica) === ReplicaState.Streaming &&
          control.offset(link.replica) >= offset,
      ).length,
  };
  const storage = createRingStorage(1 << 16);
  const writer = new FrameWriter(storage);
  const reader = new FrameReader(storage, 12);
  const faults: { holdAcks?: boolean } = {};
  const shard = {
    id: 0,
    control,
    keyspace: new Keyspace(),
    faults,
    profiler: undefined,
    replication,
    peerWriter: () => writer,
    flushPeer: () => writer.flush(),
  } as unknown as ShardContext;
  /** The batches acknowledged so far, in ring order. */
  const acked = (): number[] => {
    const batches: number[] = [];
    reader.fill();
    for (let at = reader.next(); at >= 0; at = reader.next()) {
      expect(reader.buf[at + 4]).toBe(PeerFrame.Ack);
      batches.push(reader.view.getUint32(at + ACK_BATCH, true));
      reader.advance(at);
    }
    return batches;
  };
  return { shard, control, journal, links, faults, acked };
}

describe('replicas a move waits for', () => {
  it('every streaming replica by default, n of them when asked (capped), none for 0', () => {
    const { shard, control, links } = shardWithReplicas();
    control.setOffset(1, 100);
    control.setOffset(2, 50);
    expect(replicasHold(shard, 50, EVERY_STREAMING)).toBe(true);
    expect(replicasHold(shard, 100, EVERY_STREAMING)).toBe(false);
    expect(replicasHold(shard, 100, 1)).toBe(true);
    expect(replicasHold(shard, 100, 2)).toBe(false);
    expect(replicasHold(shard, 1000, 0)).toBe(true);
    // A replica in a full copy counts for nothing by default (it gets the keys with its copy).
    links[1]!.syncing = true;
    expect(replicasHold(shard, 100, EVERY_STREAMING)).toBe(true);
    expect(replicasHold(shard, 100, 2)).toBe(false);
    // A replica that died is no longer linked: an explicit count is capped at those linked.
    links.pop();
    expect(replicasHold(shard, 100, 2)).toBe(true);
  });

  it('holds acknowledgements until the replicas hold their batch, and sends them in order', () => {
    const { shard, control, journal, acked } = shardWithReplicas();
    const gate = new AckGate(shard, EVERY_STREAMING);
    journal.offset = 10;
    gate.send(3, 42, 7, 1, true);
    journal.offset = 20;
    gate.send(3, 42, 7, 2, true);
    expect(gate.pending).toBe(true);
    expect(acked()).toEqual([]);
    control.setOffset(1, 20);
    control.setOffset(2, 10);
    expect(gate.step()).toBe(1);
    expect(acked()).toEqual([1]);
    control.setOffset(2, 20);
    expect(gate.step()).toBe(1);
    expect(acked()).toEqual([2]);
    expect(gate.pending).toBe(false);
    // Nothing new journaled and the replicas hold it all: an ack goes at once.
    gate.send(3, 42, 7, 3, false);
    expect(acked()).toEqual([3]);
  });

  it('keeps what the holdAcks fault holds until it is lifted; drops what a dead peer was owed', () => {
    const { shard, control, journal, faults, acked } = shardWithReplicas();
    const gate = new AckGate(shard, 1);
    faults.holdAcks = true;
    gate.send(3, 42, 7, 1, true);
    gate.send(4, 42, 8, 1, true);
    expect(gate.step()).toBe(0);
    expect(gate.pending).toBe(true);
    faults.holdAcks = false;
    gate.drop(4);
    // What a held ack waits for is what was journaled when its batch was applied, not since.
    journal.offset = 5;
    gate.releaseHeld();
    expect(acked()).toEqual([1]);
    expect(gate.pending).toBe(false);
    gate.send(3, 42, 7, 2, true);
    expect(acked()).toEqual([]);
    control.setOffset(2, 5);
    expect(gate.step()).toBe(1);
    expect(acked()).toEqual([2]);
  });

  it('holds moved keys back until the replicas hold their deletion', () => {
    const { shard, control, journal } = shardWithReplicas();
    const settling = new Settling(shard, EVERY_STREAMING);
    journal.offset = 30;
    settling.add(['a', 'b']);
    journal.offset = 40;
    settling.add(['c']);
    expect([settling.has('a'), settling.has('c'), settling.has('d'), settling.size]).toEqual([
      true,
      true,
      false,
      3,
    ]);
    control.setOffset(1, 30);
    control.setOffset(2, 35);
    expect(settling.step()).toBe(true);
    expect([settling.has('a'), settling.has('c')]).toEqual([false, true]);
    control.setOffset(1, 40);
    control.setOffset(2, 40);
    expect(settling.step()).toBe(true);
    expect(settling.size).toBe(0);
    // Already held: nothing waits.
    settling.add(['e']);
    expect(settling.size).toBe(0);
  });
});
