// Latency over the whole profile and over its phases (before, during and after migration), and
// the summary a comparison (profile-diff) looks at first.

import type { ShardProfileDump, SlotMove } from '../../shared/timing-layout.js';
import { binUpperMicros, HISTOGRAM_BINS, percentileOfBins, round } from '../histogram.js';
import { type TimeFrame, widthOf } from './frame.js';
import type { MergedClients } from './merge.js';
import type { Phases } from './moves.js';
import type { PhaseLatency, ProfileReport } from './types.js';

/** The latency of the operations issued in `buckets`, from their merged histograms. */
function phase(merged: MergedClients, buckets: number[]): PhaseLatency {
  const bins = merged.bins;
  const bucketBins = new Array<number>(HISTOGRAM_BINS).fill(0);
  let ops = 0;
  let max = 0;
  for (const bucket of buckets) {
    for (let bin = 0; bin < HISTOGRAM_BINS; bin++) {
      bucketBins[bin]! += bins[bucket * HISTOGRAM_BINS + bin]!;
    }
    max = Math.max(max, merged.maxes[bucket]!);
  }
  for (const count of bucketBins) ops += count;
  return {
    ops,
    p50Ms: percentileOfBins(bucketBins, ops, 0.5),
    p99Ms: percentileOfBins(bucketBins, ops, 0.99),
    maxMs: ops === 0 ? null : round(max / 1000),
    histogram: bucketBins.flatMap((count, bin) =>
      count === 0 ? [] : [{ upToMs: round(binUpperMicros(bin) / 1000, 4), count }],
    ),
  };
}

export function phaseLatencies(merged: MergedClients, phases: Phases): ProfileReport['phases'] {
  return {
    before: phase(merged, phases.before),
    during: phase(merged, phases.during),
    after: phase(merged, phases.after),
  };
}

export function totalsOf(frame: TimeFrame, merged: MergedClients): ProfileReport['totals'] {
  const allBins = new Array<number>(HISTOGRAM_BINS).fill(0);
  for (let b = 0; b < frame.buckets; b++) {
    for (let bin = 0; bin < HISTOGRAM_BINS; bin++) {
      allBins[bin]! += merged.bins[b * HISTOGRAM_BINS + bin]!;
    }
  }
  const totalOps = merged.counts.reduce((a, c) => a + c, 0);
  return {
    ops: totalOps,
    slowOps: merged.causeCounts.reduce((a, b) => a + b, 0),
    opsPerSecond: round((totalOps * 1000) / Math.max(frame.durationMs, 1e-3), 1),
    p50Ms: percentileOfBins(allBins, totalOps, 0.5),
    p99Ms: percentileOfBins(allBins, totalOps, 0.99),
    p999Ms: percentileOfBins(allBins, totalOps, 0.999),
    maxMs: totalOps === 0 ? null : round(Math.max(...merged.maxes) / 1000),
  };
}

export function summaryOf(
  frame: TimeFrame,
  merged: MergedClients,
  dumps: readonly ShardProfileDump[],
  moves: readonly SlotMove[],
  phases: Phases,
  latencies: ProfileReport['phases'],
): ProfileReport['summary'] {
  const rateOf = (buckets: number[]): number | null => {
    if (buckets.length === 0) return null;
    const ms = buckets.reduce((total, b) => total + widthOf(frame, b), 0);
    const ops = buckets.reduce((total, b) => total + merged.counts[b]!, 0);
    return round((ops * 1000) / Math.max(ms, 1e-3), 1);
  };
  const completed = moves.filter((move) => move.outcome === 'completed');
  const migrationMs = moves.length === 0 ? 0 : phases.lastEnd - phases.firstStart;
  const migratedKeys = completed.reduce((total, move) => total + move.keys, 0);
  return {
    opsPerSecondBefore: rateOf(phases.before),
    opsPerSecondDuring: rateOf(phases.during),
    opsPerSecondAfter: rateOf(phases.after),
    p99DuringMs: latencies.during.p99Ms,
    maxDuringMs: latencies.during.maxMs,
    lockWaitMaxMs: round(Math.max(0, ...dumps.map((dump) => dump.lockWaits.maxMs))),
    migratedSlots: completed.length,
    migratedKeys,
    migrationMs: round(migrationMs),
    keysPerSecond: migrationMs > 0 ? round((migratedKeys * 1000) / migrationMs, 1) : null,
  };
}
