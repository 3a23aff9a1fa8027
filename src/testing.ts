// Hooks for slotdb's own tests: kill a shard's worker, inject faults. Not part of the API.

import type { Worker } from 'node:worker_threads';
import { kClient, kPool, type SlotDB } from './db.js';
import { NotOpenerError, OptionError } from './errors.js';
import type { FailoverRecord } from './replication/replica-sets.js';
import { REQ_HEADER_BYTES } from './shared/codec.js';
import type { KeyspaceDigest, ShardFaults } from './shared/control-messages.js';

/** The worker of `shard`'s primary (its seat changes when the shard fails over). */
export function shardWorker(db: SlotDB, shard: number): Worker {
  const pool = db[kPool];
  if (pool === undefined) throw new NotOpenerError('reach shard workers');
  if (!Number.isInteger(shard) || shard < 0 || shard >= pool.options.shards) {
    throw new OptionError(
      'shard',
      `a shard of this database (0..${pool.options.shards - 1})`,
      shard,
    );
  }
  return pool.workers[pool.control.primaryOf(shard)]!;
}

/** The worker of `shard`'s replica number `index` (its live replicas, in seat order). */
export function replicaWorker(db: SlotDB, shard: number, index: number): Worker {
  const pool = db[kPool];
  if (pool === undefined) throw new NotOpenerError('reach replica workers');
  shardWorker(db, shard);
  const seats = pool.replicaSets.replicasOf(shard);
  const seat = seats[index];
  if (seat === undefined) {
    throw new OptionError('index', `a replica of shard ${shard} (it has ${seats.length})`, index);
  }
  return pool.workers[seat]!;
}

/** Waits until every replica of every shard streams (holds a full copy), or throws after `ms`. */
export async function replicasStreaming(db: SlotDB, ms = 10_000): Promise<void> {
  const deadline = performance.now() + ms;
  for (;;) {
    const shards = db.stats().shards;
    const missing = shards.some(
      (shard) =>
        shard.replicas.length < db[kPool]!.options.replicas ||
        shard.replicas.some((replica) => replica.state !== 'streaming'),
    );
    if (!missing) return;
    if (performance.now() > deadline) throw new Error('replicas did not catch up in time');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** Injects faults into a shard (see ShardFaults); `{}` clears them. */
export async function setShardFaults(
  db: SlotDB,
  shard: number,
  faults: ShardFaults,
): Promise<void> {
  const pool = db[kPool];
  if (pool === undefined) throw new NotOpenerError('inject faults');
  await pool.request(pool.control.primaryOf(shard), { type: 'faults', faults });
}

/** Injects faults into `shard`'s replica number `index` (see ShardFaults); `{}` clears them. */
export async function setReplicaFaults(
  db: SlotDB,
  shard: number,
  index: number,
  faults: ShardFaults,
): Promise<void> {
  const pool = db[kPool]!;
  const worker = replicaWorker(db, shard, index);
  await pool.request(pool.workers.indexOf(worker), { type: 'faults', faults });
}

/**
 * Sends `op` with `args` (ASCII strings) to the owner of `slot`, after `corrupt` changed the staged
 * frame (its DataView and the frame's start): a malformed request straight into a shard's ring.
 * Resolves with the reply, or rejects with the error reply. Nothing else may be staged for that
 * shard, and the frame must stay under REQUEST_STREAM_BYTES so it is still staged.
 */
export function sendCorrupted(
  db: SlotDB,
  slot: number,
  op: number,
  args: readonly string[],
  corrupt: (view: DataView, start: number) => void,
): Promise<unknown> {
  const client = db[kClient];
  const shard = db.slotOwner(slot);
  const index = client.send(op, slot, args, 0, undefined, undefined);
  const writer = client.outbox.writers[shard]!;
  let bytes = REQ_HEADER_BYTES;
  for (const arg of args) bytes += 4 + arg.length;
  const start = writer.tail - bytes;
  if (start < writer.head || writer.view.getUint32(start, true) !== bytes) {
    throw new OptionError('args', 'a frame that is still staged', 'a flushed frame');
  }
  corrupt(writer.view, start);
  return client.promiseFor(index);
}

/** Sets how long a seat's heartbeat must stay still before `handle()` reclaims it (ms). */
export function setHeartbeatGrace(db: SlotDB, ms: number): void {
  const pool = db[kPool];
  if (pool === undefined) throw new NotOpenerError('reclaim seats');
  pool.heartbeatGraceMs = ms;
}

/**
 * The bytes of `shard`'s JavaScript heap in use, measured by the shard after a full garbage
 * collection when the process runs with --expose-gc (which worker threads inherit); otherwise
 * garbage not yet collected is counted too.
 */
export async function shardHeapBytes(db: SlotDB, shard: number): Promise<number> {
  const pool = db[kPool];
  if (pool === undefined) throw new NotOpenerError('measure shard heaps');
  const reply = await pool.request(shard, { type: 'heap' });
  return reply.heapUsedBytes ?? 0;
}

/** The failovers so far (oldest first), as the opening thread recorded them. */
export function failoverRecords(db: SlotDB): readonly FailoverRecord[] {
  const pool = db[kPool];
  if (pool === undefined) throw new NotOpenerError('read failovers');
  return pool.replicaSets.failovers;
}

/**
 * The keys worker `seat` holds, in canonical form (workers/replication/digest.ts), with the journal
 * offset they are at: a replica at its primary's offset must list exactly what the primary lists.
 */
export async function keyspaceDigest(
  db: SlotDB,
  seat: number,
  expiredBy = 0,
): Promise<KeyspaceDigest> {
  const pool = db[kPool];
  if (pool === undefined) throw new NotOpenerError('read worker keyspaces');
  const reply = await pool.request(seat, { type: 'digest', expiredBy });
  if (reply.digest === undefined) throw new Error(`worker ${seat} sent no digest`);
  return reply.digest;
}
