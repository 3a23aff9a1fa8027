// The migration stall profile report's shape: 'slotdb-profile/1', described field by field in
// docs/profile.md and checked by docs/profile.schema.json (keep the three in step).

import type { ShardProfileDump } from '../../shared/timing-layout.js';
import type { CauseName } from '../causes.js';
import type { ClientFigures, SlowOp } from '../slab.js';

export type { ClientFigures } from '../slab.js';

export const PROFILE_SCHEMA = 'slotdb-profile/1';

/** Slowest operations, keys, slots and batches listed in a report. */
export const LISTED = 50;

export interface Distribution {
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
  readonly total: number;
}

export interface PhaseLatency {
  readonly ops: number;
  readonly p50Ms: number | null;
  readonly p99Ms: number | null;
  readonly maxMs: number | null;
  /** Operations per latency bin: `upToMs` is the bin's upper edge. Empty bins are left out. */
  readonly histogram: { readonly upToMs: number; readonly count: number }[];
}

export interface TimelineBucket {
  /** Start of the bucket, ms since the profile started. */
  readonly t: number;
  readonly ops: number;
  readonly opsPerSecond: number;
  readonly p50Ms: number | null;
  readonly p99Ms: number | null;
  readonly maxMs: number | null;
  readonly slowOps: number;
  readonly redirections: number;
  readonly lockWaits: number;
  readonly lockWaitMs: number;
  readonly replyBacklogMs: number;
  /**
   * Per shard, the fraction of the bucket its primary was awake (working or spinning); null
   * without its record.
   */
  readonly shardBusy: (number | null)[];
  /** Per worker of `workers` (replicas too), the fraction of the bucket it was awake. */
  readonly workerBusy: (number | null)[];
  /** Slots moving during the bucket. */
  readonly migratingSlots: number;
  /** Keys the sources sent to their targets during the bucket, per second. */
  readonly migratedKeysPerSecond?: number;
  /**
   * Per shard, its adaptive pace's duty (the share of a core migration work may take) at the
   * bucket's last adjustment; 1 while unpaced (no client load); null where no adaptive move ran.
   */
  readonly paceDuty?: (number | null)[];
  /** Shards failing over during the bucket (from a primary's death to its replica's takeover). */
  readonly failingOver: number;
}

export interface ProfileReport {
  readonly schema: typeof PROFILE_SCHEMA;
  readonly startedAt: string;
  readonly durationMs: number;
  readonly bucketMs: number;
  readonly thresholdMs: number;
  readonly machine: {
    readonly cores: number;
    readonly cpu: string;
    readonly node: string;
    readonly platform: string;
  };
  readonly shards: number;
  readonly clients: number;
  /** The workers that recorded the profile, by shard: its primary first, then its replicas. */
  readonly workers: {
    readonly worker: number;
    readonly shard: number;
    readonly role: 'primary' | 'replica';
  }[];
  readonly totals: {
    readonly ops: number;
    readonly slowOps: number;
    readonly opsPerSecond: number;
    readonly p50Ms: number | null;
    readonly p99Ms: number | null;
    readonly p999Ms: number | null;
    readonly maxMs: number | null;
  };
  /** The figures a comparison (profile-diff) looks at first. */
  readonly summary: {
    readonly opsPerSecondBefore: number | null;
    readonly opsPerSecondDuring: number | null;
    readonly opsPerSecondAfter: number | null;
    readonly p99DuringMs: number | null;
    readonly maxDuringMs: number | null;
    readonly lockWaitMaxMs: number;
    readonly migratedSlots: number;
    readonly migratedKeys: number;
    readonly migrationMs: number;
    readonly keysPerSecond: number | null;
  };
  readonly timeline: TimelineBucket[];
  readonly phases: {
    readonly before: PhaseLatency;
    readonly during: PhaseLatency;
    readonly after: PhaseLatency;
  };
  readonly migrations: {
    readonly slot: number;
    readonly source: number;
    readonly target: number;
    readonly lock: 'key' | 'slot';
    readonly startMs: number;
    readonly endMs: number;
    readonly keys: number;
    readonly bytes: number;
    readonly batches: number;
    readonly outcome: string;
  }[];
  /** Failovers during the profile: the worker that died, the one that took over (-1: none). */
  readonly failovers: {
    readonly shard: number;
    readonly from: number;
    readonly to: number;
    readonly startMs: number;
    readonly endMs: number;
    readonly offset: number;
    readonly planned: boolean;
  }[];
  readonly batches: {
    readonly count: number;
    readonly dropped: number;
    readonly serializeMs: Distribution;
    readonly transferMs: Distribution;
    readonly applyMs: Distribution;
    readonly ackMs: Distribution;
    readonly slowest: {
      readonly t: number;
      readonly slot: number;
      readonly target: number;
      readonly keys: number;
      readonly bytes: number;
      readonly serializeMs: number;
      readonly transferMs: number;
      readonly applyMs: number;
      readonly ackMs: number;
    }[];
  };
  readonly lockWaits: {
    readonly count: number;
    readonly totalMs: number;
    readonly keys: {
      readonly key: string;
      readonly keyHex: string;
      readonly slot: number;
      readonly count: number;
      readonly totalMs: number;
      readonly maxMs: number;
    }[];
  };
  readonly causes: {
    readonly cause: CauseName;
    readonly description: string;
    readonly slowOps: number;
    readonly lostMs: number;
    readonly share: number;
  }[];
  readonly stalledSlots: {
    readonly slot: number;
    readonly slowOps: number;
    readonly lostMs: number;
    readonly lockWaitMs: number;
  }[];
  readonly stalledKeys: {
    readonly key: string;
    readonly keyHex: string;
    readonly slot: number | null;
    readonly slowOps: number;
    readonly lostMs: number;
    readonly maxMs: number;
    readonly cause: CauseName;
  }[];
  readonly slowOps: {
    readonly t: number;
    readonly latencyMs: number;
    readonly key: string;
    readonly keyHex: string;
    readonly slot: number | null;
    readonly cause: CauseName;
    readonly segments: SlowOp['segments'];
  }[];
}

export interface ReportInput {
  readonly startAbs: number;
  readonly endAbs: number;
  readonly bucketMs: number;
  readonly thresholdMs: number;
  readonly machine: ProfileReport['machine'];
  readonly shards: number;
  readonly clients: readonly ClientFigures[];
  readonly dumps: readonly ShardProfileDump[];
  /** Failovers during the profile, times in ms since it started. */
  readonly failovers: readonly ProfileReport['failovers'][number][];
  /** Per worker seat, the shard it belongs to (moves name seats; the report names shards). */
  readonly shardOfWorker: readonly number[];
}
