// Where a WAIT goes after failovers (src/client/targets.ts): a worker that handed its shard over
// sends it to the new primary, which holds every write; a primary that died and was replaced keeps
// it, so the WAIT fails rather than have the new primary answer for writes it may never have seen.

import { describe, expect, it } from 'vitest';
import { writtenPrimaries } from '../../src/client/targets.js';
import { ControlBlock, WorkerRole } from '../../src/shared/control-block.js';

/** Two shards, primaries in seats 0 and 1, replicas in seats 2 and 3. */
function control(): ControlBlock {
  const block = new ControlBlock();
  block.shardCount = 2;
  block.workerCount = 4;
  for (let shard = 0; shard < 2; shard++) {
    Atomics.store(block.primaries, shard, shard);
    block.setWorker(shard, WorkerRole.Primary, shard);
    block.setWorker(shard + 2, WorkerRole.Replica, shard);
  }
  return block;
}

describe('WAIT targets', () => {
  it('are the primaries written to, every primary when none, and clear the counts', () => {
    const block = control();
    const wrote = new Uint32Array(4);
    expect(writtenPrimaries(block, wrote)).toEqual([0, 1]);
    wrote[1] = 3;
    expect(writtenPrimaries(block, wrote)).toEqual([1]);
    expect([...wrote]).toEqual([0, 0, 0, 0]);
  });

  it('follow a planned failover to the new primary', () => {
    const block = control();
    // Seat 2 took shard 0 over; seat 0 became its replica.
    Atomics.store(block.primaries, 0, 2);
    block.setWorker(2, WorkerRole.Primary, 0);
    block.setWorker(0, WorkerRole.Replica, 0);
    expect(writtenPrimaries(block, Uint32Array.of(1, 0, 0, 0))).toEqual([2]);
  });

  it('stay with a primary that died and was replaced', () => {
    const block = control();
    // Seat 2 took shard 0 over after seat 0 died (it keeps its primary role).
    Atomics.store(block.primaries, 0, 2);
    block.setWorker(2, WorkerRole.Primary, 0);
    expect(writtenPrimaries(block, Uint32Array.of(1, 1, 1, 0))).toEqual([0, 1, 2]);
  });
});
