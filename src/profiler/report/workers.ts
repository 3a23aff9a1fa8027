// The workers a report covers: every worker that recorded the profile, primaries and replicas,
// by shard (its primary first, then its replicas, in seat order), and the failovers during it.

import type { ShardProfileDump } from '../../shared/timing-layout.js';
import { round } from '../histogram.js';
import { type TimeFrame, widthOf } from './frame.js';
import type { ProfileReport, ReportInput } from './types.js';

/** The dumps in the order the report lists their workers. */
export function workerOrder(dumps: readonly ShardProfileDump[]): ShardProfileDump[] {
  const rank = (dump: ShardProfileDump): number => (dump.role === 'primary' ? 0 : 1);
  return [...dumps].sort((a, b) => a.shard - b.shard || rank(a) - rank(b) || a.worker - b.worker);
}

export function workersOf(dumps: readonly ShardProfileDump[]): ProfileReport['workers'] {
  return workerOrder(dumps).map((dump) => ({
    worker: dump.worker,
    shard: dump.shard,
    role: dump.role,
  }));
}

export function failoversOf(input: ReportInput): ProfileReport['failovers'] {
  return input.failovers
    .map((failover) => ({
      ...failover,
      startMs: round(failover.startMs),
      endMs: round(failover.endMs),
    }))
    .sort((a, b) => a.startMs - b.startMs);
}

/** Failovers under way during bucket `b`. */
export function failingOverIn(
  frame: TimeFrame,
  failovers: ReportInput['failovers'],
  b: number,
): number {
  const from = b * frame.bucketMs;
  const to = from + widthOf(frame, b);
  return failovers.filter((failover) => failover.startMs < to && failover.endMs >= from).length;
}
