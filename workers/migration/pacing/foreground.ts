// What the database's clients get done, as a migration's pace measures it: requests per second over
// every worker, from the counters each shard publishes in the control block. A request one shard
// forwarded to another counts once (the forwarding shard counts it as redirected).

import { type ControlBlock, ShardStat } from '../../../src/shared/control-block.js';

export class ForegroundMeter {
  private lastOps = -1;
  private lastAt = 0;

  constructor(private readonly control: ControlBlock) {}

  /** Client requests served by every worker so far. */
  private total(): number {
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
    this.lastOps = this.total();
    this.lastAt = now;
  }

  /** Requests per second since the last reset or sample; the sample starts the next measurement. */
  sample(now: number): number {
    const ops = this.total();
    const elapsed = now - this.lastAt;
    const rate = this.lastOps < 0 || elapsed <= 0 ? 0 : ((ops - this.lastOps) * 1000) / elapsed;
    this.lastOps = ops;
    this.lastAt = now;
    return Math.max(0, rate);
  }
}
