// Where a client sends the calls that may read from replicas, with real rings and no worker: the
// test plays the primary (seat 0) and two replicas (seats 1 and 2) of one shard, reads the request
// rings and writes the replies itself, and moves offsets and states in the control block.

import { describe, expect, it } from 'vitest';
import { Client } from '../../src/client/client.js';
import { PendingFlag } from '../../src/client/pending.js';
import { COMMAND } from '../../src/commands/table.js';
import { ProfileSlab } from '../../src/profiler/slab.js';
import {
  beginReply,
  endFrame,
  putLine,
  REQ_HEADER_BYTES,
  REQ_ID,
  ValueType,
} from '../../src/shared/codec.js';
import {
  ControlBlock,
  ReplicaState,
  ShardState,
  SlotState,
  WorkerRole,
} from '../../src/shared/control-block.js';
import { createRingStorage, FrameReader, FrameWriter } from '../../src/shared/ring.js';

const SLOT = 1234;
const OTHER_SLOT = 4321;
const PRIMARY = 0;
const REPLICA_A = 1;
const REPLICA_B = 2;
/** A sync call that may read from a replica. */
const READS = PendingFlag.Sync | PendingFlag.ReplicaReads;

function setup() {
  const control = new ControlBlock();
  control.shardCount = 1;
  control.workerCount = 3;
  control.replicasPerShard = 2;
  Atomics.store(control.primaries, 0, PRIMARY);
  control.setWorker(PRIMARY, WorkerRole.Primary, 0);
  control.setWorker(REPLICA_A, WorkerRole.Replica, 0);
  control.setWorker(REPLICA_B, WorkerRole.Replica, 0);
  for (let seat = 0; seat < 3; seat++) {
    control.setShardState(seat, ShardState.Running);
    control.setOffset(seat, 100);
  }
  control.setReplicaState(REPLICA_A, ReplicaState.Streaming);
  control.setReplicaState(REPLICA_B, ReplicaState.Streaming);
  control.setReplicaOf(REPLICA_A, PRIMARY);
  control.setReplicaOf(REPLICA_B, PRIMARY);
  const requests = Array.from({ length: 3 }, () => createRingStorage(1 << 16));
  const replies = Array.from({ length: 3 }, () => createRingStorage(1 << 16));
  const rings = { client: 0, generation: 1, requests, replies, profile: new ProfileSlab().sab };
  const client = new Client(control, rings, { spinMicros: 0, pendingMax: 0 });
  const readers = requests.map((storage) => new FrameReader(storage, REQ_HEADER_BYTES));
  const writers = replies.map((storage) => new FrameWriter(storage));
  /** The ids of the request frames `seat` received since the last look. */
  const received = (seat: number): number[] => {
    client.pushStaged();
    const reader = readers[seat]!;
    reader.fill();
    const ids: number[] = [];
    for (let at = reader.next(); at >= 0; at = reader.next()) {
      ids.push(reader.view.getUint32(at + REQ_ID, true));
      reader.advance(at);
    }
    return ids;
  };
  /** `seat` answers request `index` with `text`; the client takes the reply in. */
  const reply = (seat: number, index: number, text = 'OK'): void => {
    const writer = writers[seat]!;
    const start = beginReply(writer, client.pending.id(index));
    putLine(writer, ValueType.Status, text);
    endFrame(writer, start);
    writer.flush();
    client.poll();
  };
  /** Sends GET for `slot` and returns the seat it went to, answered and released. */
  const readGoesTo = (slot = SLOT): number => {
    const index = client.send1(COMMAND.get.op, slot, READS, undefined, 'k');
    const seat = [0, 1, 2].find((s) => received(s).includes(client.pending.id(index)));
    if (seat === undefined) throw new Error('the read went nowhere');
    reply(seat, index);
    expect(client.waitEntry(index)).toBe('OK');
    return seat;
  };
  return { control, client, received, reply, readGoesTo };
}

describe('reads from replicas', () => {
  it('go to one replica, pinned; writes, blocking commands, WATCH and moving slots to the primary', () => {
    const { control, client, received, reply, readGoesTo } = setup();
    expect(readGoesTo()).toBe(REPLICA_A);
    expect(readGoesTo(OTHER_SLOT)).toBe(REPLICA_A);
    const write = client.send2(COMMAND.set.op, SLOT, READS, undefined, 'k', 'v');
    const blpop = client.send(COMMAND.blpop.op, OTHER_SLOT, ['l', 0], READS, undefined, 'l');
    expect(received(PRIMARY)).toEqual([client.pending.id(write), client.pending.id(blpop)]);
    reply(PRIMARY, write);
    reply(PRIMARY, blpop);
    client.waitEntry(write);
    client.waitEntry(blpop);
    const watch = client.send(COMMAND.watch.op, SLOT + 1, ['t', 'k'], READS, undefined, 't');
    expect(received(PRIMARY)).toEqual([client.pending.id(watch)]);
    reply(PRIMARY, watch);
    client.waitEntry(watch);
    control.slotState[SLOT] = SlotState.Migrating;
    expect(readGoesTo()).toBe(PRIMARY);
    control.slotState[SLOT] = SlotState.Stable;
    // Without the flag, a call goes to the primary as before.
    const plain = client.send1(COMMAND.get.op, SLOT, PendingFlag.Sync, undefined, 'k');
    expect(received(PRIMARY)).toEqual([client.pending.id(plain)]);
  });

  it('never go back: a replica behind what the thread saw is passed over for the primary', () => {
    const { control, client, reply, received, readGoesTo } = setup();
    expect(readGoesTo()).toBe(REPLICA_A);
    expect(client.reads.floorOf(0)).toBe(100);
    // A write through the primary answers at offset 150: the pinned replica, at 100, may not
    // show it, so reads go to the primary until it acknowledged 150.
    const write = client.send2(COMMAND.set.op, SLOT, READS, undefined, 'k', 'v');
    expect(received(PRIMARY)).toEqual([client.pending.id(write)]);
    control.setOffset(PRIMARY, 150);
    reply(PRIMARY, write);
    client.waitEntry(write);
    expect(client.reads.floorOf(0)).toBe(150);
    expect(readGoesTo()).toBe(PRIMARY);
    control.setOffset(REPLICA_A, 149);
    expect(readGoesTo()).toBe(PRIMARY);
    control.setOffset(REPLICA_A, 150);
    expect(readGoesTo()).toBe(REPLICA_A);
    // A replica's reply raises the floor to what that replica acknowledged.
    control.setOffset(REPLICA_A, 170);
    control.setOffset(PRIMARY, 170);
    expect(readGoesTo()).toBe(REPLICA_A);
    expect(client.reads.floorOf(0)).toBe(170);
    // Its replica dies: the other one is used only once it holds the floor.
    control.setShardState(REPLICA_A, ShardState.Dead, 1);
    control.setOffset(REPLICA_B, 160);
    expect(readGoesTo()).toBe(PRIMARY);
    control.setOffset(REPLICA_B, 170);
    expect(readGoesTo()).toBe(REPLICA_B);
    // A replica getting a full copy is passed over, and picked again once it streams.
    control.setReplicaState(REPLICA_B, ReplicaState.Syncing);
    expect(readGoesTo()).toBe(PRIMARY);
    control.setReplicaState(REPLICA_B, ReplicaState.Streaming);
    expect(readGoesTo()).toBe(REPLICA_B);
  });

  it('start from the primary offset of the first call, and come down to a new primary after a failover', () => {
    const { control, client, readGoesTo } = setup();
    control.setOffset(PRIMARY, 300); // writes the thread may have read before, from the primary
    expect(readGoesTo()).toBe(PRIMARY);
    expect(client.reads.floorOf(0)).toBe(300);
    control.setOffset(REPLICA_A, 300);
    expect(readGoesTo()).toBe(REPLICA_A);
    // Replica B takes over at offset 280 (the old primary's last writes were lost); A resyncs.
    control.setWorker(REPLICA_B, WorkerRole.Primary, 0);
    Atomics.store(control.primaries, 0, REPLICA_B);
    control.owner[SLOT] = REPLICA_B;
    control.setOffset(REPLICA_B, 280);
    control.setReplicaState(REPLICA_B, ReplicaState.None);
    control.setReplicaState(REPLICA_A, ReplicaState.Syncing);
    expect(readGoesTo()).toBe(REPLICA_B);
    expect(client.reads.floorOf(0)).toBe(280);
    // A streams again, but still from the dead primary's stream: not used.
    control.setReplicaState(REPLICA_A, ReplicaState.Streaming);
    control.setOffset(REPLICA_A, 290);
    expect(readGoesTo()).toBe(REPLICA_B);
    // Once it follows the new primary (a full copy from it), it is used again.
    control.setReplicaOf(REPLICA_A, REPLICA_B);
    control.setOffset(REPLICA_A, 280);
    expect(readGoesTo()).toBe(REPLICA_A);
  });

  it('keep pipelined reads of a slot on the worker their first frame went to', () => {
    const { control, client, received, reply } = setup();
    const first = client.send1(COMMAND.get.op, SLOT, READS, undefined, 'k');
    control.setOffset(REPLICA_A, 50); // behind now, but frames of the slot are in flight there
    const second = client.send1(COMMAND.get.op, SLOT, READS, undefined, 'k');
    expect(received(REPLICA_A)).toEqual([client.pending.id(first), client.pending.id(second)]);
    reply(REPLICA_A, first);
    reply(REPLICA_A, second);
    expect([client.waitEntry(first), client.waitEntry(second)]).toEqual(['OK', 'OK']);
  });

  it('send reads in flight to a replica that died to the primary, in order, before later calls', () => {
    const { control, client, received, reply } = setup();
    const first = client.send1(COMMAND.get.op, SLOT, READS, undefined, 'k');
    const second = client.send2(COMMAND.hget.op, SLOT, READS, undefined, 'h', 'f');
    const write = client.send2(COMMAND.set.op, SLOT, READS, undefined, 'k', 'v');
    expect(received(REPLICA_A)).toEqual([client.pending.id(first), client.pending.id(second)]);
    expect(client.pending.shard[write]).toBe(-1); // held behind the reads (slot fence)
    control.setShardState(REPLICA_A, ShardState.Dead, 1);
    client.checkHealth();
    expect(received(PRIMARY)).toEqual([
      client.pending.id(first),
      client.pending.id(second),
      client.pending.id(write),
    ]);
    reply(PRIMARY, first, 'v1');
    reply(PRIMARY, second, 'v2');
    reply(PRIMARY, write);
    expect([client.waitEntry(first), client.waitEntry(second), client.waitEntry(write)]).toEqual([
      'v1',
      'v2',
      'OK',
    ]);
  });

  it('take the first answer of a read sent twice and drop the second', () => {
    const { control, client, received, reply } = setup();
    const read = client.send1(COMMAND.get.op, SLOT, READS, undefined, 'k');
    expect(received(REPLICA_A)).toEqual([client.pending.id(read)]);
    // The primary dies: the replica may have handed the read to it, so it goes again, to the
    // owner once one takes over (here, the slot map names the new primary at once).
    control.owner[SLOT] = REPLICA_B;
    control.setShardState(PRIMARY, ShardState.Dead, 1);
    client.checkHealth();
    expect(received(REPLICA_B)).toEqual([client.pending.id(read)]);
    reply(REPLICA_A, read, 'first');
    reply(REPLICA_B, read, 'second');
    expect(client.waitEntry(read)).toBe('first');
  });
});
