// The migration stall profile report: built from every client thread's profile slab and every
// shard's dump when a profile stops. Its JSON shape is 'slotdb-profile/1', described field by
// field in docs/profile.md and checked by docs/profile.schema.json.

import {
  CAUSE_COUNT,
  CAUSE_DESCRIPTIONS,
  CAUSE_NAMES,
  type CauseName,
  HISTOGRAM_BINS,
  type ShardProfileDump,
  type SlowOp,
  binUpperMicros,
  bucketWidthMs,
} from './shared/profile-layout.js';

export const PROFILE_SCHEMA = 'slotdb-profile/1';

/** Slowest operations, keys, slots and batches listed in a report. */
const LISTED = 50;

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
  /** Per shard, the fraction of the bucket it was awake (working or spinning); null without its record. */
  readonly shardBusy: (number | null)[];
  /** Slots moving during the bucket. */
  readonly migratingSlots: number;
}

export interface ProfileReport {
  readonly schema: typeof PROFILE_SCHEMA;
  readonly startedAt: string;
  readonly durationMs: number;
  readonly bucketMs: number;
  readonly thresholdMs: number;
  readonly machine: { readonly cores: number; readonly cpu: string; readonly node: string; readonly platform: string };
  readonly shards: number;
  readonly clients: number;
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
  readonly phases: { readonly before: PhaseLatency; readonly during: PhaseLatency; readonly after: PhaseLatency };
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
    readonly keys: { readonly key: string; readonly keyHex: string; readonly slot: number; readonly count: number; readonly totalMs: number; readonly maxMs: number }[];
  };
  readonly causes: { readonly cause: CauseName; readonly description: string; readonly slowOps: number; readonly lostMs: number; readonly share: number }[];
  readonly stalledSlots: { readonly slot: number; readonly slowOps: number; readonly lostMs: number; readonly lockWaitMs: number }[];
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

/** What one client thread's slab held, as ProfileSlab.read() returns it. */
export interface ClientFigures {
  readonly counts: number[];
  readonly sums: number[];
  readonly maxes: number[];
  readonly slow: number[];
  readonly bins: Uint32Array;
  readonly causeCounts: number[];
  readonly causeMs: number[];
  readonly slowOps: SlowOp[];
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
}

const round = (n: number, digits = 3): number => Math.round(n * 10 ** digits) / 10 ** digits;

function percentileOfBins(bins: ArrayLike<number>, count: number, p: number): number | null {
  if (count === 0) return null;
  const rank = Math.ceil(count * p);
  let seen = 0;
  for (let bin = 0; bin < HISTOGRAM_BINS; bin++) {
    seen += bins[bin]!;
    if (seen >= rank) return round(binUpperMicros(bin) / 1000);
  }
  return round(binUpperMicros(HISTOGRAM_BINS - 1) / 1000);
}

function distribution(values: number[]): Distribution {
  if (values.length === 0) return { p50: 0, p99: 0, max: 0, total: 0 };
  const sorted = [...values].sort((a, b) => a - b);
  const at = (p: number): number => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))]!;
  return { p50: round(at(0.5)), p99: round(at(0.99)), max: round(sorted.at(-1)!), total: round(values.reduce((a, b) => a + b, 0)) };
}

function phase(bins: Uint32Array, buckets: number[], maxes: number[]): PhaseLatency {
  const merged = new Array<number>(HISTOGRAM_BINS).fill(0);
  let ops = 0;
  let max = 0;
  for (const bucket of buckets) {
    for (let bin = 0; bin < HISTOGRAM_BINS; bin++) merged[bin]! += bins[bucket * HISTOGRAM_BINS + bin]!;
    max = Math.max(max, maxes[bucket]!);
  }
  for (const count of merged) ops += count;
  return {
    ops,
    p50Ms: percentileOfBins(merged, ops, 0.5),
    p99Ms: percentileOfBins(merged, ops, 0.99),
    maxMs: ops === 0 ? null : round(max / 1000),
    histogram: merged.flatMap((count, bin) => (count === 0 ? [] : [{ upToMs: round(binUpperMicros(bin) / 1000, 4), count }])),
  };
}

/** Hash slots; a command without a key (PING, DBSIZE) has none, and is reported with slot null. */
const SLOTS = 16384;
const slotOrNull = (slot: number): number | null => (slot < SLOTS ? slot : null);

function keyText(key: Buffer): string {
  return key.toString('utf8');
}

export function buildReport(input: ReportInput): ProfileReport {
  const durationMs = input.endAbs - input.startAbs;
  const bucketCount = Math.max(1, Math.ceil(durationMs / input.bucketMs));
  const widthOf = (b: number): number => bucketWidthMs(b, durationMs, input.bucketMs);
  const n = Math.min(bucketCount, ...input.clients.map((c) => c.counts.length), ...input.dumps.map((d) => d.buckets.ops.length));
  const buckets = Number.isFinite(n) ? n : bucketCount;

  // Merge the client threads.
  const counts = new Array<number>(buckets).fill(0);
  const maxes = new Array<number>(buckets).fill(0);
  const slow = new Array<number>(buckets).fill(0);
  const bins = new Uint32Array(buckets * HISTOGRAM_BINS);
  const causeCounts = new Array<number>(CAUSE_COUNT).fill(0);
  const causeMs = new Array<number>(CAUSE_COUNT).fill(0);
  const slowOps: SlowOp[] = [];
  for (const client of input.clients) {
    for (let b = 0; b < buckets; b++) {
      counts[b]! += client.counts[b] ?? 0;
      maxes[b] = Math.max(maxes[b]!, client.maxes[b] ?? 0);
      slow[b]! += client.slow[b] ?? 0;
    }
    for (let i = 0; i < buckets * HISTOGRAM_BINS && i < client.bins.length; i++) bins[i]! += client.bins[i]!;
    for (let c = 0; c < CAUSE_COUNT; c++) {
      causeCounts[c]! += client.causeCounts[c]!;
      causeMs[c]! += client.causeMs[c]!;
    }
    slowOps.push(...client.slowOps);
  }

  const moves = input.dumps.flatMap((dump) => dump.moves).map((move) => ({ ...move, endMs: move.endMs < 0 ? durationMs : move.endMs }));
  const movingIn = (b: number): number => {
    const from = b * input.bucketMs;
    const to = from + widthOf(b);
    return moves.filter((move) => move.startMs < to && move.endMs >= from).length;
  };

  // A shard that died or was closed during the profile has no dump: its busy time is null.
  const dumpOf: (ShardProfileDump | undefined)[] = [];
  for (const dump of input.dumps) dumpOf[dump.shard] = dump;
  const timeline: TimelineBucket[] = [];
  for (let b = 0; b < buckets; b++) {
    const width = widthOf(b);
    const bucketBins = bins.subarray(b * HISTOGRAM_BINS, (b + 1) * HISTOGRAM_BINS);
    const sum = (pick: (dump: ShardProfileDump) => number[]): number => input.dumps.reduce((total, dump) => total + (pick(dump)[b] ?? 0), 0);
    timeline.push({
      t: b * input.bucketMs,
      ops: counts[b]!,
      opsPerSecond: round((counts[b]! * 1000) / Math.max(width, 1e-3), 1),
      p50Ms: percentileOfBins(bucketBins, counts[b]!, 0.5),
      p99Ms: percentileOfBins(bucketBins, counts[b]!, 0.99),
      maxMs: counts[b]! === 0 ? null : round(maxes[b]! / 1000),
      slowOps: slow[b]!,
      redirections: sum((dump) => dump.buckets.redirections),
      lockWaits: sum((dump) => dump.buckets.lockWaits),
      lockWaitMs: round(sum((dump) => dump.buckets.lockWaitMs)),
      replyBacklogMs: round(sum((dump) => dump.buckets.replyBacklogMs)),
      shardBusy: Array.from({ length: input.shards }, (_, shard) => {
        const dump = dumpOf[shard];
        return dump === undefined ? null : round(Math.min(1, (dump.buckets.busyMs[b] ?? 0) / Math.max(width, 1e-3)));
      }),
      migratingSlots: movingIn(b),
    });
  }

  // Phases: buckets before the first move, while any moves, after the last.
  const firstStart = moves.length === 0 ? Infinity : Math.min(...moves.map((move) => move.startMs));
  const lastEnd = moves.length === 0 ? -Infinity : Math.max(...moves.map((move) => move.endMs));
  const before: number[] = [];
  const during: number[] = [];
  const after: number[] = [];
  for (let b = 0; b < buckets; b++) {
    const from = b * input.bucketMs;
    const to = from + widthOf(b);
    if (to <= firstStart) before.push(b);
    else if (from > lastEnd) after.push(b);
    else during.push(b);
  }

  const allBins = new Array<number>(HISTOGRAM_BINS).fill(0);
  for (let b = 0; b < buckets; b++) for (let bin = 0; bin < HISTOGRAM_BINS; bin++) allBins[bin]! += bins[b * HISTOGRAM_BINS + bin]!;
  const totalOps = counts.reduce((a, c) => a + c, 0);

  const batchTimings = input.dumps.flatMap((dump) => dump.batches);
  const lockKeys = input.dumps
    .flatMap((dump) => dump.lockKeys)
    .sort((a, b) => b.totalMs - a.totalMs)
    .slice(0, LISTED)
    .map((entry) => {
      const key = Buffer.from(entry.key, 'hex');
      return { key: keyText(key), keyHex: entry.key, slot: entry.slot, count: entry.count, totalMs: round(entry.totalMs), maxMs: round(entry.maxMs) };
    });

  const slowSorted = [...slowOps].sort((a, b) => b.latencyMs - a.latencyMs);
  const bySlot = new Map<number, { slowOps: number; lostMs: number }>();
  const byKey = new Map<string, { key: Buffer; slot: number; slowOps: number; lostMs: number; maxMs: number; causes: number[] }>();
  for (const op of slowOps) {
    const slotEntry = bySlot.get(op.slot) ?? { slowOps: 0, lostMs: 0 };
    slotEntry.slowOps++;
    slotEntry.lostMs += op.latencyMs;
    bySlot.set(op.slot, slotEntry);
    const id = op.key.toString('hex');
    const keyEntry = byKey.get(id) ?? { key: op.key, slot: op.slot, slowOps: 0, lostMs: 0, maxMs: 0, causes: new Array<number>(CAUSE_COUNT).fill(0) };
    keyEntry.slowOps++;
    keyEntry.lostMs += op.latencyMs;
    keyEntry.maxMs = Math.max(keyEntry.maxMs, op.latencyMs);
    keyEntry.causes[op.cause]! += op.latencyMs;
    byKey.set(id, keyEntry);
  }
  const lockWaitMsBySlot = new Map<number, number>();
  for (const entry of input.dumps.flatMap((dump) => dump.lockKeys)) lockWaitMsBySlot.set(entry.slot, (lockWaitMsBySlot.get(entry.slot) ?? 0) + entry.totalMs);
  const slotIds = new Set([...bySlot.keys(), ...lockWaitMsBySlot.keys()].filter((slot) => slot < SLOTS));
  const totalLost = causeMs.reduce((a, b) => a + b, 0);

  const phases = { before: phase(bins, before, maxes), during: phase(bins, during, maxes), after: phase(bins, after, maxes) };
  const rateOf = (buckets: number[]): number | null => {
    if (buckets.length === 0) return null;
    const ms = buckets.reduce((total, b) => total + widthOf(b), 0);
    return round((buckets.reduce((total, b) => total + counts[b]!, 0) * 1000) / Math.max(ms, 1e-3), 1);
  };
  const completed = moves.filter((move) => move.outcome === 'completed');
  const migrationMs = moves.length === 0 ? 0 : lastEnd - firstStart;
  const migratedKeys = completed.reduce((total, move) => total + move.keys, 0);
  const summary = {
    opsPerSecondBefore: rateOf(before),
    opsPerSecondDuring: rateOf(during),
    opsPerSecondAfter: rateOf(after),
    p99DuringMs: phases.during.p99Ms,
    maxDuringMs: phases.during.maxMs,
    lockWaitMaxMs: round(Math.max(0, ...input.dumps.map((dump) => dump.lockWaits.maxMs))),
    migratedSlots: completed.length,
    migratedKeys,
    migrationMs: round(migrationMs),
    keysPerSecond: migrationMs > 0 ? round((migratedKeys * 1000) / migrationMs, 1) : null,
  };

  return {
    schema: PROFILE_SCHEMA,
    startedAt: new Date(input.startAbs).toISOString(),
    durationMs: round(durationMs),
    bucketMs: input.bucketMs,
    thresholdMs: input.thresholdMs,
    machine: input.machine,
    shards: input.shards,
    clients: input.clients.length,
    totals: {
      ops: totalOps,
      slowOps: causeCounts.reduce((a, b) => a + b, 0),
      opsPerSecond: round((totalOps * 1000) / Math.max(durationMs, 1e-3), 1),
      p50Ms: percentileOfBins(allBins, totalOps, 0.5),
      p99Ms: percentileOfBins(allBins, totalOps, 0.99),
      p999Ms: percentileOfBins(allBins, totalOps, 0.999),
      maxMs: totalOps === 0 ? null : round(Math.max(...maxes) / 1000),
    },
    summary,
    timeline,
    phases,
    migrations: moves
      .map((move) => ({
        slot: move.slot,
        source: move.source,
        target: move.target,
        lock: move.lock,
        startMs: round(move.startMs),
        endMs: round(move.endMs),
        keys: move.keys,
        bytes: move.bytes,
        batches: move.batches,
        outcome: move.outcome,
      }))
      .sort((a, b) => a.startMs - b.startMs),
    batches: {
      count: batchTimings.length + input.dumps.reduce((a, d) => a + d.batchesDropped, 0),
      dropped: input.dumps.reduce((a, d) => a + d.batchesDropped, 0),
      serializeMs: distribution(batchTimings.map((b) => b.serializeMs)),
      transferMs: distribution(batchTimings.map((b) => b.transferMs)),
      applyMs: distribution(batchTimings.map((b) => b.applyMs)),
      ackMs: distribution(batchTimings.map((b) => b.ackMs)),
      slowest: [...batchTimings]
        .sort((a, b) => b.serializeMs + b.transferMs + b.applyMs + b.ackMs - (a.serializeMs + a.transferMs + a.applyMs + a.ackMs))
        .slice(0, LISTED)
        .map((b) => ({
          t: round(b.t),
          slot: b.slot,
          target: b.target,
          keys: b.keys,
          bytes: b.bytes,
          serializeMs: round(b.serializeMs),
          transferMs: round(b.transferMs),
          applyMs: round(b.applyMs),
          ackMs: round(b.ackMs),
        })),
    },
    lockWaits: {
      count: input.dumps.reduce((a, d) => a + d.lockWaits.count, 0),
      totalMs: round(input.dumps.reduce((a, d) => a + d.lockWaits.totalMs, 0)),
      keys: lockKeys,
    },
    causes: CAUSE_NAMES.map((cause, c) => ({
      cause,
      description: CAUSE_DESCRIPTIONS[cause],
      slowOps: causeCounts[c]!,
      lostMs: round(causeMs[c]!),
      share: totalLost === 0 ? 0 : round(causeMs[c]! / totalLost),
    }))
      .filter((entry) => entry.slowOps > 0)
      .sort((a, b) => b.lostMs - a.lostMs),
    stalledSlots: [...slotIds]
      .map((slot) => ({
        slot,
        slowOps: bySlot.get(slot)?.slowOps ?? 0,
        lostMs: round(bySlot.get(slot)?.lostMs ?? 0),
        lockWaitMs: round(lockWaitMsBySlot.get(slot) ?? 0),
      }))
      .sort((a, b) => b.lostMs + b.lockWaitMs - (a.lostMs + a.lockWaitMs))
      .slice(0, LISTED),
    stalledKeys: [...byKey.values()]
      .sort((a, b) => b.lostMs - a.lostMs)
      .slice(0, LISTED)
      .map((entry) => ({
        key: keyText(entry.key),
        keyHex: entry.key.toString('hex'),
        slot: slotOrNull(entry.slot),
        slowOps: entry.slowOps,
        lostMs: round(entry.lostMs),
        maxMs: round(entry.maxMs),
        cause: CAUSE_NAMES[entry.causes.indexOf(Math.max(...entry.causes))]!,
      })),
    slowOps: slowSorted.slice(0, LISTED).map((op) => ({
      t: round(op.t),
      latencyMs: round(op.latencyMs),
      key: keyText(op.key),
      keyHex: op.key.toString('hex'),
      slot: slotOrNull(op.slot),
      cause: CAUSE_NAMES[op.cause]!,
      segments: Object.fromEntries(Object.entries(op.segments).map(([k, v]) => [k, round(v)])) as SlowOp['segments'],
    })),
  };
}
