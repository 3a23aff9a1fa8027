// The client's slot fence, with real rings and no shard: the test reads the request rings and
// writes the replies itself, so the order frames go out in is seen exactly.

import { describe, expect, it } from 'vitest';
import { Client } from '../../src/client/client.js';
import { Aggregate, PendingFlag } from '../../src/client/pending.js';
import { COMMAND } from '../../src/commands/table.js';
import { ProfileSlab } from '../../src/profiler/slab.js';
import {
  beginReply,
  endFrame,
  NO_SLOT,
  putLine,
  REQ_ARGC,
  REQ_HEADER_BYTES,
  REQ_ID,
  REQ_SLOT,
  ValueType,
} from '../../src/shared/codec.js';
import { ControlBlock, ShardState, WorkerRole } from '../../src/shared/control-block.js';
import { createRingStorage, FrameReader, FrameWriter } from '../../src/shared/ring.js';

const SLOT = 1234;
const SYNC = PendingFlag.Sync;

interface Sent {
  readonly id: number;
  readonly slot: number;
  readonly argc: number;
}

function setup(shards: number) {
  const control = new ControlBlock();
  // As a pool without replicas lays it out: shard i is its own primary, in seat i.
  control.shardCount = shards;
  control.workerCount = shards;
  for (let shard = 0; shard < shards; shard++) {
    Atomics.store(control.primaries, shard, shard);
    control.setWorker(shard, WorkerRole.Primary, shard);
  }
  const requests = Array.from({ length: shards }, () => createRingStorage(1 << 16));
  const replies = Array.from({ length: shards }, () => createRingStorage(1 << 16));
  const rings = { client: 0, generation: 1, requests, replies, profile: new ProfileSlab().sab };
  const client = new Client(control, rings, { spinMicros: 0, pendingMax: 0 });
  const readers = requests.map((storage) => new FrameReader(storage, REQ_HEADER_BYTES));
  const writers = replies.map((storage) => new FrameWriter(storage));
  /** The request frames `shard` received since the last look. */
  const received = (shard: number): Sent[] => {
    const reader = readers[shard]!;
    reader.fill();
    const frames: Sent[] = [];
    for (let at = reader.next(); at >= 0; at = reader.next()) {
      const view = reader.view;
      frames.push({
        id: view.getUint32(at + REQ_ID, true),
        slot: view.getUint16(at + REQ_SLOT, true),
        argc: view.getUint32(at + REQ_ARGC, true),
      });
      reader.advance(at);
    }
    return frames;
  };
  /** `shard` answers request `id` with +OK. */
  const reply = (shard: number, id: number): void => {
    const writer = writers[shard]!;
    const start = beginReply(writer, id);
    putLine(writer, ValueType.Status, 'OK');
    endFrame(writer, start);
    writer.flush();
  };
  const done = (index: number): boolean => (client.pending.flags[index]! & PendingFlag.Done) !== 0;
  return { control, client, received, reply, done };
}

describe('slot fence', () => {
  it('holds a slot that changed owner until the old one replied, then sends in order', () => {
    const { control, client, received, reply, done } = setup(2);
    control.owner[SLOT] = 0;
    const first = client.send1(COMMAND.incr.op, SLOT, SYNC, undefined, 'k');
    client.pushStaged();
    expect(received(0)).toEqual([{ id: client.pending.id(first), slot: SLOT, argc: 1 }]);

    // The slot moves to shard 1 while `first` is in flight through shard 0.
    control.owner[SLOT] = 1;
    control.owner[SLOT + 1] = 1;
    const second = client.send2(COMMAND.incrby.op, SLOT, SYNC, undefined, 'k', 2);
    const third = client.send(COMMAND.set.op, SLOT, ['k', 'v', 'NX'], SYNC, undefined, 'k');
    const other = client.send1(COMMAND.get.op, SLOT + 1, SYNC, undefined, 'other'); // not fenced
    client.pushStaged();
    expect(client.pending.shard[second]).toBe(-1);
    expect(client.pending.shard[third]).toBe(-1);
    expect(received(1)).toEqual([{ id: client.pending.id(other), slot: SLOT + 1, argc: 1 }]);
    expect(received(0)).toEqual([]);

    // Once the old owner replied, the held frames go to the new owner, in issue order.
    reply(0, client.pending.id(first));
    expect(client.poll()).toBe(1);
    expect(done(first)).toBe(true);
    expect(client.pending.value[first]).toBe('OK');
    expect(received(1)).toEqual([
      { id: client.pending.id(second), slot: SLOT, argc: 2 },
      { id: client.pending.id(third), slot: SLOT, argc: 3 },
    ]);
    expect(client.pending.shard[second]).toBe(1);
    expect(done(second)).toBe(false);

    // With nothing in flight through another shard, a new frame goes straight to the owner.
    reply(1, client.pending.id(second));
    reply(1, client.pending.id(third));
    expect(client.poll()).toBe(2);
    const fourth = client.send1(COMMAND.get.op, SLOT, SYNC, undefined, 'k');
    client.pushStaged();
    expect(received(1)).toEqual([{ id: client.pending.id(fourth), slot: SLOT, argc: 1 }]);
  });

  it('keeps the rest held when the slot moves again while it releases', () => {
    const { control, client, received, reply } = setup(3);
    control.owner[SLOT] = 0;
    const first = client.send1(COMMAND.get.op, SLOT, SYNC, undefined, 'k');
    client.pushStaged();
    received(0);
    control.owner[SLOT] = 1;
    const second = client.send1(COMMAND.get.op, SLOT, SYNC, undefined, 'k');
    const third = client.send1(COMMAND.get.op, SLOT, SYNC, undefined, 'k');
    expect([client.pending.shard[second], client.pending.shard[third]]).toEqual([-1, -1]);
    // The slot is on shard 1 when `first` replies, and moves on to shard 2 right after `second`
    // went to shard 1, before `third` is released: `third` must stay held behind `second`.
    const sendHeld = client.sendHeld.bind(client);
    let released = 0;
    client.sendHeld = (shard, slot, frame) => {
      sendHeld(shard, slot, frame);
      if (++released === 1) control.owner[SLOT] = 2;
    };
    reply(0, client.pending.id(first));
    client.poll();
    expect(released).toBe(1);
    expect(received(1).map((frame) => frame.id)).toEqual([client.pending.id(second)]);
    expect(received(2)).toEqual([]);
    expect(client.pending.shard[third]).toBe(-1);
    // A later frame queues behind the held one.
    const fourth = client.send1(COMMAND.get.op, SLOT, SYNC, undefined, 'k');
    client.pushStaged();
    expect(client.pending.shard[fourth]).toBe(-1);
    expect(received(2)).toEqual([]);
    // Once `second` replied, `third` and then `fourth` go to shard 2, in issue order.
    reply(1, client.pending.id(second));
    client.poll();
    expect(received(1)).toEqual([]);
    expect(received(2).map((frame) => frame.id)).toEqual([
      client.pending.id(third),
      client.pending.id(fourth),
    ]);
    expect([client.pending.shard[third], client.pending.shard[fourth]]).toEqual([2, 2]);
  });

  it('fails a held frame whose new owner died instead of sending it', () => {
    const { control, client, received, reply, done } = setup(2);
    control.owner[SLOT] = 0;
    const first = client.send1(COMMAND.get.op, SLOT, SYNC, undefined, 'k');
    client.pushStaged();
    received(0);
    control.owner[SLOT] = 1;
    const held = client.send1(COMMAND.get.op, SLOT, SYNC, undefined, 'k');
    control.setShardState(1, ShardState.Dead, 9);
    reply(0, client.pending.id(first));
    client.poll();
    expect(done(held)).toBe(true);
    expect(client.pending.value[held]).toMatchObject({ name: 'ShardDownError' });
    expect(received(1)).toEqual([]);
  });
});

describe('sendParts', () => {
  it('sends every part or, when one target is down, none', () => {
    const { control, client, received } = setup(2);
    const all = new Aggregate(() => 'merged', undefined);
    client.sendParts(COMMAND.dbsize.op, [NO_SLOT, NO_SLOT], [[], []], SYNC, false, all, [0, 1]);
    client.pushStaged();
    expect(all.remaining).toBe(2);
    expect(received(0)).toHaveLength(1);
    expect(received(1)).toHaveLength(1);

    control.setShardState(1, ShardState.Dead, 1);
    const none = new Aggregate(() => 'merged', undefined);
    const send = (): void =>
      client.sendParts(COMMAND.dbsize.op, [NO_SLOT, NO_SLOT], [[], []], SYNC, false, none, [0, 1]);
    expect(send).toThrow(/exited with code 1/);
    client.pushStaged();
    expect(none.remaining).toBe(0);
    expect(received(0)).toEqual([]);
  });
});
