// Requests that wait at a migration source (rules 2, 5, 7 and 8 of docs/migration.md): the queue,
// in arrival order, with the keys its requests name; and how long they waited, for the report
// (count, true maximum and a p99 over a bounded sample), a profiled request's timing block, and a
// running profile.

import { frameKeys } from '../../src/commands/frame-keys.js';
import { commandByOp } from '../../src/commands/table.js';
import { REQ_FLAGS, REQ_HEADER_BYTES, REQ_OP, RequestFlag } from '../../src/shared/codec.js';
import { TIMING_WAIT_MS, TIMING_WAIT_REASON, WaitReason } from '../../src/shared/timing-layout.js';
import type { ShardProfiler } from '../profiler.js';

/** Wait times kept for the report's p99 (the maximum is kept exactly regardless). */
const WAIT_SAMPLES_MAX = 100_000;

/** A request that waits: its own copy of the frame, the keys it names, and since when. */
export interface Waiting {
  readonly frame: Buffer;
  readonly keys: readonly string[];
  /** Waits for the flip (or the end of a cancel): slot-level commands, and all in 'slot' mode. */
  readonly wholeSlot: boolean;
  readonly since: number;
  /** Why it waits first (timing-layout.ts WaitReason). */
  readonly reason: WaitReason;
}

export class WaitQueue {
  /** In arrival order. */
  requests: Waiting[] = [];
  /** Keys named by waiting requests → how many of them name it. */
  private readonly blocked = new Map<string, number>();
  /** Waiting whole-slot requests: one blocks every request behind it. */
  wholeSlot = 0;

  /** Whether a request on `keys` must wait behind one that waits already (rule 7). */
  blocks(keys: readonly string[]): boolean {
    if (this.wholeSlot > 0) return true;
    if (this.blocked.size === 0) return false;
    for (const key of keys) if (this.blocked.has(key)) return true;
    return false;
  }

  /** Queues a copy of the request frame at `at` (the ring's bytes are reused). */
  add(buf: Buffer, at: number, keys: readonly string[], wholeSlot: boolean, reason: WaitReason) {
    const length = buf.readUInt32LE(at);
    const frame = Buffer.allocUnsafe(length);
    buf.copy(frame, 0, at, at + length);
    // Not the loop turn's clock: it can be well behind after a batch was applied in this turn.
    this.requests.push({ frame, keys, wholeSlot, since: performance.now(), reason });
    this.count(keys, wholeSlot, 1);
  }

  /** A request leaves the queue (the caller keeps the rest in `requests`). */
  unblock(request: Waiting): void {
    this.count(request.keys, request.wholeSlot, -1);
  }

  /**
   * Lets go, in arrival order, of every request `decide` finds a way for (undefined: it stays),
   * handing each to `go`. A request stays, untried, behind one that stays and names one of its
   * keys (or waits for the whole slot).
   */
  drain<D>(decide: (request: Waiting) => D | undefined, go: (request: Waiting, way: D) => void) {
    if (this.requests.length === 0) return;
    const stay: Waiting[] = [];
    const stayKeys = new Set<string>();
    let stayWhole = false;
    for (const request of this.requests) {
      const behind = stayWhole || request.keys.some((key) => stayKeys.has(key));
      const way = behind ? undefined : decide(request);
      if (way === undefined) {
        stay.push(request);
        for (const key of request.keys) stayKeys.add(key);
        if (request.wholeSlot) stayWhole = true;
        continue;
      }
      this.unblock(request);
      go(request, way);
    }
    this.requests = stay;
  }

  private count(keys: readonly string[], wholeSlot: boolean, delta: 1 | -1): void {
    if (wholeSlot) this.wholeSlot += delta;
    for (const key of keys) {
      const count = (this.blocked.get(key) ?? 0) + delta;
      if (count === 0) this.blocked.delete(key);
      else this.blocked.set(key, count);
    }
  }
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
      const key = request.keys[0] ?? frameKeys(frame, 0, commandByOp(frame[REQ_OP]!))[0] ?? '';
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
