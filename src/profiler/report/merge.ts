// Every client thread's figures, merged: what each thread's slab counted, added up by bucket,
// bin and cause; slow operations put together.

import { CAUSE_COUNT } from '../causes.js';
import { HISTOGRAM_BINS } from '../histogram.js';
import type { ClientFigures, SlowOp } from '../slab.js';

export interface MergedClients {
  readonly counts: number[];
  readonly maxes: number[];
  readonly slow: number[];
  /** Per bucket, HISTOGRAM_BINS counts. */
  readonly bins: Uint32Array;
  readonly causeCounts: number[];
  readonly causeMs: number[];
  readonly slowOps: SlowOp[];
}

export function mergeClients(clients: readonly ClientFigures[], buckets: number): MergedClients {
  const counts = new Array<number>(buckets).fill(0);
  const maxes = new Array<number>(buckets).fill(0);
  const slow = new Array<number>(buckets).fill(0);
  const bins = new Uint32Array(buckets * HISTOGRAM_BINS);
  const causeCounts = new Array<number>(CAUSE_COUNT).fill(0);
  const causeMs = new Array<number>(CAUSE_COUNT).fill(0);
  const slowOps: SlowOp[] = [];
  for (const client of clients) {
    for (let b = 0; b < buckets; b++) {
      counts[b]! += client.counts[b] ?? 0;
      maxes[b] = Math.max(maxes[b]!, client.maxes[b] ?? 0);
      slow[b]! += client.slow[b] ?? 0;
    }
    for (let i = 0; i < buckets * HISTOGRAM_BINS && i < client.bins.length; i++) {
      bins[i]! += client.bins[i]!;
    }
    for (let c = 0; c < CAUSE_COUNT; c++) {
      causeCounts[c]! += client.causeCounts[c]!;
      causeMs[c]! += client.causeMs[c]!;
    }
    slowOps.push(...client.slowOps);
  }
  return { counts, maxes, slow, bins, causeCounts, causeMs, slowOps };
}
