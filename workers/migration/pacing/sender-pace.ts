// One sender's view of its pace: the batch limits it uses now, whether a frame may go, and paying
// for the frames that went (workers/migration/sender.ts asks before each batch or piece).

import type { ShardProfiler } from '../../profiler.js';
import type { AdaptivePace } from './adaptive-pace.js';
import type { RateBudget } from './rate-budget.js';

export interface BatchLimits {
  readonly batchKeys: number;
  readonly batchBytes: number;
  readonly window: number;
}

export interface SenderLimits extends BatchLimits {
  /** A collection whose byte form passes this travels in pieces (PIECE_BYTES_DEFAULT if unset). */
  readonly pieceBytes?: number;
  /** The caller chose no batch limit: the pace picks them for the load. */
  readonly pacedBatches?: boolean;
}

/** How fast a sender may go: an order's fixed ceilings, and the shard's adaptive pace. */
export interface SenderPacing {
  readonly budget?: RateBudget | undefined;
  readonly pace?: AdaptivePace | undefined;
  /**
   * Whether the pace holds batches back. A slot-lock move holds every request for its slot until
   * the flip, so its batches go as fast as they can (the pace still pays for them, and spaces
   * the slots instead).
   */
  readonly paceBatches?: boolean;
}

export class SenderPace {
  private readonly budget: RateBudget | undefined;
  private readonly pace: AdaptivePace | undefined;
  private readonly paceBatches: boolean;

  constructor(
    private readonly limits: SenderLimits,
    pacing: SenderPacing,
  ) {
    this.budget = pacing.budget;
    this.pace = pacing.pace;
    this.paceBatches = pacing.paceBatches !== false;
  }

  /** The batch limits now: the caller's, or, if it chose none, the pace's for the load. */
  current(): BatchLimits {
    const { limits, pace } = this;
    const paced = pace !== undefined && this.paceBatches && limits.pacedBatches === true;
    return paced ? pace.limits() : limits;
  }

  /**
   * Whether the order's ceilings and the shard's pace let a frame of `keys` keys go now. An
   * `urgent` frame carries what requests wait for (keys a command needs in one place, a big key
   * whose writes are held until its transfer ends): the adaptive pace does not hold it back, or
   * those requests would wait for the pace (a probe lasts 100 ms) rather than for the move. The
   * order's fixed ceilings and the window still apply.
   */
  allows(keys: number, now: number, urgent: boolean): boolean {
    if (this.budget !== undefined && !this.budget.allows(keys, now)) return false;
    return this.pace === undefined || !this.paceBatches || urgent || this.pace.maySend(now);
  }

  /**
   * A frame went, built in `ms`: the budget pays `keys` keys (a piece costs a batch's worth) and
   * `bytes`, the pace the time; the profile counts the `moved` keys it carried.
   */
  paid(
    keys: number,
    bytes: number,
    ms: number,
    moved: number,
    profiler: ShardProfiler | undefined,
  ): void {
    this.budget?.take(keys, bytes);
    this.pace?.charge(ms, true);
    if (profiler !== undefined && moved > 0)
      profiler.addMigrated(moved, performance.timeOrigin + performance.now());
  }

  /** The target spent `applyMs` applying a frame: migration work too. */
  acknowledged(applyMs: number): void {
    this.pace?.charge(applyMs, false);
  }
}
