// The shard's counters, published to the control block's stats (what db.stats() reads).

import { getHeapStatistics } from 'node:v8';
import { ShardStat } from '../../src/shared/control-block.js';
import { ForegroundHistory } from '../migration/pacing/foreground.js';
import type { Shard } from '../shard.js';
import { StallLog } from './stall-log.js';

/** How often, at most, a busy shard reads its heap size for db.stats(). */
const HEAP_READ_MS = 100;

export class ShardStats {
  /** Requests executed or routed, from clients and forwarded. */
  ops = 0;
  /** Requests this shard forwarded to another. */
  redirected = 0;
  /** Time spent parked (ms); the rest of the time since the start went to work or spinning. */
  parkedMs = 0;
  private readonly startedAt = performance.now();
  /** The clients' rate over the last second: a move's pace starts from it (pacing/foreground.ts). */
  readonly foreground: ForegroundHistory;
  /** When the heap figure was last read (it costs an object, so at most every HEAP_READ_MS). */
  private heapReadAt = -Infinity;
  /** With SLOTDB_STALL_LOG set (debugging latency outliers): see stall-log.ts. */
  private readonly stalls: StallLog | undefined;

  constructor(private readonly shard: Shard) {
    this.stalls = StallLog.fromEnv(shard.id, shard.clock);
    this.foreground = new ForegroundHistory(shard.control);
  }

  publish(): void {
    const shard = this.shard;
    const control = shard.control;
    const stats = control.stats;
    const keyspace = shard.keyspace;
    const id = shard.id;
    stats[control.statIndex(id, ShardStat.Keys)] = keyspace.keyCount;
    stats[control.statIndex(id, ShardStat.Ops)] = this.ops;
    stats[control.statIndex(id, ShardStat.ExpiredKeys)] = keyspace.expiredCount;
    stats[control.statIndex(id, ShardStat.Slots)] = keyspace.tableCount;
    stats[control.statIndex(id, ShardStat.Redirected)] = this.redirected;
    stats[control.statIndex(id, ShardStat.ParkedMs)] = this.parkedMs;
    stats[control.statIndex(id, ShardStat.RunningMs)] = shard.clock - this.startedAt;
    if (this.stalls !== undefined) this.stalls.turn(shard.clock, this.parkedMs);
    // A primary's journal offset, before its replies go out: a client reading from replicas takes
    // it as the least a replica must hold to show what those replies showed.
    const journal = shard.replication.journal;
    if (journal !== undefined) control.setOffset(id, journal.offset);
    if (shard.clock - this.heapReadAt >= HEAP_READ_MS) {
      this.heapReadAt = shard.clock;
      this.foreground.record(shard.clock);
      stats[control.statIndex(id, ShardStat.HeapUsedBytes)] = getHeapStatistics().used_heap_size;
      stats[control.statIndex(id, ShardStat.StoreBytes)] = keyspace.storeBytes;
    }
  }
}
