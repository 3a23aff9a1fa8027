// The main thread's garbage-collector pauses, summed phase by phase from 'gc' performance entries
// (they cover this thread's isolate only: a worker's collector, a shard's, is not seen here).

import { constants, PerformanceObserver } from 'node:perf_hooks';
import type { GcFigures } from './event-loop-protocol.js';

/** Entry kinds of the old generation's collector: its final pause and its incremental steps. */
const MARK_COMPACT_KINDS = new Set<number>([
  constants.NODE_PERFORMANCE_GC_MAJOR,
  constants.NODE_PERFORMANCE_GC_INCREMENTAL,
]);

interface GcEntry {
  readonly duration: number;
  readonly detail?: unknown;
}

export class GcPauses {
  private figures = GcPauses.none();
  private readonly observer = new PerformanceObserver((list) => this.add(list.getEntries()));

  constructor() {
    this.observer.observe({ entryTypes: ['gc'] });
  }

  /**
   * The pauses since the last take, and starts anew. Node makes a 'gc' entry in an immediate after
   * the pause, so a phase that never yielded (a Map loaded in one loop) has its entries only after
   * one turn of the event loop; takeRecords then collects those not yet delivered.
   */
  async take(): Promise<GcFigures> {
    await new Promise((resolve) => setImmediate(resolve));
    this.add(this.observer.takeRecords());
    const figures = this.figures;
    this.figures = GcPauses.none();
    return figures;
  }

  stop(): void {
    this.observer.disconnect();
  }

  private static none(): GcFigures {
    return { count: 0, totalMs: 0, maxMs: 0, markCompactCount: 0, markCompactMs: 0 };
  }

  private add(entries: readonly GcEntry[]): void {
    let { count, totalMs, maxMs, markCompactCount, markCompactMs } = this.figures;
    for (const entry of entries) {
      count++;
      totalMs += entry.duration;
      maxMs = Math.max(maxMs, entry.duration);
      const kind = (entry.detail as { kind?: number } | undefined)?.kind ?? -1;
      if (MARK_COMPACT_KINDS.has(kind)) {
        markCompactCount++;
        markCompactMs += entry.duration;
      }
    }
    this.figures = { count, totalMs, maxMs, markCompactCount, markCompactMs };
  }
}
