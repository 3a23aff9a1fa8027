// Hooks for slotdb's own tests: reach the worker of a shard to kill it. Not part of the API.

import type { Worker } from 'node:worker_threads';
import { type SlotDB, kPool } from './db.js';

export function shardWorker(db: SlotDB, shard: number): Worker {
  const pool = db[kPool];
  if (pool === undefined) throw new Error('slotdb: only the opening thread has shard workers');
  const worker = pool.workers[shard];
  if (worker === undefined) throw new Error(`slotdb: no shard ${shard}`);
  return worker;
}
