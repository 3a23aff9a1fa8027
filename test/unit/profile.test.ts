import { describe, expect, it } from 'vitest';
import { Cause } from '../../src/profiler/causes.js';
import { compareReports } from '../../src/profiler/diff.js';
import { binOf, binUpperMicros, HISTOGRAM_BINS } from '../../src/profiler/histogram.js';
import { renderProfileHtml } from '../../src/profiler/html/page.js';
import { HeldKey, ProfileRecorder } from '../../src/profiler/recorder.js';
import { buildReport } from '../../src/profiler/report/build.js';
import type { ClientFigures, ProfileReport } from '../../src/profiler/report/types.js';
import { ProfileSlab, SLOW_KEY_BYTES, SLOW_OPS_MAX, type SlowOp } from '../../src/profiler/slab.js';
import { ControlBlock } from '../../src/shared/control-block.js';
import {
  absoluteNow,
  PROFILE_BUCKETS_MAX,
  RTIMING_BYTES,
  RTIMING_EXECUTED,
  RTIMING_FORWARDED,
  RTIMING_ISSUED,
  RTIMING_PICKED_UP,
  RTIMING_PUSHED,
  RTIMING_REPLIED,
  RTIMING_REPLY_BACKLOG,
  RTIMING_WAIT_MS,
  RTIMING_WAIT_REASON,
  type ShardProfileDump,
  WaitReason,
} from '../../src/shared/timing-layout.js';
import { Random } from '../support/random.js';

const segments = (queue: number, wait = 0): SlowOp['segments'] => ({
  fence: 0,
  queue,
  wait,
  redirect: 0,
  execution: 0,
  staged: 0,
  reply: 0,
  other: 0,
});

function slowOp(latencyMs: number, key: string, cause: Cause = Cause.ShardQueue, t = 0): SlowOp {
  return {
    t,
    latencyMs,
    causeMs: latencyMs,
    segments: segments(latencyMs),
    cause,
    slot: 7,
    key: Buffer.from(key),
  };
}

function dump(
  shard: number,
  buckets: number,
  extra: Partial<ShardProfileDump> = {},
): ShardProfileDump {
  const zeros = (): number[] => new Array<number>(buckets).fill(0);
  return {
    worker: shard,
    shard,
    role: 'primary',
    buckets: {
      ops: zeros(),
      busyMs: zeros(),
      redirections: zeros(),
      lockWaits: zeros(),
      lockWaitMs: zeros(),
      replyBacklogMs: zeros(),
    },
    moves: [],
    batches: [],
    batchesDropped: 0,
    lockWaits: { count: 0, totalMs: 0, maxMs: 0 },
    lockKeys: [],
    ...extra,
  };
}

const MACHINE = { cores: 2, cpu: 'test', node: 'v20', platform: 'linux-x64' };
/** A database whose shards' primaries are in seats 0..shards-1, with no failover. */
const NO_REPLICATION = { failovers: [], shardOfWorker: [] };

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
    for (let b = 0; b < 6; b++)
      for (let i = 0; i < 100; i++) slab.record(b, b === 2 || b === 3 ? 2000 : 100);
    slab.record(3, 80_000);
    slab.recordSlow(3, slowOp(80, '{a}hot', Cause.KeyLock, 160));
    slab.recordSlow(2, slowOp(12, 'cold', Cause.ShardQueue, 120));
    return slab.read(6);
  }

  const moves = [
    {
      migration: 1,
      slot: 7,
      source: 0,
      target: 1,
      lock: 'key' as const,
      startMs: 110,
      endMs: 190,
      keys: 1000,
      bytes: 64_000,
      batches: 4,
      outcome: 'completed' as const,
    },
  ];

  it('splits the timeline into before, during and after the migration, and ranks causes by time lost', () => {
    const report = buildReport({
      ...NO_REPLICATION,
      startAbs: 1_000_000,
      endAbs: 1_000_300,
      bucketMs: 50,
      thresholdMs: 10,
      machine: MACHINE,
      shards: 2,
      clients: [figures()],
      dumps: [
        dump(0, 6, {
          moves,
          lockKeys: [
            {
              key: Buffer.from('{a}hot').toString('hex'),
              slot: 7,
              count: 1,
              totalMs: 79,
              maxMs: 79,
            },
          ],
          lockWaits: { count: 1, totalMs: 79, maxMs: 79 },
        }),
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
    expect(report.summary).toMatchObject({
      opsPerSecondBefore: 2000,
      opsPerSecondAfter: 2000,
      migratedSlots: 1,
      migratedKeys: 1000,
      migrationMs: 80,
      keysPerSecond: 12_500,
      lockWaitMaxMs: 79,
    });
    expect(report.causes.map((c) => c.cause)).toEqual(['key-lock', 'shard-queue']);
    expect(report.causes[0]).toMatchObject({ slowOps: 1, lostMs: 80 });
    expect(report.stalledKeys[0]).toMatchObject({ key: '{a}hot', cause: 'key-lock', maxMs: 80 });
    expect(report.stalledSlots[0]).toMatchObject({ slot: 7, slowOps: 2, lockWaitMs: 79 });
    expect(report.lockWaits.keys[0]).toMatchObject({ key: '{a}hot', count: 1 });
    expect(report.totals.ops).toBe(601);
    // A shard without a record (it died) has no busy time, rather than another shard's.
    const partial = buildReport({
      ...NO_REPLICATION,
      startAbs: 0,
      endAbs: 100,
      bucketMs: 50,
      thresholdMs: 10,
      machine: MACHINE,
      shards: 3,
      clients: [],
      dumps: [dump(2, 2, { buckets: { ...dump(2, 2).buckets, busyMs: [25, 50] } })],
    });
    expect(partial.timeline.map((b) => b.shardBusy)).toEqual([
      [null, null, 0.5],
      [null, null, 1],
    ]);
  });

  it("puts the keys migrating and each shard's pace on the timeline, and draws them", () => {
    const paced = dump(0, 2, {
      buckets: { ...dump(0, 2).buckets, migratedKeys: [500, 0], paceDuty: [0.25, null] },
    });
    const report = buildReport({
      ...NO_REPLICATION,
      startAbs: 0,
      endAbs: 100,
      bucketMs: 50,
      thresholdMs: 10,
      machine: MACHINE,
      shards: 2,
      clients: [],
      // Shard 1's dump is from before the pace existed: no pacing series at all.
      dumps: [paced, dump(1, 2)],
    });
    expect(report.timeline.map((b) => b.migratedKeysPerSecond)).toEqual([10_000, 0]);
    expect(report.timeline.map((b) => b.paceDuty)).toEqual([
      [0.25, null],
      [null, null],
    ]);
    const html = renderProfileHtml(report);
    expect(html).toContain('id="pacing"');
    expect(html).toMatch(/class="pace" data-shard="0"/);
    expect(html).not.toMatch(/class="pace" data-shard="1"/);
  });

  it('renders HTML that escapes keys and holds every chart', () => {
    const slab = new ProfileSlab();
    slab.reset(1);
    slab.record(0, 100);
    slab.recordSlow(0, slowOp(50, '<script>alert(1)</script>'));
    const report = buildReport({
      ...NO_REPLICATION,
      startAbs: 0,
      endAbs: 100,
      bucketMs: 50,
      thresholdMs: 10,
      machine: MACHINE,
      shards: 1,
      clients: [slab.read(2)],
      dumps: [dump(0, 2)],
    });
    const html = renderProfileHtml(report);
    expect(html).not.toContain('<script>');
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    for (const id of [
      'timeline',
      'pacing',
      'histogram',
      'busy',
      'causes',
      'stalled-keys',
      'slow-ops',
    ])
      expect(html).toContain(`id="${id}"`);
    expect(html).not.toMatch(/https?:\/\/(?!www\.w3\.org)/); // nothing fetched
  });
});

describe('compareReports', () => {
  function report(summary: Partial<ProfileReport['summary']>, slowOps = 10): ProfileReport {
    const base = buildReport({
      ...NO_REPLICATION,
      startAbs: 0,
      endAbs: 100,
      bucketMs: 50,
      thresholdMs: 10,
      machine: MACHINE,
      shards: 1,
      clients: [],
      dumps: [],
    });
    return {
      ...base,
      totals: { ...base.totals, slowOps },
      summary: { ...base.summary, ...summary },
    };
  }

  it('counts a p99 change within one histogram bin (5%) as the same', () => {
    const rows = compareReports(report({ p99DuringMs: 10 }), report({ p99DuringMs: 10.44 }));
    expect(rows.find((row) => row.measure === 'p99 during migration (ms)')!.verdict).toBe('same');
    const worse = compareReports(report({ p99DuringMs: 10 }), report({ p99DuringMs: 10.9 }));
    expect(worse.find((row) => row.measure === 'p99 during migration (ms)')!.verdict).toBe('worse');
  });

  it('says which figures got better or worse, and ignores changes within 2%', () => {
    const a = report({
      opsPerSecondBefore: 100_000,
      opsPerSecondDuring: 50_000,
      p99DuringMs: 10,
      maxDuringMs: 100,
      lockWaitMaxMs: 50,
      keysPerSecond: 1000,
      migrationMs: 1000,
    });
    const b = report(
      {
        opsPerSecondBefore: 101_000,
        opsPerSecondDuring: 90_000,
        p99DuringMs: 20,
        maxDuringMs: 100,
        lockWaitMaxMs: 5,
        keysPerSecond: null,
        migrationMs: 500,
      },
      20,
    );
    const rows = new Map(compareReports(a, b).map((row) => [row.measure, row]));
    expect(rows.get('throughput during migration (ops/s)')).toMatchObject({
      before: 50_000,
      after: 90_000,
      change: '+80.0%',
      verdict: 'better',
    });
    expect(rows.get('throughput before migration (ops/s)')!.verdict).toBe('same');
    expect(rows.get('p99 during migration (ms)')).toMatchObject({
      change: '+100.0%',
      verdict: 'worse',
    });
    expect(rows.get('max latency during migration (ms)')!.verdict).toBe('same');
    expect(rows.get('max stall: longest lock wait (ms)')!.verdict).toBe('better');
    expect(rows.get('migration speed (keys/s)')).toMatchObject({ change: '-', verdict: '-' });
    expect(rows.get('migration time (ms)')!.verdict).toBe('better');
    expect(rows.get('slow operations')!.verdict).toBe('worse');
  });

  it('refuses a file that is not a profile report', () => {
    const a = report({});
    expect(() =>
      compareReports(a, { schema: 'something else' } as unknown as ProfileReport),
    ).toThrow(/not a slotdb-profile\/1 report/);
    expect(() => compareReports(null as unknown as ProfileReport, a)).toThrow(
      /not a slotdb-profile/,
    );
  });
});

describe('ProfileRecorder', () => {
  /** A recorder in a running profile that began `startAbs`, threshold 1 ms, 10 ms buckets. */
  function recorder(startAbs: number): { recorder: ProfileRecorder; slab: ProfileSlab } {
    const control = new ControlBlock();
    control.setProfile(1, startAbs, 10, 1);
    const slab = new ProfileSlab();
    const made = new ProfileRecorder(control, slab);
    expect(made.active()).toBe(true);
    return { recorder: made, slab };
  }

  /** A reply timing block, times given in ms before now. */
  function block(times: {
    issued: number;
    pickedUp: number;
    executed: number;
    replied: number;
    pushed: number;
    forwarded?: number;
    waitMs?: number;
    reason?: number;
    backlog?: boolean;
  }): DataView {
    const now = absoluteNow();
    const view = new DataView(new ArrayBuffer(RTIMING_BYTES));
    view.setFloat64(RTIMING_ISSUED, now - times.issued, true);
    view.setFloat64(RTIMING_PICKED_UP, now - times.pickedUp, true);
    view.setFloat64(
      RTIMING_FORWARDED,
      times.forwarded === undefined ? 0 : now - times.forwarded,
      true,
    );
    view.setFloat64(RTIMING_EXECUTED, now - times.executed, true);
    view.setFloat64(RTIMING_REPLIED, now - times.replied, true);
    view.setFloat64(RTIMING_PUSHED, now - times.pushed, true);
    view.setFloat32(RTIMING_WAIT_MS, times.waitMs ?? 0, true);
    view.setUint8(RTIMING_WAIT_REASON, times.reason ?? WaitReason.None);
    view.setUint8(RTIMING_REPLY_BACKLOG, times.backlog ? 1 : 0);
    return view;
  }

  function slowest(slab: ProfileSlab): SlowOp {
    const { slowOps } = slab.read(PROFILE_BUCKETS_MAX);
    expect(slowOps).toHaveLength(1);
    return slowOps[0]!;
  }

  it('explains a reply held in the shard behind later requests as shard-queue, not the client', () => {
    const { recorder: r, slab } = recorder(absoluteNow() - 1000);
    r.repliesArriving();
    r.onReply(
      block({ issued: 60, pickedUp: 59.9, executed: 59.9, replied: 59.8, pushed: 0.5 }),
      0,
      7,
      'k',
    );
    const op = slowest(slab);
    expect(op.cause).toBe(Cause.ShardQueue);
    expect(op.segments.staged).toBeCloseTo(59.3, 0);
    expect(op.segments.reply).toBeLessThan(1);
    expect(op.key.toString()).toBe('k');
  });

  it('explains a reply read late as client-busy, and one held by a full ring as ring-full', () => {
    const late = recorder(absoluteNow() - 1000);
    late.recorder.repliesArriving();
    late.recorder.onReply(
      block({ issued: 40, pickedUp: 39.9, executed: 39.9, replied: 39.8, pushed: 39.7 }),
      0,
      7,
      'k',
    );
    expect(slowest(late.slab).cause).toBe(Cause.ClientBusy);
    const full = recorder(absoluteNow() - 1000);
    full.recorder.repliesArriving();
    full.recorder.onReply(
      block({
        issued: 40,
        pickedUp: 39.9,
        executed: 39.9,
        replied: 39.8,
        pushed: 0.1,
        backlog: true,
      }),
      0,
      7,
      'k',
    );
    expect(slowest(full.slab).cause).toBe(Cause.RingFull);
  });

  it('explains a wait at a migration source by its reason, and a forward by the hop', () => {
    const waited = recorder(absoluteNow() - 1000);
    waited.recorder.repliesArriving();
    waited.recorder.onReply(
      block({
        issued: 50,
        pickedUp: 49,
        executed: 2,
        replied: 1.9,
        pushed: 1.8,
        forwarded: 3,
        waitMs: 46,
        reason: WaitReason.SlotLock,
      }),
      0,
      7,
      'k',
    );
    const op = slowest(waited.slab);
    expect(op.cause).toBe(Cause.SlotLock);
    expect(op.segments.wait).toBeCloseTo(46, 3);
    expect(op.segments.redirect).toBeCloseTo(1, 1);
    const hopped = recorder(absoluteNow() - 1000);
    hopped.recorder.repliesArriving();
    hopped.recorder.onReply(
      block({
        issued: 30,
        pickedUp: 29.9,
        forwarded: 29.8,
        executed: 1,
        replied: 0.9,
        pushed: 0.8,
      }),
      0,
      7,
      'k',
    );
    expect(slowest(hopped.slab).cause).toBe(Cause.Redirect);
  });

  it('times a request the slot fence held back from when it was issued, and explains it as fence', () => {
    const { recorder: r, slab } = recorder(absoluteNow() - 1000);
    r.repliesArriving();
    r.onReply(
      block({ issued: 5, pickedUp: 4.9, executed: 4.9, replied: 4.8, pushed: 4.7 }),
      0,
      7,
      new HeldKey('held', absoluteNow() - 45),
    );
    const op = slowest(slab);
    expect(op.cause).toBe(Cause.Fence);
    expect(op.latencyMs).toBeGreaterThanOrEqual(45);
    expect(op.segments.fence).toBeCloseTo(40, 0);
    expect(op.key.toString()).toBe('held');
  });

  it('leaves out a reply to a request issued before the profile began', () => {
    const { recorder: r, slab } = recorder(absoluteNow() - 10);
    r.repliesArriving();
    r.onReply(
      block({ issued: 50, pickedUp: 49, executed: 49, replied: 48, pushed: 48 }),
      0,
      7,
      'k',
    );
    r.onReply(
      block({ issued: 5, pickedUp: 4.9, executed: 4.9, replied: 4.8, pushed: 4.7 }),
      0,
      7,
      'k',
    );
    const figures = slab.read(PROFILE_BUCKETS_MAX);
    expect(figures.counts.reduce((a, b) => a + b, 0)).toBe(1);
    expect(figures.slowOps.map((op) => Math.round(op.latencyMs))).toEqual([5]);
  });
});

describe('a profile longer than its buckets', () => {
  it('folds the rest into the last bucket and divides by the time it really spans', () => {
    const slab = new ProfileSlab();
    slab.reset(1);
    const bucketMs = 10;
    // 1200 buckets of 10 ms, then 8 s more: 100 ops in every bucket, 800 more in the last.
    for (let b = 0; b < PROFILE_BUCKETS_MAX; b++)
      for (let i = 0; i < (b === PROFILE_BUCKETS_MAX - 1 ? 900 : 100); i++) slab.record(b, 100);
    const durationMs = PROFILE_BUCKETS_MAX * bucketMs + 8000;
    const busy = dump(0, PROFILE_BUCKETS_MAX);
    const busyMs = busy.buckets.busyMs.map((_, b) => (b === PROFILE_BUCKETS_MAX - 1 ? 4005 : 5));
    const report = buildReport({
      ...NO_REPLICATION,
      startAbs: 0,
      endAbs: durationMs,
      bucketMs,
      thresholdMs: 10,
      machine: MACHINE,
      shards: 1,
      clients: [slab.read(PROFILE_BUCKETS_MAX)],
      dumps: [{ ...busy, buckets: { ...busy.buckets, busyMs } }],
    });
    expect(report.timeline).toHaveLength(PROFILE_BUCKETS_MAX);
    expect(report.timeline[0]!.opsPerSecond).toBe(10_000);
    expect(report.timeline.at(-1)!.opsPerSecond).toBe(112.4); // 900 ops over the 8.01 s it spans
    expect(report.timeline.at(-1)!.shardBusy).toEqual([0.5]);
    expect(report.totals.opsPerSecond).toBeCloseTo(
      (PROFILE_BUCKETS_MAX * 100 + 800) / (durationMs / 1000),
      0,
    );
  });
});
