// The time frame of a report: how long the profile ran, and its buckets.

import { bucketWidthMs } from '../../shared/timing-layout.js';
import type { ReportInput } from './types.js';

export interface TimeFrame {
  readonly durationMs: number;
  readonly bucketMs: number;
  /** Buckets reported: as many as the profile lasted, or as the shortest record holds. */
  readonly buckets: number;
}

export function timeFrame(input: ReportInput): TimeFrame {
  const durationMs = input.endAbs - input.startAbs;
  const bucketCount = Math.max(1, Math.ceil(durationMs / input.bucketMs));
  const n = Math.min(
    bucketCount,
    ...input.clients.map((c) => c.counts.length),
    ...input.dumps.map((d) => d.buckets.ops.length),
  );
  return { durationMs, bucketMs: input.bucketMs, buckets: Number.isFinite(n) ? n : bucketCount };
}

/** How long bucket `b` lasted, ms (the last one holds all the time after it). */
export function widthOf(frame: TimeFrame, b: number): number {
  return bucketWidthMs(b, frame.durationMs, frame.bucketMs);
}
