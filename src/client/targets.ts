// Where the frames of a keyless command go: the primary of every shard (DBSIZE, FLUSHALL, KEYS),
// or for WAIT the primaries of the shards this thread wrote to since its last WAIT.

import { type ControlBlock, WorkerRole } from '../shared/control-block.js';

/** The seat of every shard's primary, in shard order. */
export function primarySeats(control: ControlBlock): number[] {
  const list: number[] = [];
  for (let shard = 0; shard < control.shardCount; shard++) list.push(control.primaryOf(shard));
  return list;
}

/**
 * The primaries of the shards written to since the last call (every primary when none), from
 * `wrote` (per worker seat, kept by the outbox), which it clears. A write to a worker that handed
 * its shard over (a planned failover: it became a replica) counts for its shard's primary now,
 * which holds every write it had. A write to a primary that died and was replaced (it stays a
 * primary in the slot map's roles) may have died with it: the WAIT goes to the dead worker and
 * fails (FailoverError), instead of a new primary answering for writes it never saw. (Writes the
 * death failed are not counted: their callers were told.)
 */
export function writtenPrimaries(control: ControlBlock, wrote: Uint32Array): number[] {
  const targets: number[] = [];
  for (let worker = 0; worker < wrote.length; worker++) {
    if (wrote[worker] === 0) continue;
    wrote[worker] = 0;
    const primary = control.primaryOf(control.workerShard(worker));
    const replaced = primary !== worker && control.workerRole(worker) === WorkerRole.Primary;
    const target = replaced ? worker : primary;
    if (!targets.includes(target)) targets.push(target);
  }
  return targets.length > 0 ? targets : primarySeats(control);
}
