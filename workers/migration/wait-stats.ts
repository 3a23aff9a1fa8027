// How long requests waited at a migration source: for its report (count, true maximum and a p99
// over a bounded sample), for a profiled request's timing block, and for a running profile.

import { REQ_FLAGS, REQ_HEADER_BYTES, REQ_OP, RequestFlag } from '../../src/shared/codec.js';
import { commandByOp } from '../../src/shared/commands.js';
import { TIMING_WAIT_MS, TIMING_WAIT_REASON, WaitReason } from '../../src/shared/profile-layout.js';
import type { ShardProfiler } from '../profiler.js';
import { frameKeys } from './frame-keys.js';

/** Wait times kept for the report's p99 (the maximum is kept exactly regardless). */
const WAIT_SAMPLES_MAX = 100_000;

/** A request that waits: its own copy of the frame, the keys it names, and since when. */
export interface Waiting {
  readonly frame: Buffer;
  readonly keys: readonly string[];
  /** Waits for the flip (or the end of a cancel): slot-level commands, and all in 'slot' mode. */
  readonly wholeSlot: boolean;
  readonly since: number;
  /** Why it waits first (profile-layout.ts WaitReason). */
  readonly reason: WaitReason;
}

export class WaitStats {
  private count = 0;
  private maxMs = 0;
  private readonly samples: number[] = [];

  /** `request` waited `ms` for keys of `slot` and goes on now. */
  record(ms: number, request: Waiting, slot: number, profiler: ShardProfiler | undefined): void {
    this.count++;
    if (ms > this.maxMs) this.maxMs = ms;
    if (this.samples.length < WAIT_SAMPLES_MAX) this.samples.push(ms);
    const frame = request.frame;
    if (frame[REQ_FLAGS]! & RequestFlag.Timed) {
      // Profiled: the wait and why go in the request's timing block, back to its client.
      const timing = REQ_HEADER_BYTES;
      frame.writeFloatLE(frame.readFloatLE(timing + TIMING_WAIT_MS) + ms, timing + TIMING_WAIT_MS);
      if (frame[timing + TIMING_WAIT_REASON] === WaitReason.None) {
        frame[timing + TIMING_WAIT_REASON] = request.reason;
      }
    }
    if (profiler !== undefined) {
      // A request that waited for the whole slot is named by its first key, if it has one.
      const key = request.keys[0] ?? frameKeys(frame, 0, commandByOp(frame[REQ_OP]!).keys)[0] ?? '';
      profiler.addLockWait(key, slot, ms, performance.timeOrigin + request.since + ms);
    }
  }

  summary(): { count: number; maxMs: number; p99Ms: number } {
    const samples = this.samples.sort((a, b) => a - b);
    const at = Math.min(samples.length - 1, Math.floor(samples.length * 0.99));
    const p99 = samples.length === 0 ? 0 : samples[at]!;
    return { count: this.count, maxMs: this.maxMs, p99Ms: p99 };
  }
}
