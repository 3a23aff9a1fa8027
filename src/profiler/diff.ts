// Comparing two profile reports (`slotdb profile-diff a.json b.json`): the figures a change to
// migration should move, each with its change and whether that is better or worse.

import { ProfileError } from '../errors.js';
import { PROFILE_SCHEMA, type ProfileReport } from './report/types.js';

export interface DiffRow {
  readonly measure: string;
  readonly before: number | null;
  readonly after: number | null;
  readonly digits: number;
  /** Relative change, '+12.3%', or '-' when either side is missing. */
  readonly change: string;
  readonly verdict: 'better' | 'worse' | 'same' | '-';
}

/** Changes smaller than this fraction are reported as the same (timings are noisy). */
const SAME_WITHIN = 0.02;
/**
 * Percentiles are read from histogram bins 2^(1/16) apart: a change of one bin (4.4%) is within
 * the resolution, so only more counts.
 */
const SAME_WITHIN_PERCENTILE = 0.05;

interface Measure {
  readonly name: string;
  readonly pick: (report: ProfileReport) => number | null;
  readonly higherIsBetter: boolean;
  readonly digits: number;
  readonly sameWithin?: number;
}

const MEASURES: readonly Measure[] = [
  {
    name: 'throughput during migration (ops/s)',
    pick: (r) => r.summary.opsPerSecondDuring,
    higherIsBetter: true,
    digits: 0,
  },
  {
    name: 'throughput before migration (ops/s)',
    pick: (r) => r.summary.opsPerSecondBefore,
    higherIsBetter: true,
    digits: 0,
  },
  {
    name: 'throughput kept during migration (during / before)',
    pick: (r) =>
      r.summary.opsPerSecondDuring === null || !r.summary.opsPerSecondBefore
        ? null
        : r.summary.opsPerSecondDuring / r.summary.opsPerSecondBefore,
    higherIsBetter: true,
    digits: 3,
  },
  {
    name: 'p99 during migration (ms)',
    pick: (r) => r.summary.p99DuringMs,
    higherIsBetter: false,
    digits: 2,
    sameWithin: SAME_WITHIN_PERCENTILE,
  },
  {
    name: 'max latency during migration (ms)',
    pick: (r) => r.summary.maxDuringMs,
    higherIsBetter: false,
    digits: 2,
  },
  {
    name: 'max stall: longest lock wait (ms)',
    pick: (r) => r.summary.lockWaitMaxMs,
    higherIsBetter: false,
    digits: 2,
  },
  {
    name: 'migration speed (keys/s)',
    pick: (r) => r.summary.keysPerSecond,
    higherIsBetter: true,
    digits: 0,
  },
  {
    name: 'migration time (ms)',
    pick: (r) => r.summary.migrationMs,
    higherIsBetter: false,
    digits: 0,
  },
  { name: 'slow operations', pick: (r) => r.totals.slowOps, higherIsBetter: false, digits: 0 },
];

export function compareReports(before: ProfileReport, after: ProfileReport): DiffRow[] {
  for (const report of [before, after]) {
    if (report?.schema !== PROFILE_SCHEMA) {
      throw new ProfileError(`not a ${PROFILE_SCHEMA} report (schema: ${String(report?.schema)})`);
    }
  }
  return MEASURES.map((measure) => {
    const a = measure.pick(before);
    const b = measure.pick(after);
    if (a === null || b === null) {
      return {
        measure: measure.name,
        before: a,
        after: b,
        digits: measure.digits,
        change: '-',
        verdict: '-',
      };
    }
    const relative = a === 0 ? (b === 0 ? 0 : Infinity) : (b - a) / Math.abs(a);
    const verdict =
      Math.abs(relative) <= (measure.sameWithin ?? SAME_WITHIN)
        ? 'same'
        : relative > 0 === measure.higherIsBetter
          ? 'better'
          : 'worse';
    const change = Number.isFinite(relative)
      ? `${relative >= 0 ? '+' : ''}${(relative * 100).toFixed(1)}%`
      : 'new';
    return { measure: measure.name, before: a, after: b, digits: measure.digits, change, verdict };
  });
}
