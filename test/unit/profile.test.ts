import { describe, expect, it } from 'vitest';
import { compareReports } from '../../src/profile-diff.js';
import { renderProfileHtml } from '../../src/profile-html.js';
import { type ClientFigures, type ProfileReport, buildReport } from '../../src/profile-report.js';
import {
  Cause,
  HISTOGRAM_BINS,
  ProfileSlab,
  SLOW_KEY_BYTES,
  SLOW_OPS_MAX,
  type ShardProfileDump,
  type SlowOp,
  binOf,
  binUpperMicros,
} from '../../src/shared/profile-layout.js';
import { Random } from '../support/random.js';

const segments = (queue: number, wait = 0): SlowOp['segments'] => ({ queue, wait, redirect: 0, execution: 0, reply: 0, other: 0 });

function slowOp(latencyMs: number, key: string, cause: Cause = Cause.ShardQueue, t = 0): SlowOp {
  return { t, latencyMs, causeMs: latencyMs, segments: segments(latencyMs), cause, slot: 7, key: Buffer.from(key) };
}

function dump(shard: number, buckets: number, extra: Partial<ShardProfileDump> = {}): ShardProfileDump {
  const zeros = (): number[] => new Array<number>(buckets).fill(0);
  return {
    shard,
    buckets: { ops: zeros(), busyMs: zeros(), redirections: zeros(), lockWaits: zeros(), lockWaitMs: zeros(), replyBacklogMs: zeros() },
    moves: [],
    batches: [],
    batchesDropped: 0,
    lockWaits: { count: 0, totalMs: 0 },
    lockKeys: [],
    ...extra,
  };
}

const MACHINE = { cores: 2, cpu: 'test', node: 'v20', platform: 'linux-x64' };

describe('latency bins', () => {
  it('puts a value in the bin whose edges hold it, each bin 2^(1/16) wide', () => {
    const random = new Random(7);
    for (let i = 0; i < 10_000; i++) {
      const micros = 1 + random.next() * 10 ** (1 + random.int(7));
      const bin = binOf(micros);
      expect(binUpperMicros(bin)).toBeGreaterThanOrEqual(micros);
      if (bin > 0) expect(binUpperMicros(bin - 1)).toBeLessThanOrEqual(micros);
      expect(binUpperMicros(bin) / micros).toBeLessThanOrEqual(2 ** (1 / 16) + 1e-9);
    }
    expect(binOf(0)).toBe(0);
    expect(binOf(Number.NaN)).toBe(0);
    expect(binOf(1e12)).toBe(HISTOGRAM_BINS - 1);
  });
});

describe('ProfileSlab', () => {
  it('records latencies by bucket and reads them back', () => {
    const slab = new ProfileSlab();
    slab.reset(1);
    slab.record(0, 100);
    slab.record(0, 300);
    slab.record(2, 5000);
    const figures = slab.read(3);
    expect(figures.counts).toEqual([2, 0, 1]);
    expect(figures.sums).toEqual([400, 0, 5000]);
    expect(figures.maxes).toEqual([300, 0, 5000]);
    expect(figures.bins[binOf(100)]).toBe(1);
    expect(figures.bins[2 * HISTOGRAM_BINS + binOf(5000)]).toBe(1);
    slab.reset(2);
    expect(slab.read(3).counts).toEqual([0, 0, 0]);
    expect(slab.session).toBe(2);
  });

  it('keeps the slowest operations when more are slow than it holds, with their keys cut to size', () => {
    const slab = new ProfileSlab();
    slab.reset(1);
    for (let i = 0; i < SLOW_OPS_MAX + 100; i++) slab.recordSlow(0, slowOp(10 + i, `key${i}`));
    slab.recordSlow(0, slowOp(1, 'too fast to keep'));
    slab.recordSlow(0, slowOp(99_999, 'x'.repeat(SLOW_KEY_BYTES * 2), Cause.KeyLock));
    const { slowOps, causeCounts, slow } = slab.read(1);
    expect(slowOps).toHaveLength(SLOW_OPS_MAX);
    expect(Math.min(...slowOps.map((op) => op.latencyMs))).toBe(10 + 101);
    const slowest = slowOps.find((op) => op.latencyMs === 99_999)!;
    expect(slowest.cause).toBe(Cause.KeyLock);
    expect(slowest.key.length).toBe(SLOW_KEY_BYTES);
    expect(causeCounts[Cause.ShardQueue]).toBe(SLOW_OPS_MAX + 101);
    expect(slow[0]).toBe(SLOW_OPS_MAX + 102);
  });
});

describe('buildReport', () => {
  function figures(): ClientFigures {
    const slab = new ProfileSlab();
    slab.reset(1);
    // 6 buckets of 50 ms; a migration runs from 110 to 190 ms (buckets 2 and 3).
    for (let b = 0; b < 6; b++) for (let i = 0; i < 100; i++) slab.record(b, b === 2 || b === 3 ? 2000 : 100);
    slab.record(3, 80_000);
    slab.recordSlow(3, slowOp(80, '{a}hot', Cause.KeyLock, 160));
    slab.recordSlow(2, slowOp(12, 'cold', Cause.ShardQueue, 120));
    return slab.read(6);
  }

  const moves = [{ migration: 1, slot: 7, source: 0, target: 1, lock: 'key' as const, startMs: 110, endMs: 190, keys: 1000, bytes: 64_000, batches: 4, outcome: 'completed' as const }];

  it('splits the timeline into before, during and after the migration, and ranks causes by time lost', () => {
    const report = buildReport({
      startAbs: 1_000_000,
      endAbs: 1_000_300,
      bucketMs: 50,
      thresholdMs: 10,
      machine: MACHINE,
      shards: 2,
      clients: [figures()],
      dumps: [
        dump(0, 6, { moves, lockKeys: [{ key: Buffer.from('{a}hot').toString('hex'), slot: 7, count: 1, totalMs: 79, maxMs: 79 }], lockWaits: { count: 1, totalMs: 79 } }),
        dump(1, 6),
      ],
    });
    expect(report.timeline).toHaveLength(6);
    expect(report.timeline.map((b) => b.migratingSlots)).toEqual([0, 0, 1, 1, 0, 0]);
    expect(report.phases.before.ops).toBe(200);
    expect(report.phases.during.ops).toBe(201);
    expect(report.phases.after.ops).toBe(200);
    expect(report.phases.before.p99Ms).toBeCloseTo(0.1, 1);
    expect(report.phases.during.p50Ms).toBeGreaterThanOrEqual(2);
    expect(report.phases.during.p50Ms).toBeLessThanOrEqual(2 * 2 ** (1 / 16));
    expect(report.phases.during.maxMs).toBe(80);
    expect(report.summary).toMatchObject({ opsPerSecondBefore: 2000, opsPerSecondAfter: 2000, migratedSlots: 1, migratedKeys: 1000, migrationMs: 80, keysPerSecond: 12_500, lockWaitMaxMs: 79 });
    expect(report.causes.map((c) => c.cause)).toEqual(['key-lock', 'shard-queue']);
    expect(report.causes[0]).toMatchObject({ slowOps: 1, lostMs: 80 });
    expect(report.stalledKeys[0]).toMatchObject({ key: '{a}hot', cause: 'key-lock', maxMs: 80 });
    expect(report.stalledSlots[0]).toMatchObject({ slot: 7, slowOps: 2, lockWaitMs: 79 });
    expect(report.lockWaits.keys[0]).toMatchObject({ key: '{a}hot', count: 1 });
    expect(report.totals.ops).toBe(601);
    expect(report.timeline.every((b) => b.shardBusy.length === 2 && b.shardBusy.every((busy) => busy === 0))).toBe(true);
    // A shard without a record (it died) has no busy time, rather than another shard's.
    const partial = buildReport({ startAbs: 0, endAbs: 100, bucketMs: 50, thresholdMs: 10, machine: MACHINE, shards: 3, clients: [], dumps: [dump(2, 2, { buckets: { ...dump(2, 2).buckets, busyMs: [25, 50] } })] });
    expect(partial.timeline.map((b) => b.shardBusy)).toEqual([[null, null, 0.5], [null, null, 1]]);
  });

  it('renders HTML that escapes keys and holds every chart', () => {
    const slab = new ProfileSlab();
    slab.reset(1);
    slab.record(0, 100);
    slab.recordSlow(0, slowOp(50, '<script>alert(1)</script>'));
    const report = buildReport({ startAbs: 0, endAbs: 100, bucketMs: 50, thresholdMs: 10, machine: MACHINE, shards: 1, clients: [slab.read(2)], dumps: [dump(0, 2)] });
    const html = renderProfileHtml(report);
    expect(html).not.toContain('<script>');
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    for (const id of ['timeline', 'histogram', 'busy', 'causes', 'stalled-keys', 'slow-ops']) expect(html).toContain(`id="${id}"`);
    expect(html).not.toMatch(/https?:\/\/(?!www\.w3\.org)/); // nothing fetched
  });
});

describe('compareReports', () => {
  function report(summary: Partial<ProfileReport['summary']>, slowOps = 10): ProfileReport {
    const base = buildReport({ startAbs: 0, endAbs: 100, bucketMs: 50, thresholdMs: 10, machine: MACHINE, shards: 1, clients: [], dumps: [] });
    return { ...base, totals: { ...base.totals, slowOps }, summary: { ...base.summary, ...summary } };
  }

  it('says which figures got better or worse, and ignores changes within 2%', () => {
    const a = report({ opsPerSecondBefore: 100_000, opsPerSecondDuring: 50_000, p99DuringMs: 10, maxDuringMs: 100, lockWaitMaxMs: 50, keysPerSecond: 1000, migrationMs: 1000 });
    const b = report({ opsPerSecondBefore: 101_000, opsPerSecondDuring: 90_000, p99DuringMs: 20, maxDuringMs: 100, lockWaitMaxMs: 5, keysPerSecond: null, migrationMs: 500 }, 20);
    const rows = new Map(compareReports(a, b).map((row) => [row.measure, row]));
    expect(rows.get('throughput during migration (ops/s)')).toMatchObject({ before: 50_000, after: 90_000, change: '+80.0%', verdict: 'better' });
    expect(rows.get('throughput before migration (ops/s)')!.verdict).toBe('same');
    expect(rows.get('p99 during migration (ms)')).toMatchObject({ change: '+100.0%', verdict: 'worse' });
    expect(rows.get('max latency during migration (ms)')!.verdict).toBe('same');
    expect(rows.get('max stall: longest lock wait (ms)')!.verdict).toBe('better');
    expect(rows.get('migration speed (keys/s)')).toMatchObject({ change: '-', verdict: '-' });
    expect(rows.get('migration time (ms)')!.verdict).toBe('better');
    expect(rows.get('slow operations')!.verdict).toBe('worse');
  });

  it('refuses a file that is not a profile report', () => {
    const a = report({});
    expect(() => compareReports(a, { schema: 'something else' } as unknown as ProfileReport)).toThrow(/not a slotdb-profile\/1 report/);
    expect(() => compareReports(null as unknown as ProfileReport, a)).toThrow(/not a slotdb-profile/);
  });
});
