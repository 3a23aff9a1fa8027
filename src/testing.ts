// Hooks for slotdb's own tests: kill a shard's worker, inject faults. Not part of the API.

import type { Worker } from 'node:worker_threads';
import type { ShardFaults } from './shared/control-messages.js';
import { type SlotDB, kPool } from './db.js';

export function shardWorker(db: SlotDB, shard: number): Worker {
  const pool = db[kPool];
  if (pool === undefined) throw new Error('slotdb: only the opening thread has shard workers');
  const worker = pool.workers[shard];
  if (worker === undefined) throw new Error(`slotdb: no shard ${shard}`);
  return worker;
}

/** Injects faults into a shard (see ShardFaults); `{}` clears them. */
export async function setShardFaults(db: SlotDB, shard: number, faults: ShardFaults): Promise<void> {
  const pool = db[kPool];
  if (pool === undefined) throw new Error('slotdb: only the opening thread can inject faults');
  await pool.request(shard, { type: 'faults', faults });
}
