// One client thread's profile figures, in a SharedArrayBuffer (its profile slab), so the opening
// thread can merge every thread's figures when the profile stops: per time bucket, a latency
// histogram (logarithmic, 16 bins per octave of µs) with count, sum and max; per cause, the slow
// operations it explained and the time they lost; and the slowest operations themselves.

import { PROFILE_BUCKETS_MAX } from '../shared/timing-layout.js';
import { CAUSE_COUNT, type Cause } from './causes.js';
import { binOf, HISTOGRAM_BINS } from './histogram.js';

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
export const SLOW_SEGMENTS = [
  'fence',
  'queue',
  'wait',
  'redirect',
  'execution',
  'staged',
  'reply',
  'other',
] as const;
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

/** What one client thread's slab held, as ProfileSlab.read() returns it. */
export interface ClientFigures {
  readonly counts: number[];
  readonly sums: number[];
  readonly maxes: number[];
  readonly slow: number[];
  readonly bins: Uint32Array;
  readonly causeCounts: number[];
  readonly causeMs: number[];
  readonly slowOps: SlowOp[];
}

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

  /**
   * Records a slow operation: its cause's totals, its bucket's count, and the op itself if it is
   * among the slowest.
   */
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
      for (let i = 1; i < SLOW_OPS_MAX; i++) {
        if (this.slow[i * SLOW_FLOATS + 1]! < this.slow[index * SLOW_FLOATS + 1]!) index = i;
      }
      if (this.slow[index * SLOW_FLOATS + 1]! >= op.latencyMs) return;
    }
    const at = index * SLOW_FLOATS;
    const slow = this.slow;
    slow[at] = op.t;
    slow[at + 1] = op.latencyMs;
    for (let i = 0; i < SLOW_SEGMENTS.length; i++)
      slow[at + 2 + i] = op.segments[SLOW_SEGMENTS[i]!];
    const tail = at + 2 + SLOW_SEGMENTS.length;
    slow[tail] = op.cause;
    slow[tail + 1] = op.slot;
    const keyBytes = Math.min(op.key.length, SLOW_KEY_BYTES);
    slow[tail + 2] = keyBytes;
    this.slowKeys.set(op.key.subarray(0, keyBytes), index * SLOW_KEY_BYTES);
  }

  /** Everything recorded, copied out (for the report). */
  read(buckets: number): ClientFigures {
    const n = Math.min(buckets, PROFILE_BUCKETS_MAX);
    const pick = (field: number): number[] =>
      Array.from({ length: n }, (_, b) => this.buckets[b * BUCKET_FLOATS + field]!);
    const slowOps: SlowOp[] = [];
    const kept = Atomics.load(this.header, H_SLOW_COUNT);
    for (let i = 0; i < kept; i++) {
      const at = i * SLOW_FLOATS;
      const tail = at + 2 + SLOW_SEGMENTS.length;
      const segments = Object.fromEntries(
        SLOW_SEGMENTS.map((segment, k) => [segment, this.slow[at + 2 + k]!]),
      ) as SlowOp['segments'];
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
