// What the migration stall profiler records, and where, shared by clients and shards.
//
// While a profile runs, every request carries a timing block that the shards on its path fill in
// (when a shard first picked it up, how long and why it waited at a migration source, when it was
// forwarded), and the executing shard echoes it in the reply with the time it executed and
// replied. The client then knows, for each operation, where its time went:
//
//   issue ──queue──▶ first shard ──wait (lock)──▶ forwarded ──redirect──▶ executing shard
//         ──execution──▶ reply written ──reply──▶ client resolves
//
// Each client thread records into its own profile slab (a SharedArrayBuffer), so the opening
// thread can merge every thread's figures when the profile stops: per time bucket, a latency
// histogram (logarithmic, 16 bins per octave of µs) with count, sum and max; per cause, the slow
// operations it explained and the time they lost; and the slowest operations themselves.

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
/** Set by the client when the ring the request went to was full: its queueing counts as ring-full. */
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
/** Set at its push when the reply waited for room in the ring (a client not reading its replies). */
export const RTIMING_REPLY_BACKLOG = 30;
export const RTIMING_EXECUTED = TIMING_BYTES;
export const RTIMING_REPLIED = TIMING_BYTES + 8;
/** When the reply's bytes were pushed to the client's ring (written at the push). */
export const RTIMING_PUSHED = TIMING_BYTES + 16;
export const RTIMING_BYTES = TIMING_BYTES + 24;

export const ReplyMeta = { Timed: 1 } as const;

/** Why a request waited at a migration source, as the timing block records it. */
export const WaitReason = { None: 0, KeyLock: 1, KeysSplit: 2, SlotLock: 3, Returning: 4 } as const;
export type WaitReason = (typeof WaitReason)[keyof typeof WaitReason];

/**
 * Causes a slow operation is explained by (its largest segment), in the order the report lists
 * their descriptions.
 */
export const Cause = {
  ShardQueue: 0,
  KeyLock: 1,
  KeysSplit: 2,
  SlotLock: 3,
  Returning: 4,
  Redirect: 5,
  Execution: 6,
  ClientBusy: 7,
  RingFull: 8,
  Fence: 9,
} as const;
export type Cause = (typeof Cause)[keyof typeof Cause];
export const CAUSE_COUNT = 10;

export const CAUSE_NAMES = [
  'shard-queue',
  'key-lock',
  'keys-split',
  'slot-lock',
  'returning',
  'redirect',
  'execution',
  'client-busy',
  'ring-full',
  'fence',
] as const;
export type CauseName = (typeof CAUSE_NAMES)[number];

export const CAUSE_DESCRIPTIONS: Record<CauseName, string> = {
  'shard-queue':
    'waited on its shard, to be picked up or for its reply to be sent, while the shard was busy (other requests, migration batches) or asleep',
  'key-lock': "waited at a migration source for its key's batch to be acknowledged (a write to a key in flight)",
  'keys-split': 'waited at a migration source for its keys, split between source and target, to meet',
  'slot-lock': 'waited for its whole slot to move (slot lock mode, or a slot-wide command)',
  returning: 'waited for the keys of a cancelled migration to come back',
  redirect: 'was forwarded to the target shard (the extra hop)',
  execution: 'executed slowly (a large value, a long command)',
  'client-busy': 'its reply waited for the client thread (its event loop was busy)',
  'ring-full': 'waited for room in a full ring (requests or replies)',
  fence: "was held back on the client until the slot's earlier requests, sent to its old owner, replied (ordering across a hand-over)",
};

export function waitReasonCause(reason: number): Cause {
  switch (reason) {
    case WaitReason.KeysSplit:
      return Cause.KeysSplit;
    case WaitReason.SlotLock:
      return Cause.SlotLock;
    case WaitReason.Returning:
      return Cause.Returning;
    default:
      return Cause.KeyLock;
  }
}

// ---- latency histograms --------------------------------------------------------------------

/**
 * Bins per octave (power of two) of µs: a bin is 2^(1/16) wide, so a percentile is read to within
 * 4.4% (reported as its bin's upper edge), fine enough for profile-diff to see a 5% change.
 */
const BINS_PER_OCTAVE = 16;
/** Octaves of µs covered: 1 µs to 2^26 µs (67 s); longer lands in the last bin. */
const OCTAVES = 26;
export const HISTOGRAM_BINS = BINS_PER_OCTAVE * OCTAVES;

export function binOf(micros: number): number {
  if (!(micros >= 1)) return 0;
  const bin = Math.floor(Math.log2(micros) * BINS_PER_OCTAVE);
  return bin >= HISTOGRAM_BINS ? HISTOGRAM_BINS - 1 : bin;
}

/** The upper edge of a bin, µs. */
export function binUpperMicros(bin: number): number {
  return 2 ** ((bin + 1) / BINS_PER_OCTAVE);
}

// ---- the client profile slab ---------------------------------------------------------------

/** Time buckets one profile can hold; a longer profile folds the rest into the last bucket. */
export const PROFILE_BUCKETS_MAX = 1200;
/** How long bucket `bucket` of a profile lasted: the last one holds all the time after it. */
export function bucketWidthMs(bucket: number, durationMs: number, bucketMs: number): number {
  const rest = Math.max(0, durationMs - bucket * bucketMs);
  return bucket === PROFILE_BUCKETS_MAX - 1 ? rest : Math.min(bucketMs, rest);
}

/** Slowest operations kept per client thread (the report merges and trims them). */
export const SLOW_OPS_MAX = 512;
/** Bytes of a slow operation's key kept (longer keys are cut). */
export const SLOW_KEY_BYTES = 64;

// Int32 header words.
const H_SESSION = 0;
const H_SLOW_COUNT = 1;
const HEADER_WORDS = 16;
// Float64 header: per cause, slow operations explained and ms lost.
const CAUSE_COUNTS = 0;
const CAUSE_MS = CAUSE_COUNT;
const CAUSE_FLOATS = 2 * CAUSE_COUNT;

// Per bucket, Float64: count, sum µs, max µs, slow ops; then Uint32 bins.
const BUCKET_FLOATS = 4;
const BUCKET_COUNT = 0;
const BUCKET_SUM = 1;
const BUCKET_MAX = 2;
const BUCKET_SLOW = 3;

// Slow op record, Float64 words: time (ms since profile start), latency ms, each segment ms,
// cause, slot, key bytes; then the key's bytes.
export const SLOW_SEGMENTS = ['fence', 'queue', 'wait', 'redirect', 'execution', 'staged', 'reply', 'other'] as const;
const SLOW_FLOATS = 3 + SLOW_SEGMENTS.length + 3;

function align8(n: number): number {
  return (n + 7) & ~7;
}

const HEADER_BYTES = HEADER_WORDS * 4;
const CAUSES_OFFSET = HEADER_BYTES;
const BUCKETS_OFFSET = CAUSES_OFFSET + CAUSE_FLOATS * 8;
const BINS_OFFSET = BUCKETS_OFFSET + PROFILE_BUCKETS_MAX * BUCKET_FLOATS * 8;
const SLOW_OFFSET = align8(BINS_OFFSET + PROFILE_BUCKETS_MAX * HISTOGRAM_BINS * 4);
const SLOW_KEYS_OFFSET = SLOW_OFFSET + SLOW_OPS_MAX * SLOW_FLOATS * 8;
export const PROFILE_SLAB_BYTES = align8(SLOW_KEYS_OFFSET + SLOW_OPS_MAX * SLOW_KEY_BYTES);

export interface SlowOp {
  readonly t: number;
  readonly latencyMs: number;
  /** The time its cause accounts for (its largest segment), ms. */
  readonly causeMs: number;
  readonly segments: Record<(typeof SLOW_SEGMENTS)[number], number>;
  readonly cause: Cause;
  readonly slot: number;
  readonly key: Buffer;
}

/** One client thread's profile figures, in shared memory. */
export class ProfileSlab {
  readonly sab: SharedArrayBuffer;
  private readonly header: Int32Array;
  private readonly causes: Float64Array;
  private readonly buckets: Float64Array;
  private readonly bins: Uint32Array;
  private readonly slow: Float64Array;
  private readonly slowKeys: Uint8Array;

  constructor(sab?: SharedArrayBuffer) {
    this.sab = sab ?? new SharedArrayBuffer(PROFILE_SLAB_BYTES);
    this.header = new Int32Array(this.sab, 0, HEADER_WORDS);
    this.causes = new Float64Array(this.sab, CAUSES_OFFSET, CAUSE_FLOATS);
    this.buckets = new Float64Array(this.sab, BUCKETS_OFFSET, PROFILE_BUCKETS_MAX * BUCKET_FLOATS);
    this.bins = new Uint32Array(this.sab, BINS_OFFSET, PROFILE_BUCKETS_MAX * HISTOGRAM_BINS);
    this.slow = new Float64Array(this.sab, SLOW_OFFSET, SLOW_OPS_MAX * SLOW_FLOATS);
    this.slowKeys = new Uint8Array(this.sab, SLOW_KEYS_OFFSET, SLOW_OPS_MAX * SLOW_KEY_BYTES);
  }

  /** The profile session this slab holds figures of (0: none). */
  get session(): number {
    return Atomics.load(this.header, H_SESSION);
  }

  /** Clears the slab for a new session. */
  reset(session: number): void {
    this.causes.fill(0);
    this.buckets.fill(0);
    this.bins.fill(0);
    this.slow.fill(0);
    this.slowKeys.fill(0);
    Atomics.store(this.header, H_SLOW_COUNT, 0);
    Atomics.store(this.header, H_SESSION, session);
  }

  record(bucket: number, micros: number): void {
    const b = Math.min(bucket, PROFILE_BUCKETS_MAX - 1);
    const at = b * BUCKET_FLOATS;
    this.buckets[at + BUCKET_COUNT]!++;
    this.buckets[at + BUCKET_SUM]! += micros;
    if (micros > this.buckets[at + BUCKET_MAX]!) this.buckets[at + BUCKET_MAX] = micros;
    this.bins[b * HISTOGRAM_BINS + binOf(micros)]!++;
  }

  /** Records a slow operation: its cause's totals, its bucket's count, and the op itself if it is among the slowest. */
  recordSlow(bucket: number, op: SlowOp): void {
    this.causes[CAUSE_COUNTS + op.cause]!++;
    this.causes[CAUSE_MS + op.cause]! += op.causeMs;
    this.buckets[Math.min(bucket, PROFILE_BUCKETS_MAX - 1) * BUCKET_FLOATS + BUCKET_SLOW]!++;
    let index = Atomics.load(this.header, H_SLOW_COUNT);
    if (index < SLOW_OPS_MAX) {
      Atomics.store(this.header, H_SLOW_COUNT, index + 1);
    } else {
      // Full: replace the fastest kept op if this one is slower.
      index = 0;
      for (let i = 1; i < SLOW_OPS_MAX; i++) if (this.slow[i * SLOW_FLOATS + 1]! < this.slow[index * SLOW_FLOATS + 1]!) index = i;
      if (this.slow[index * SLOW_FLOATS + 1]! >= op.latencyMs) return;
    }
    const at = index * SLOW_FLOATS;
    const slow = this.slow;
    slow[at] = op.t;
    slow[at + 1] = op.latencyMs;
    SLOW_SEGMENTS.forEach((segment, i) => (slow[at + 2 + i] = op.segments[segment]));
    const tail = at + 2 + SLOW_SEGMENTS.length;
    slow[tail] = op.cause;
    slow[tail + 1] = op.slot;
    const keyBytes = Math.min(op.key.length, SLOW_KEY_BYTES);
    slow[tail + 2] = keyBytes;
    this.slowKeys.set(op.key.subarray(0, keyBytes), index * SLOW_KEY_BYTES);
  }

  /** Everything recorded, copied out (for the report). */
  read(buckets: number): {
    counts: number[];
    sums: number[];
    maxes: number[];
    slow: number[];
    bins: Uint32Array;
    causeCounts: number[];
    causeMs: number[];
    slowOps: SlowOp[];
  } {
    const n = Math.min(buckets, PROFILE_BUCKETS_MAX);
    const pick = (field: number): number[] => Array.from({ length: n }, (_, b) => this.buckets[b * BUCKET_FLOATS + field]!);
    const slowOps: SlowOp[] = [];
    const kept = Atomics.load(this.header, H_SLOW_COUNT);
    for (let i = 0; i < kept; i++) {
      const at = i * SLOW_FLOATS;
      const tail = at + 2 + SLOW_SEGMENTS.length;
      const segments = Object.fromEntries(SLOW_SEGMENTS.map((segment, k) => [segment, this.slow[at + 2 + k]!])) as SlowOp['segments'];
      const keyBytes = this.slow[tail + 2]!;
      slowOps.push({
        t: this.slow[at]!,
        latencyMs: this.slow[at + 1]!,
        causeMs: 0,
        segments,
        cause: this.slow[tail]! as Cause,
        slot: this.slow[tail + 1]!,
        key: Buffer.from(this.slowKeys.subarray(i * SLOW_KEY_BYTES, i * SLOW_KEY_BYTES + keyBytes)),
      });
    }
    return {
      counts: pick(BUCKET_COUNT),
      sums: pick(BUCKET_SUM),
      maxes: pick(BUCKET_MAX),
      slow: pick(BUCKET_SLOW),
      bins: this.bins.slice(0, n * HISTOGRAM_BINS),
      causeCounts: Array.from(this.causes.subarray(CAUSE_COUNTS, CAUSE_COUNTS + CAUSE_COUNT)),
      causeMs: Array.from(this.causes.subarray(CAUSE_MS, CAUSE_MS + CAUSE_COUNT)),
      slowOps,
    };
  }
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

export interface ShardProfileDump {
  readonly shard: number;
  readonly buckets: {
    readonly ops: number[];
    readonly busyMs: number[];
    readonly redirections: number[];
    readonly lockWaits: number[];
    readonly lockWaitMs: number[];
    readonly replyBacklogMs: number[];
  };
  readonly moves: SlotMove[];
  readonly batches: BatchTiming[];
  readonly batchesDropped: number;
  readonly lockWaits: { readonly count: number; readonly totalMs: number; readonly maxMs: number };
  /** Keys (as their bytes, hex) with the longest total lock waits. */
  readonly lockKeys: { readonly key: string; readonly slot: number; readonly count: number; readonly totalMs: number; readonly maxMs: number }[];
}

