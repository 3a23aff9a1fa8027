// What the migration stall profiler records on the wire, shared by clients and shards.
//
// While a profile runs, every request carries a timing block that the shards on its path fill in
// (when a shard first picked it up, how long and why it waited at a migration source, when it was
// forwarded), and the executing shard echoes it in the reply with the time it executed and
// replied. The client then knows, for each operation, where its time went:
//
//   issue ──queue──▶ first shard ──wait (lock)──▶ forwarded ──redirect──▶ executing shard
//         ──execution──▶ reply written ──reply──▶ client resolves
//
// The client side (src/profiler/) turns those blocks into figures; the shard side
// (workers/profiler.ts) sends a ShardProfileDump when the profile stops. This file holds only
// what crosses the thread boundary: the timing blocks' layout, the wait reasons, the time
// buckets both sides count in, and the dump's types.

const TIME_ORIGIN = performance.timeOrigin;

/** Times in ms since the Unix epoch, with µs precision, comparable across threads. */
export function absoluteNow(): number {
  return TIME_ORIGIN + performance.now();
}

// ---- the timing block of a request (after the 20-byte header, when RequestFlag.Timed) --------

export const TIMING_ISSUED = 0;
export const TIMING_PICKED_UP = 8;
export const TIMING_FORWARDED = 16;
export const TIMING_WAIT_MS = 24;
export const TIMING_WAIT_REASON = 28;
/**
 * Set by the client when the ring the request went to was full: its queueing counts as
 * ring-full.
 */
export const TIMING_RING_FULL = 29;
export const TIMING_BYTES = 32;

// ---- the timing block of a reply (after the 12-byte header, when ReplyMeta.Timed) -------------
// Its first TIMING_BYTES are the request's block, copied as they are; the shard adds the rest.

export const RTIMING_ISSUED = TIMING_ISSUED;
export const RTIMING_PICKED_UP = TIMING_PICKED_UP;
export const RTIMING_FORWARDED = TIMING_FORWARDED;
export const RTIMING_WAIT_MS = TIMING_WAIT_MS;
export const RTIMING_WAIT_REASON = TIMING_WAIT_REASON;
/** The request's TIMING_RING_FULL. */
export const RTIMING_RING_FULL = TIMING_RING_FULL;
/**
 * Set at its push when the reply waited for room in the ring (a client not reading its
 * replies).
 */
export const RTIMING_REPLY_BACKLOG = 30;
export const RTIMING_EXECUTED = TIMING_BYTES;
export const RTIMING_REPLIED = TIMING_BYTES + 8;
/** When the reply's bytes were pushed to the client's ring (written at the push). */
export const RTIMING_PUSHED = TIMING_BYTES + 16;
export const RTIMING_BYTES = TIMING_BYTES + 24;

export const ReplyMeta = { Timed: 1 } as const;

/**
 * Why a request waited on a shard, as the timing block records it: at a migration source, or
 * (Replication) on a primary until replicas acknowledged (WAIT).
 */
export const WaitReason = {
  None: 0,
  KeyLock: 1,
  KeysSplit: 2,
  SlotLock: 3,
  Returning: 4,
  Replication: 5,
} as const;
export type WaitReason = (typeof WaitReason)[keyof typeof WaitReason];

// ---- time buckets, counted alike by clients and shards ------------------------------------

/** Time buckets one profile can hold; a longer profile folds the rest into the last bucket. */
export const PROFILE_BUCKETS_MAX = 1200;
/** How long bucket `bucket` of a profile lasted: the last one holds all the time after it. */
export function bucketWidthMs(bucket: number, durationMs: number, bucketMs: number): number {
  const rest = Math.max(0, durationMs - bucket * bucketMs);
  return bucket === PROFILE_BUCKETS_MAX - 1 ? rest : Math.min(bucketMs, rest);
}

// ---- what a shard reports when a profile stops ----------------------------------------------

export interface BatchTiming {
  readonly slot: number;
  readonly target: number;
  readonly keys: number;
  readonly bytes: number;
  /** When it was sent, ms since the profile started. */
  readonly t: number;
  readonly serializeMs: number;
  readonly transferMs: number;
  readonly applyMs: number;
  readonly ackMs: number;
}

export interface SlotMove {
  readonly migration: number;
  readonly slot: number;
  readonly source: number;
  readonly target: number;
  readonly lock: 'key' | 'slot';
  readonly startMs: number;
  endMs: number;
  keys: number;
  bytes: number;
  batches: number;
  outcome: 'completed' | 'cancelled' | 'failed' | 'running';
}

/** Lock waits of one key at a migration source (its bytes as hex). */
export interface LockKeyWaits {
  readonly key: string;
  readonly slot: number;
  readonly count: number;
  readonly totalMs: number;
  readonly maxMs: number;
}

export interface ShardProfileDump {
  /** The worker's seat. */
  readonly worker: number;
  /** The shard (0..shards-1) it belongs to, and its role there when the profile stopped. */
  readonly shard: number;
  readonly role: 'primary' | 'replica';
  readonly buckets: {
    readonly ops: number[];
    readonly busyMs: number[];
    readonly redirections: number[];
    readonly lockWaits: number[];
    readonly lockWaitMs: number[];
    readonly replyBacklogMs: number[];
    /** Keys this shard sent to targets (as a migration's source). Absent in older dumps. */
    readonly migratedKeys?: number[];
    /**
     * The adaptive pace's duty (share of a core migration work may take) at the bucket's last
     * adjustment; 1 while unpaced (no client load); null where no adaptive move ran.
     */
    readonly paceDuty?: (number | null)[];
  };
  readonly moves: SlotMove[];
  readonly batches: BatchTiming[];
  readonly batchesDropped: number;
  readonly lockWaits: { readonly count: number; readonly totalMs: number; readonly maxMs: number };
  /** Keys (as their bytes, hex) with the longest total lock waits. */
  readonly lockKeys: LockKeyWaits[];
}
