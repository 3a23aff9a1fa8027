// The client side of the migration stall profiler: while a profile runs (a session number in the
// control block), requests carry a timing block, and each reply's timing block is turned into the
// operation's latency and the segments it was made of. Latencies go into the thread's profile slab
// by time bucket; an operation over the threshold is explained by its largest segment.

import { type Argument, REQ_FLAGS, RequestFlag } from '../shared/codec.js';
import type { ControlBlock } from '../shared/control-block.js';
import { SLOT_COUNT } from '../shared/limits.js';
import type { FrameWriter } from '../shared/ring.js';
import {
  absoluteNow,
  RTIMING_EXECUTED,
  RTIMING_FORWARDED,
  RTIMING_ISSUED,
  RTIMING_PICKED_UP,
  RTIMING_PUSHED,
  RTIMING_REPLIED,
  RTIMING_REPLY_BACKLOG,
  RTIMING_RING_FULL,
  RTIMING_WAIT_MS,
  RTIMING_WAIT_REASON,
  TIMING_BYTES,
  TIMING_FORWARDED,
  TIMING_ISSUED,
  TIMING_PICKED_UP,
  TIMING_RING_FULL,
  TIMING_WAIT_MS,
} from '../shared/timing-layout.js';
import { Cause, waitReasonCause } from './causes.js';
import { failoverDuring } from './failover-window.js';
import type { ProfileSlab, SlowOp } from './slab.js';

const EMPTY_KEY = Buffer.alloc(0);
/**
 * Replies in one run that share a clock reading after the first (the time to settle them, a few
 * µs at most, is not worth a clock read each).
 */
const CLOCK_REUSES = 15;

export class ProfileRecorder {
  private session = 0;
  private startAbs = 0;
  private bucketMs = 1;
  private thresholdMs = Infinity;
  /** When the replies being read arrived, and how many more may use that reading. */
  private clock = 0;
  private clockReuses = 0;
  /** When the last timed request was stamped (absolute ms). */
  private lastStamp = 0;
  /**
   * Per pending entry: when its timed request was issued, and its request id then (an entry is
   * reused; the id tells whether the time is this use's), for timing it should it fail.
   */
  private issuedAt = new Float64Array(0);
  private issuedId = new Uint32Array(0);

  constructor(
    private readonly control: ControlBlock,
    readonly slab: ProfileSlab,
  ) {}

  /** Whether a profile runs; picks up a new session (and clears the slab for it). */
  active(): boolean {
    const session = this.control.profileSession;
    if (session !== this.session) {
      this.session = session;
      if (session !== 0) {
        const profile = this.control.profile;
        this.startAbs = profile[0]!;
        this.bucketMs = profile[1]!;
        this.thresholdMs = profile[2]!;
        if (this.slab.session !== session) this.slab.reset(session);
      }
    }
    return session !== 0;
  }

  /**
   * Marks a request frame begun at `start` as timed and writes its timing block: the issue time,
   * and whether the ring it goes to was full (its wait for room then counts as ring-full).
   */
  stamp(writer: FrameWriter, start: number, ringFull: boolean): void {
    writer.buf[start + REQ_FLAGS]! |= RequestFlag.Timed;
    const at = writer.reserve(TIMING_BYTES);
    const view = writer.view;
    this.lastStamp = absoluteNow();
    view.setFloat64(at + TIMING_ISSUED, this.lastStamp, true);
    view.setFloat64(at + TIMING_PICKED_UP, 0, true);
    view.setFloat64(at + TIMING_FORWARDED, 0, true);
    view.setFloat64(at + TIMING_WAIT_MS, 0, true); // wait ms, reason, ring full, spare
    if (ringFull) writer.buf[at + TIMING_RING_FULL] = 1;
    writer.tail = at + TIMING_BYTES;
  }

  /** The timed request just stamped became pending entry `index`, request `id`. */
  issued(index: number, id: number): void {
    if (index >= this.issuedAt.length) {
      const length = Math.max(1024, 2 ** Math.ceil(Math.log2(index + 1)));
      const at = new Float64Array(length);
      const ids = new Uint32Array(length);
      at.set(this.issuedAt);
      ids.set(this.issuedId);
      this.issuedAt = at;
      this.issuedId = ids;
    }
    this.issuedAt[index] = this.lastStamp;
    this.issuedId[index] = id;
  }

  /**
   * Records an operation that failed because its shard's primary died and a replica took over
   * (FailoverError): a slow operation of cause failover, whatever its latency, timed from its
   * issue to now. `key` is the entry's profile key (a HeldKey when the fence held it).
   */
  onFailed(index: number, id: number, slot: number, key: unknown): void {
    if (!this.active()) return;
    const held = key instanceof HeldKey;
    const issued = held ? key.heldAt : this.issuedId[index] === id ? this.issuedAt[index]! : 0;
    if (issued < this.startAbs) return;
    const now = absoluteNow();
    const latencyMs = now - issued;
    const bucket = Math.floor((issued - this.startAbs) / this.bucketMs);
    this.slab.record(bucket, latencyMs * 1000);
    const segments = {
      fence: 0,
      queue: 0,
      wait: 0,
      redirect: 0,
      execution: 0,
      staged: 0,
      reply: 0,
    };
    this.slab.recordSlow(bucket, {
      t: issued - this.startAbs,
      latencyMs,
      causeMs: latencyMs,
      segments: { ...segments, other: latencyMs },
      cause: Cause.Failover,
      slot,
      key: keyBytes((held ? key.key : key) as Argument | undefined),
    });
  }

  /** A new run of replies is about to be read: the next one reads the clock. */
  repliesArriving(): void {
    this.clockReuses = 0;
  }

  /**
   * Records the operation whose reply carries the timing block at `at`. `key` is its key, or a
   * HeldKey when the slot fence held it back before it was sent.
   */
  onReply(view: DataView, at: number, slot: number, key: Argument | HeldKey | undefined): void {
    if (this.session === 0) return;
    // Replies read in one run arrived together: one clock read serves a few of them.
    if (this.clockReuses-- <= 0) {
      this.clock = absoluteNow();
      this.clockReuses = CLOCK_REUSES;
    }
    const now = this.clock;
    const sent = view.getFloat64(at + RTIMING_ISSUED, true);
    const held = key instanceof HeldKey;
    const issued = held ? key.heldAt : sent;
    // A request issued before this profile began (a reply of the last one, late) is not counted.
    if (issued < this.startAbs) return;
    const latencyMs = now - issued;
    const bucket = Math.floor((issued - this.startAbs) / this.bucketMs);
    this.slab.record(bucket, latencyMs * 1000);
    if (latencyMs < this.thresholdMs) return;
    const segments = segmentsOf(view, at, now, held ? issued : 0, latencyMs);
    const name = held ? key.key : key;
    // In flight while its shard failed over: the failover explains it, whatever it waited on.
    const control = this.control;
    const shard = slot < SLOT_COUNT ? control.workerShard(control.owner[slot]!) : -1;
    const failover = failoverDuring(control, shard, issued, now);
    this.slab.recordSlow(bucket, {
      t: issued - this.startAbs,
      latencyMs,
      causeMs: largestSegment(segments),
      segments,
      cause: failover ? Cause.Failover : causeOf(view, at, segments),
      slot,
      key: keyBytes(name),
    });
  }
}

/**
 * The segments a slow operation's latency was made of, ms, from its reply's timing block at `at`
 * and the time `now` it was read. `heldAt` is when the slot fence held it back (0: not held).
 */
function segmentsOf(
  view: DataView,
  at: number,
  now: number,
  heldAt: number,
  latencyMs: number,
): SlowOp['segments'] {
  const sent = view.getFloat64(at + RTIMING_ISSUED, true);
  const pickedUp = view.getFloat64(at + RTIMING_PICKED_UP, true);
  const forwarded = view.getFloat64(at + RTIMING_FORWARDED, true);
  const executed = view.getFloat64(at + RTIMING_EXECUTED, true);
  const replied = view.getFloat64(at + RTIMING_REPLIED, true);
  const pushed = view.getFloat64(at + RTIMING_PUSHED, true);
  const wait = view.getFloat32(at + RTIMING_WAIT_MS, true);
  const fence = heldAt > 0 ? Math.max(0, sent - heldAt) : 0;
  const queue = Math.max(0, pickedUp - sent);
  const redirect = forwarded > 0 ? Math.max(0, executed - forwarded) : 0;
  const execution = Math.max(0, replied - executed);
  const staged = Math.max(0, pushed - replied);
  const reply = Math.max(0, now - pushed);
  const other = Math.max(
    0,
    latencyMs - fence - queue - wait - redirect - execution - staged - reply,
  );
  return { fence, queue, wait, redirect, execution, staged, reply, other };
}

/** The largest of the segments a cause can explain (all but `other`), ms. */
function largestSegment(s: SlowOp['segments']): number {
  return Math.max(s.fence, s.queue, s.wait, s.redirect, s.execution, s.staged, s.reply);
}

/**
 * The cause that explains a slow operation: its largest segment's (the first of equals, in the
 * order fence, queue, wait, redirect, execution, staged, reply).
 */
function causeOf(view: DataView, at: number, s: SlowOp['segments']): Cause {
  const replyBacklog = view.getUint8(at + RTIMING_REPLY_BACKLOG) !== 0;
  const requestRingFull = view.getUint8(at + RTIMING_RING_FULL) !== 0;
  let cause: Cause = Cause.Fence;
  let largest = s.fence;
  const consider = (ms: number, candidate: Cause): void => {
    if (ms > largest) {
      largest = ms;
      cause = candidate;
    }
  };
  consider(s.queue, requestRingFull ? Cause.RingFull : Cause.ShardQueue);
  consider(s.wait, waitReasonCause(view.getUint8(at + RTIMING_WAIT_REASON)));
  consider(s.redirect, Cause.Redirect);
  consider(s.execution, Cause.Execution);
  consider(s.staged, replyBacklog ? Cause.RingFull : Cause.ShardQueue);
  consider(s.reply, Cause.ClientBusy);
  return cause;
}

/** A slow operation's key as bytes (none for a keyless command). */
function keyBytes(name: Argument | undefined): Buffer {
  if (typeof name === 'string') return Buffer.from(name);
  if (name instanceof Uint8Array) return Buffer.from(name);
  return name === undefined ? EMPTY_KEY : Buffer.from(String(name));
}

/** The key of a request the slot fence held back, and when it was issued (absolute ms). */
export class HeldKey {
  constructor(
    readonly key: Argument | undefined,
    readonly heldAt: number,
  ) {}
}
