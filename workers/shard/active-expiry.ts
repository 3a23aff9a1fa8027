// Active expiry: the shard reclaims expired keys in deadline order, a bounded amount per cycle, so
// that reclaiming never shows up as a long stall.

import {
  EXPIRE_CYCLE_BACKLOG_INTERVAL_MS,
  EXPIRE_CYCLE_BUDGET_MS,
  EXPIRE_CYCLE_INTERVAL_MS,
  EXPIRE_CYCLE_KEYS_MAX,
} from '../../src/shared/limits.js';
import type { Shard } from '../shard.js';

/** Expiry deletes run in chunks of this many keys between clock checks. */
const EXPIRE_CHUNK_KEYS = 64;

export class ActiveExpiry {
  /** When the next cycle is due (Date.now() ms). */
  nextAt = 0;

  constructor(private readonly shard: Shard) {}

  /** Deletes expired keys in deadline order, for at most EXPIRE_CYCLE_BUDGET_MS. */
  run(now: number): void {
    const keyspace = this.shard.keyspace;
    const deadline = performance.now() + EXPIRE_CYCLE_BUDGET_MS;
    let deleted = 0;
    let more = false;
    while (deleted < EXPIRE_CYCLE_KEYS_MAX) {
      const chunk = keyspace.expireDue(EXPIRE_CHUNK_KEYS);
      deleted += chunk;
      if (chunk < EXPIRE_CHUNK_KEYS) break;
      if (performance.now() >= deadline) {
        more = true;
        break;
      }
    }
    if (deleted >= EXPIRE_CYCLE_KEYS_MAX) more = true;
    this.nextAt = now + (more ? EXPIRE_CYCLE_BACKLOG_INTERVAL_MS : EXPIRE_CYCLE_INTERVAL_MS);
    if (deleted > 0) this.shard.stats.publish();
  }
}
