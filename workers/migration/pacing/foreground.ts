// What the database's clients get done, as a migration's pace measures it: requests per second over
// every worker, from the counters each shard publishes in the control block. A request one shard
// forwarded to another counts once (the forwarding shard counts it as redirected).

import { type ControlBlock, ShardStat } from '../../../src/shared/control-block.js';

export class ForegroundMeter {
  private lastOps = -1;
  private lastAt = 0;

  constructor(private readonly control: ControlBlock) {}

  /** Client requests served by every worker so far. */
  totalOps(): number {
    const { control } = this;
    const stats = control.stats;
    let ops = 0;
    for (let seat = 0; seat < control.workerCount; seat++) {
      ops +=
        stats[control.statIndex(seat, ShardStat.Ops)]! -
        stats[control.statIndex(seat, ShardStat.Redirected)]!;
    }
    return ops;
  }

  /** Starts a measurement at `now` (ms). */
  reset(now: number): void {
    this.lastOps = this.totalOps();
    this.lastAt = now;
  }

  /** Requests per second since the last reset or sample; the sample starts the next measurement. */
  sample(now: number): number {
    const ops = this.totalOps();
    const elapsed = now - this.lastAt;
    const rate = this.lastOps < 0 || elapsed <= 0 ? 0 : ((ops - this.lastOps) * 1000) / elapsed;
    this.lastOps = ops;
    this.lastAt = now;
    return Math.max(0, rate);
  }
}

/** Samples kept by ForegroundHistory: a second of them at its cadence. */
const HISTORY_SAMPLES = 11;
/** A baseline needs samples spanning at least this long, and none older than BASELINE_AGE_MS. */
const BASELINE_SPAN_MS = 300;
const BASELINE_AGE_MS = 2000;

/**
 * The clients' rate over the last second, kept by every shard while it works (ShardStats samples
 * it every 100 ms): when a move starts, its pace takes this as the rate without moves. A probe
 * during the move measures it too, but only for 45 ms right after moves paused, which on the
 * migration benchmark read 0.65 to 0.98 of the steady rate.
 */
export class ForegroundHistory {
  private readonly meter: ForegroundMeter;
  private readonly at = new Float64Array(HISTORY_SAMPLES);
  private readonly ops = new Float64Array(HISTORY_SAMPLES);
  private count = 0;
  private next = 0;

  constructor(control: ControlBlock) {
    this.meter = new ForegroundMeter(control);
  }

  record(now: number): void {
    this.at[this.next] = now;
    this.ops[this.next] = this.meter.totalOps();
    this.next = (this.next + 1) % HISTORY_SAMPLES;
    if (this.count < HISTORY_SAMPLES) this.count++;
  }

  /** Requests per second over the samples kept, or 0 when they are too few or too old. */
  rate(now: number): number {
    if (this.count < 2) return 0;
    const newest = (this.next + HISTORY_SAMPLES - 1) % HISTORY_SAMPLES;
    const oldest = this.count < HISTORY_SAMPLES ? 0 : this.next;
    const span = this.at[newest]! - this.at[oldest]!;
    if (span < BASELINE_SPAN_MS || now - this.at[oldest]! > BASELINE_AGE_MS) return 0;
    return ((this.ops[newest]! - this.ops[oldest]!) * 1000) / span;
  }
}
