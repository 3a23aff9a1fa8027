// The profiler's replication causes on the client: a WAIT held for replicas (its reply's wait
// reason) is a replication wait; a slow operation of a shard that failed over while it was in
// flight, and one that failed with FailoverError, are explained by the failover.

import { describe, expect, it } from 'vitest';
import { Cause } from '../../src/profiler/causes.js';
import { setFailoverWindow } from '../../src/profiler/failover-window.js';
import { ProfileRecorder } from '../../src/profiler/recorder.js';
import { ProfileSlab, type SlowOp } from '../../src/profiler/slab.js';
import { beginRequest, NO_SLOT } from '../../src/shared/codec.js';
import { ControlBlock, WorkerRole } from '../../src/shared/control-block.js';
import { createRingStorage, FrameWriter } from '../../src/shared/ring.js';
import {
  absoluteNow,
  PROFILE_BUCKETS_MAX,
  RTIMING_BYTES,
  RTIMING_EXECUTED,
  RTIMING_ISSUED,
  RTIMING_PICKED_UP,
  RTIMING_PUSHED,
  RTIMING_REPLIED,
  RTIMING_WAIT_MS,
  RTIMING_WAIT_REASON,
  WaitReason,
} from '../../src/shared/timing-layout.js';

const SLOT_OF_SHARD_1 = 9000;

/** A recorder of a running profile (threshold 1 ms) over two shards, slot 9000 on shard 1. */
function setup() {
  const control = new ControlBlock();
  control.shardCount = 2;
  control.setWorker(0, WorkerRole.Primary, 0);
  control.setWorker(1, WorkerRole.Primary, 1);
  control.owner[SLOT_OF_SHARD_1] = 1;
  control.setProfile(1, absoluteNow() - 1000, 10, 1);
  const slab = new ProfileSlab();
  const recorder = new ProfileRecorder(control, slab);
  expect(recorder.active()).toBe(true);
  return { control, slab, recorder };
}

/**
 * A reply timing block of an operation issued 40 ms ago that waited `waitMs` for `reason`, or
 * else queued on its shard for most of that time.
 */
function block(waitMs: number, reason: number): DataView {
  const now = absoluteNow();
  const view = new DataView(new ArrayBuffer(RTIMING_BYTES));
  view.setFloat64(RTIMING_ISSUED, now - 40, true);
  view.setFloat64(RTIMING_PICKED_UP, now - (waitMs > 0 ? 39.9 : 2), true);
  view.setFloat64(RTIMING_EXECUTED, now - 1, true);
  view.setFloat64(RTIMING_REPLIED, now - 0.9, true);
  view.setFloat64(RTIMING_PUSHED, now - 0.8, true);
  view.setFloat32(RTIMING_WAIT_MS, waitMs, true);
  view.setUint8(RTIMING_WAIT_REASON, reason);
  return view;
}

function slowOps(slab: ProfileSlab): SlowOp[] {
  return slab.read(PROFILE_BUCKETS_MAX).slowOps;
}

describe('the profiler’s replication causes', () => {
  it('explains a WAIT held on its primary as replication-wait', () => {
    const { slab, recorder } = setup();
    recorder.repliesArriving();
    recorder.onReply(block(38, WaitReason.Replication), 0, NO_SLOT, undefined);
    const [op] = slowOps(slab);
    expect(op!.cause).toBe(Cause.ReplicationWait);
    expect(op!.segments.wait).toBeCloseTo(38, 3);
  });

  it('explains a slow operation of a shard that failed over meanwhile by the failover', () => {
    const { control, slab, recorder } = setup();
    const now = absoluteNow();
    setFailoverWindow(control, 1, now - 30, now - 5);
    recorder.repliesArriving();
    recorder.onReply(block(0, WaitReason.None), 0, SLOT_OF_SHARD_1, 'on-1');
    recorder.onReply(block(0, WaitReason.None), 0, 0, 'on-0');
    const byKey = new Map(slowOps(slab).map((op) => [op.key.toString(), op.cause]));
    expect(byKey.get('on-1')).toBe(Cause.Failover);
    expect(byKey.get('on-0')).toBe(Cause.ShardQueue);
    // A failover before the operation was issued explains nothing.
    setFailoverWindow(control, 1, now - 100, now - 50);
    recorder.onReply(block(0, WaitReason.None), 0, SLOT_OF_SHARD_1, 'later');
    expect(slowOps(slab).find((op) => op.key.toString() === 'later')!.cause).toBe(Cause.ShardQueue);
  });

  it('records an operation that failed over as slow, of cause failover, timed from its issue', () => {
    const { slab, recorder } = setup();
    const writer = new FrameWriter(createRingStorage(1 << 16));
    recorder.stamp(writer, beginRequest(writer, 0, 7, 1, 1, 0, 0, 1), false);
    recorder.issued(3, 77);
    const issuedAt = absoluteNow();
    while (absoluteNow() - issuedAt < 2);
    recorder.onFailed(3, 78, 7, 'reused'); // another use of entry 3: not timed
    expect(slowOps(slab)).toEqual([]);
    recorder.onFailed(3, 77, 7, 'k');
    const [op] = slowOps(slab);
    expect(op).toMatchObject({ cause: Cause.Failover, slot: 7 });
    expect(op!.latencyMs).toBeGreaterThanOrEqual(2);
    expect(op!.key.toString()).toBe('k');
    expect(slab.read(PROFILE_BUCKETS_MAX).counts.reduce((a, b) => a + b, 0)).toBe(1);
  });
});
