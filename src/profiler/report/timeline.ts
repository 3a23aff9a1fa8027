// The report's timeline: per time bucket, the clients' throughput and latency and the shards'
// redirections, lock waits, reply backlog, busy time, the keys migrating and the adaptive pace.

import type { ShardProfileDump, SlotMove } from '../../shared/timing-layout.js';
import { HISTOGRAM_BINS, percentileOfBins, round } from '../histogram.js';
import { type TimeFrame, widthOf } from './frame.js';
import type { MergedClients } from './merge.js';
import { movingIn } from './moves.js';
import type { ReportInput, TimelineBucket } from './types.js';
import { failingOverIn, workerOrder } from './workers.js';

export function timelineOf(
  frame: TimeFrame,
  merged: MergedClients,
  input: ReportInput,
  moves: readonly SlotMove[],
): TimelineBucket[] {
  const { dumps, shards } = input;
  // A shard whose primary died or was closed during the profile has no dump: its busy time is
  // null (a replica that took over recorded as a replica until then, and is the primary now).
  const dumpOf: (ShardProfileDump | undefined)[] = [];
  for (const dump of dumps) if (dump.role === 'primary') dumpOf[dump.shard] = dump;
  const workers = workerOrder(dumps);
  const busy = (dump: ShardProfileDump | undefined, b: number, width: number): number | null =>
    dump === undefined
      ? null
      : round(Math.min(1, (dump.buckets.busyMs[b] ?? 0) / Math.max(width, 1e-3)));
  const timeline: TimelineBucket[] = [];
  for (let b = 0; b < frame.buckets; b++) {
    const width = widthOf(frame, b);
    const count = merged.counts[b]!;
    const bucketBins = merged.bins.subarray(b * HISTOGRAM_BINS, (b + 1) * HISTOGRAM_BINS);
    const sum = (pick: (dump: ShardProfileDump) => number[]): number =>
      dumps.reduce((total, dump) => total + (pick(dump)[b] ?? 0), 0);
    timeline.push({
      t: b * frame.bucketMs,
      ops: count,
      opsPerSecond: round((count * 1000) / Math.max(width, 1e-3), 1),
      p50Ms: percentileOfBins(bucketBins, count, 0.5),
      p99Ms: percentileOfBins(bucketBins, count, 0.99),
      maxMs: count === 0 ? null : round(merged.maxes[b]! / 1000),
      slowOps: merged.slow[b]!,
      redirections: sum((dump) => dump.buckets.redirections),
      lockWaits: sum((dump) => dump.buckets.lockWaits),
      lockWaitMs: round(sum((dump) => dump.buckets.lockWaitMs)),
      replyBacklogMs: round(sum((dump) => dump.buckets.replyBacklogMs)),
      shardBusy: Array.from({ length: shards }, (_, shard) => busy(dumpOf[shard], b, width)),
      workerBusy: workers.map((dump) => busy(dump, b, width)),
      migratingSlots: movingIn(frame, moves, b),
      migratedKeysPerSecond: round(
        (sum((dump) => dump.buckets.migratedKeys ?? []) * 1000) / Math.max(width, 1e-3),
        1,
      ),
      paceDuty: Array.from(
        { length: shards },
        (_, shard) => dumpOf[shard]?.buckets.paceDuty?.[b] ?? null,
      ),
      failingOver: failingOverIn(frame, input.failovers, b),
    });
  }
  return timeline;
}
