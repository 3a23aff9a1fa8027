// Hooks for slotdb's own tests: kill a shard's worker, inject faults. Not part of the API.

import type { Worker } from 'node:worker_threads';
import { kPool, type SlotDB } from './db.js';
import { NotOpenerError, OptionError } from './errors.js';
import type { ShardFaults } from './shared/control-messages.js';

export function shardWorker(db: SlotDB, shard: number): Worker {
  const pool = db[kPool];
  if (pool === undefined) throw new NotOpenerError('reach shard workers');
  const worker = pool.workers[shard];
  if (worker === undefined) throw new OptionError('shard', `a shard of this database`, shard);
  return worker;
}

/** Injects faults into a shard (see ShardFaults); `{}` clears them. */
export async function setShardFaults(
  db: SlotDB,
  shard: number,
  faults: ShardFaults,
): Promise<void> {
  const pool = db[kPool];
  if (pool === undefined) throw new NotOpenerError('inject faults');
  await pool.request(shard, { type: 'faults', faults });
}

/** Sets how long a seat's heartbeat must stay still before `handle()` reclaims it (ms). */
export function setHeartbeatGrace(db: SlotDB, ms: number): void {
  const pool = db[kPool];
  if (pool === undefined) throw new NotOpenerError('reclaim seats');
  pool.heartbeatGraceMs = ms;
}
