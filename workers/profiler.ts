// The shard side of the migration stall profiler: per time bucket, what the shard did (commands,
// redirections, lock waits, time its replies waited for ring space, time asleep), the slots it
// moved, the timings of every batch it sent (serialize, transfer, apply, acknowledge), and which
// keys waited for locks and how long. Sent to the opening thread when the profile stops.

import type { LockMode, MigrationOutcome } from '../src/shared/control-messages.js';
import {
  type BatchTiming,
  bucketWidthMs,
  PROFILE_BUCKETS_MAX,
  type ShardProfileDump,
  type SlotMove,
} from '../src/shared/timing-layout.js';

/** Batches whose timings are kept (the report summarises them; the rest only count). */
const BATCHES_MAX = 20_000;
/** Distinct keys whose lock waits are kept apart (beyond, they only add to the totals). */
const LOCK_KEYS_MAX = 10_000;
/** Keys with the longest lock waits sent in the dump. */
const LOCK_KEYS_REPORTED = 100;

export class ShardProfiler {
  private readonly ops = new Float64Array(PROFILE_BUCKETS_MAX);
  private readonly parkedMs = new Float64Array(PROFILE_BUCKETS_MAX);
  private readonly redirections = new Float64Array(PROFILE_BUCKETS_MAX);
  private readonly lockWaitCounts = new Float64Array(PROFILE_BUCKETS_MAX);
  private readonly lockWaitMs = new Float64Array(PROFILE_BUCKETS_MAX);
  private readonly replyBacklogMs = new Float64Array(PROFILE_BUCKETS_MAX);
  private readonly migratedKeys = new Float64Array(PROFILE_BUCKETS_MAX);
  /** NaN where no adaptive pace adjusted. */
  private readonly paceDuty = new Float64Array(PROFILE_BUCKETS_MAX).fill(Number.NaN);
  private readonly moves = new Map<number, SlotMove>();
  private readonly batches: BatchTiming[] = [];
  private batchesDropped = 0;
  /** By slot and key (`${slot}:${key}`): a key name alone can stand in two slots' waits (''). */
  private readonly lockKeys = new Map<
    string,
    { key: string; slot: number; count: number; totalMs: number; maxMs: number }
  >();
  private lockWaitsTotal = 0;
  private lockWaitsTotalMs = 0;
  private lockWaitsMaxMs = 0;

  constructor(
    /** The worker's seat. */
    readonly worker: number,
    readonly startAbs: number,
    readonly bucketMs: number,
  ) {}

  bucketOf(abs: number): number {
    return Math.min(
      PROFILE_BUCKETS_MAX - 1,
      Math.max(0, Math.floor((abs - this.startAbs) / this.bucketMs)),
    );
  }

  /** ms since the profile started. */
  since(abs: number): number {
    return abs - this.startAbs;
  }

  addOps(count: number, abs: number): void {
    this.ops[this.bucketOf(abs)]! += count;
  }

  addRedirection(abs: number): void {
    this.redirections[this.bucketOf(abs)]!++;
  }

  /** `keys` keys left in a batch for a target. */
  addMigrated(keys: number, abs: number): void {
    this.migratedKeys[this.bucketOf(abs)]! += keys;
  }

  /** The adaptive pace set its duty (1: unpaced, no client load). */
  addPace(duty: number, abs: number): void {
    this.paceDuty[this.bucketOf(abs)] = duty;
  }

  addReplyBacklog(ms: number, abs: number): void {
    this.replyBacklogMs[this.bucketOf(abs)]! += ms;
  }

  /** Time asleep, split over the buckets it spans. */
  addParked(fromAbs: number, toAbs: number): void {
    let from = fromAbs;
    while (from < toAbs) {
      const bucket = this.bucketOf(from);
      const bucketEnd = this.startAbs + (bucket + 1) * this.bucketMs;
      const until = bucket === PROFILE_BUCKETS_MAX - 1 ? toAbs : Math.min(toAbs, bucketEnd);
      this.parkedMs[bucket]! += until - from;
      from = until;
    }
  }

  /**
   * A request waited `ms` at this migration source (for its key's batch, its split keys, its
   * slot).
   */
  addLockWait(key: string, slot: number, ms: number, abs: number): void {
    const bucket = this.bucketOf(abs);
    this.lockWaitCounts[bucket]!++;
    this.lockWaitMs[bucket]! += ms;
    this.lockWaitsTotal++;
    this.lockWaitsTotalMs += ms;
    if (ms > this.lockWaitsMaxMs) this.lockWaitsMaxMs = ms;
    const id = `${slot}:${key}`;
    let entry = this.lockKeys.get(id);
    if (entry === undefined) {
      if (this.lockKeys.size >= LOCK_KEYS_MAX) return;
      entry = { key, slot, count: 0, totalMs: 0, maxMs: 0 };
      this.lockKeys.set(id, entry);
    }
    entry.count++;
    entry.totalMs += ms;
    if (ms > entry.maxMs) entry.maxMs = ms;
  }

  moveStarted(
    migration: number,
    slot: number,
    source: number,
    target: number,
    lock: LockMode,
    abs: number,
  ): void {
    // A move that began before the profile is shown from the profile's start.
    this.moves.set(migration, {
      migration,
      slot,
      source,
      target,
      lock,
      startMs: Math.max(0, this.since(abs)),
      endMs: -1,
      keys: 0,
      bytes: 0,
      batches: 0,
      outcome: 'running',
    });
  }

  moveEnded(
    migration: number,
    outcome: MigrationOutcome,
    keys: number,
    bytes: number,
    batches: number,
    abs: number,
  ): void {
    const move = this.moves.get(migration);
    if (move === undefined) return;
    move.endMs = this.since(abs);
    move.outcome = outcome;
    move.keys = keys;
    move.bytes = bytes;
    move.batches = batches;
  }

  addBatch(timing: BatchTiming): void {
    if (this.batches.length < BATCHES_MAX) this.batches.push(timing);
    else this.batchesDropped++;
  }

  /** What was recorded, for a worker of `shard` that is now its `role`. */
  dump(endAbs: number, shard: number, role: ShardProfileDump['role']): ShardProfileDump {
    const buckets = Math.min(
      PROFILE_BUCKETS_MAX,
      Math.max(1, Math.ceil((endAbs - this.startAbs) / this.bucketMs)),
    );
    const take = (array: Float64Array): number[] => Array.from(array.subarray(0, buckets));
    const busyMs = take(this.parkedMs).map((parked, bucket) =>
      Math.max(0, bucketWidthMs(bucket, endAbs - this.startAbs, this.bucketMs) - parked),
    );
    const lockKeys = [...this.lockKeys]
      .sort((a, b) => b[1].totalMs - a[1].totalMs)
      .slice(0, LOCK_KEYS_REPORTED)
      .map(([, entry]) => ({ ...entry, key: Buffer.from(entry.key, 'latin1').toString('hex') }));
    return {
      worker: this.worker,
      shard,
      role,
      buckets: {
        ops: take(this.ops),
        busyMs,
        redirections: take(this.redirections),
        lockWaits: take(this.lockWaitCounts),
        lockWaitMs: take(this.lockWaitMs),
        replyBacklogMs: take(this.replyBacklogMs),
        migratedKeys: take(this.migratedKeys),
        paceDuty: take(this.paceDuty).map((duty) => (Number.isNaN(duty) ? null : duty)),
      },
      moves: [...this.moves.values()],
      batches: this.batches,
      batchesDropped: this.batchesDropped,
      lockWaits: {
        count: this.lockWaitsTotal,
        totalMs: this.lockWaitsTotalMs,
        maxMs: this.lockWaitsMaxMs,
      },
      lockKeys,
    };
  }
}
