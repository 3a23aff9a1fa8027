// The migration stall profiler, end to end: a slow batch apply is injected on the target while a
// slot moves under load, and the report must say when (time bucket), where (key and slot) and why
// (cause), with every field of the documented schema filled from what was measured.

import { readFileSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import { Ajv } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import type { MigrationEvent, ProfileReport } from '../../dist/src/index.js';
import { keySlot, OptionError, ShardDownError, SlotDB } from '../../dist/src/index.js';
import { setShardFaults, shardWorker } from '../../dist/src/testing.js';
import { keysOnEveryShard, withDb } from '../support/db.js';
import { holdFirstBatch } from '../support/migration.js';

const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;
const schema = JSON.parse(
  readFileSync(new URL('../../docs/profile.schema.json', import.meta.url), 'utf8'),
) as object;

const CLIENT_THREAD = new URL('../support/client-thread.mjs', import.meta.url);
const TAG = 'm';
const SLOT = keySlot(TAG);
const key = (i: number): string => `{${TAG}}k${i}`;
const KEYS = 300;
const APPLY_DELAY_MS = 100;
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** A key of a slot other than SLOT that `shard` owns. */
function keyOn(db: SlotDB, shard: number, prefix: string): string {
  for (let i = 0; ; i++) {
    const candidate = `${prefix}${i}`;
    const slot = keySlot(candidate);
    if (slot !== SLOT && db.slotOwner(slot) === shard) return candidate;
  }
}

/** Reads and writes in a loop on keys of both shards until `stop` is set. */
async function load(db: SlotDB, keys: string[], stop: { done: boolean }): Promise<number> {
  let ops = 0;
  while (!stop.done) {
    await Promise.all(keys.map((k, i) => (i % 2 === 0 ? db.get(k) : db.set(k, String(ops)))));
    ops += keys.length;
  }
  return ops;
}

function validator(): ReturnType<Ajv['compile']> {
  const ajv = new Ajv({ allErrors: true, strict: true });
  addFormats(ajv);
  return ajv.compile(schema);
}

describe('migration stall profiler', () => {
  it('attributes an injected slow batch apply to the key lock, the key and its time bucket', async () => {
    await withDb({ shards: 2 }, async (db) => {
      for (let i = 0; i < KEYS; i++) await db.set(key(i), `v${i}`);
      const source = db.slotOwner(SLOT);
      const target = 1 - source;
      const sourceKey = keyOn(db, source, 'src');
      const targetKey = keyOn(db, target, 'tgt');
      await db.set(sourceKey, 'x');
      await db.set(targetKey, 'x');

      const profile = db.profile({ bucketMs: 25, thresholdMs: 20 });
      const stop = { done: false };
      const loading = load(db, [sourceKey, targetKey, `${sourceKey}:b`, `${targetKey}:b`], stop);
      await sleep(150); // before migration

      await setShardFaults(db, target, { applyDelayMs: APPLY_DELAY_MS });
      const started = new Promise<void>((resolve) => {
        const listener = (event: MigrationEvent): void => {
          if (event.type !== 'started') return;
          db.off('migration', listener);
          resolve();
        };
        db.on('migration', listener);
      });
      const moving = db.migrateSlot(SLOT, target, { batchKeys: 100, window: 1 });
      await started;
      // The source sends the first batch (keys 0..99) as it starts the slot; the target spends
      // APPLY_DELAY_MS applying it, and until its ack the source holds those keys' writes.
      const issuedAt = performance.now();
      const lockedWrite = db.set(key(0), 'written during the stall');
      const created = db.set(`{${TAG}}created`, 'new'); // absent on the source: redirected to the target
      expect(await lockedWrite).toBe('OK');
      const lockedWriteMs = performance.now() - issuedAt;
      expect(await created).toBe('OK');
      const migration = await moving;
      await setShardFaults(db, target, {});
      await sleep(150); // after migration
      stop.done = true;
      const loadOps = await loading;
      const report: ProfileReport = await profile.stop();

      expect(migration.keys).toBe(KEYS);
      expect(lockedWriteMs).toBeGreaterThanOrEqual(APPLY_DELAY_MS / 2);

      // The schema holds, with no field left out and none extra.
      const validate = validator();
      expect(validate(report), JSON.stringify(validate.errors, null, 2)).toBe(true);
      expect(report.machine.cores).toBeGreaterThan(0);
      expect(report.shards).toBe(2);
      expect(report.clients).toBe(1);

      // Batch timings: three batches, each applied slowly.
      expect(report.batches.count).toBe(3);
      expect(report.batches.dropped).toBe(0);
      expect(report.batches.applyMs.max).toBeGreaterThanOrEqual(APPLY_DELAY_MS * 0.9);
      expect(report.batches.applyMs.p50).toBeGreaterThanOrEqual(APPLY_DELAY_MS * 0.9);
      expect(report.batches.serializeMs.total).toBeGreaterThan(0);
      expect(report.batches.transferMs.total).toBeGreaterThan(0);
      expect(report.batches.ackMs.total).toBeGreaterThan(0);
      expect(report.batches.slowest[0]).toMatchObject({ slot: SLOT, target, keys: 100 });

      // The slot's move, measured end to end.
      expect(report.migrations).toEqual([
        expect.objectContaining({
          slot: SLOT,
          source,
          target,
          lock: 'key',
          keys: KEYS,
          batches: 3,
          outcome: 'completed',
        }),
      ]);
      const move = report.migrations[0]!;
      expect(move.endMs - move.startMs).toBeGreaterThanOrEqual(3 * APPLY_DELAY_MS * 0.9);
      expect(move.bytes).toBeGreaterThan(KEYS * 8);
      expect(report.summary).toMatchObject({ migratedSlots: 1, migratedKeys: KEYS });
      expect(report.summary.keysPerSecond).toBeGreaterThan(0);
      expect(report.summary.lockWaitMaxMs).toBeGreaterThanOrEqual(APPLY_DELAY_MS / 2);

      // The key that waited: its lock wait, its slow operation, its cause and its bucket.
      const lockKey = report.lockWaits.keys.find((entry) => entry.key === key(0));
      expect(lockKey).toMatchObject({ slot: SLOT, keyHex: Buffer.from(key(0)).toString('hex') });
      expect(lockKey!.maxMs).toBeGreaterThanOrEqual(APPLY_DELAY_MS / 2);
      expect(report.lockWaits.totalMs).toBeGreaterThanOrEqual(lockKey!.totalMs);
      const slowWrite = report.slowOps.find((op) => op.key === key(0));
      expect(slowWrite).toMatchObject({ slot: SLOT, cause: 'key-lock' });
      expect(slowWrite!.segments.wait).toBeGreaterThanOrEqual(APPLY_DELAY_MS / 2);
      expect(slowWrite!.latencyMs).toBeCloseTo(lockedWriteMs, -1);
      expect(slowWrite!.t).toBeGreaterThanOrEqual(move.startMs);
      expect(slowWrite!.t).toBeLessThanOrEqual(move.endMs);
      const bucket = report.timeline[Math.floor(slowWrite!.t / report.bucketMs)]!;
      expect(bucket.migratingSlots).toBe(1);
      expect(bucket.slowOps).toBeGreaterThanOrEqual(1);
      expect(bucket.maxMs).toBeGreaterThanOrEqual(slowWrite!.latencyMs * 0.9);
      // The lock wait is counted in the bucket it ended in, within one apply delay of the write.
      const waitBuckets = report.timeline.filter((b) => b.lockWaits > 0);
      expect(waitBuckets.length).toBeGreaterThan(0);
      expect(
        waitBuckets.some(
          (b) =>
            b.t >= slowWrite!.t - report.bucketMs && b.t <= slowWrite!.t + slowWrite!.latencyMs,
        ),
      ).toBe(true);
      expect(report.stalledKeys.find((entry) => entry.key === key(0))).toMatchObject({
        slot: SLOT,
        cause: 'key-lock',
      });
      expect(
        report.stalledSlots.find((entry) => entry.slot === SLOT)!.lockWaitMs,
      ).toBeGreaterThanOrEqual(APPLY_DELAY_MS / 2);

      // Operations on the target's other slots queued behind the slow apply.
      const queued = report.slowOps.filter(
        (op) => op.slot === keySlot(targetKey) || op.slot === keySlot(`${targetKey}:b`),
      );
      expect(queued.length).toBeGreaterThan(0);
      expect(queued.every((op) => op.cause === 'shard-queue')).toBe(true);
      // Causes are ranked by time lost, and both show up.
      const causes = report.causes.map((entry) => entry.cause);
      expect(causes).toContain('key-lock');
      expect(causes).toContain('shard-queue');
      for (let i = 1; i < report.causes.length; i++)
        expect(report.causes[i - 1]!.lostMs).toBeGreaterThanOrEqual(report.causes[i]!.lostMs);
      // Each slow operation's segments account for its latency: nothing counted twice, little
      // unexplained. "Little" leaves room for the scheduler: on a loaded 2-core machine a thread
      // can be descheduled between two of its timestamps, and that time is nobody's segment.
      for (const op of report.slowOps) {
        const { other, ...parts } = op.segments;
        const sum = Object.values(parts).reduce((a, b) => a + b, 0);
        expect(sum, JSON.stringify(op)).toBeLessThanOrEqual(op.latencyMs + 0.01);
        expect(other, JSON.stringify(op)).toBeLessThan(Math.max(2, op.latencyMs * 0.25));
      }

      // Redirections: the created key went to the target while the slot was split.
      expect(
        report.timeline.reduce((total, b) => total + b.redirections, 0),
      ).toBeGreaterThanOrEqual(1);
      // Timeline, phases and busy time come from the load.
      expect(report.totals.ops).toBeGreaterThan(100);
      expect(report.timeline.every((b) => b.shardBusy.length === 2)).toBe(true);
      expect(report.timeline.some((b) => b.shardBusy[target]! > 0.5)).toBe(true); // the busy-waiting apply
      expect(report.phases.before.ops).toBeGreaterThan(0);
      expect(report.phases.during.ops).toBeGreaterThan(0);
      expect(report.phases.after.ops).toBeGreaterThan(0);
      expect(report.phases.during.maxMs).toBeGreaterThanOrEqual(APPLY_DELAY_MS / 2);
      expect(report.summary.opsPerSecondBefore).toBeGreaterThan(0);
      expect(report.summary.maxDuringMs).toBeGreaterThanOrEqual(APPLY_DELAY_MS / 2);
      // Every operation issued during the profile is counted once: the load's and the two writes.
      expect(report.totals.ops).toBe(loadOps + 2);
      expect(report.phases.before.ops + report.phases.during.ops + report.phases.after.ops).toBe(
        report.totals.ops,
      );
    });
  }, 30_000);

  it('explains a reply that waited in its shard behind a slow command as shard-queue, not the client', async () => {
    await withDb({ shards: 1 }, async (db) => {
      const keys = Array.from(
        { length: 200_000 },
        (_, i) => [`filler:${i}`, 'v'] as [string, string],
      );
      for (let i = 0; i < keys.length; i += 20_000) await db.mSet(keys.slice(i, i + 20_000));
      const profile = db.profile({ thresholdMs: 5 });
      // One tick: the GET and the KEYS reach the shard in one run; the GET's small reply is staged
      // while KEYS runs, and both are pushed together.
      const started = performance.now();
      const [value, all] = await Promise.all([db.get('filler:1'), db.keys('*')]);
      const elapsed = performance.now() - started;
      expect(value).toBe('v');
      expect(all).toHaveLength(keys.length);
      const report = await profile.stop();
      const get = report.slowOps.find((op) => op.key === 'filler:1');
      expect(elapsed).toBeGreaterThan(5);
      expect(get, `KEYS took ${elapsed} ms`).toMatchObject({ cause: 'shard-queue' });
      expect(get!.segments.staged).toBeGreaterThan(get!.segments.reply);
      expect(get!.segments.staged).toBeGreaterThan(get!.latencyMs / 2);
      const keysOp = report.slowOps.find((op) => op.key === '' && op.cause === 'execution');
      expect(keysOp?.segments.execution).toBeGreaterThanOrEqual(get!.segments.staged * 0.9);
    });
  }, 30_000);

  it('names the key and slot of requests that waited for a slot-lock move', async () => {
    await withDb({ shards: 2 }, async (db) => {
      for (let i = 0; i < 100; i++) await db.set(key(i), `v${i}`);
      const profile = db.profile({ thresholdMs: 20 });
      const { target, moving } = await holdFirstBatch(db, SLOT, { lock: 'slot' });
      const read = db.get(key(50)); // the whole slot waits, reads too
      await sleep(60);
      await setShardFaults(db, target, {});
      expect(await read).toBe('v50');
      await moving;
      const report = await profile.stop();
      const waited = report.lockWaits.keys.find((entry) => entry.key === key(50));
      expect(waited).toMatchObject({ slot: SLOT, count: 1 });
      expect(waited!.maxMs).toBeGreaterThanOrEqual(50);
      expect(report.summary.lockWaitMaxMs).toBeGreaterThanOrEqual(waited!.maxMs);
      expect(report.slowOps.find((op) => op.key === key(50))).toMatchObject({
        slot: SLOT,
        cause: 'slot-lock',
      });
      expect(
        report.stalledSlots.find((entry) => entry.slot === SLOT)!.lockWaitMs,
      ).toBeGreaterThanOrEqual(50);
    });
  });

  it('times a request the slot fence held back at a hand-over from its call, as fence', async () => {
    await withDb({ shards: 2 }, async (db) => {
      for (let i = 0; i < 10; i++) await db.set(key(i), `v${i}`);
      const profile = db.profile({ thresholdMs: 20 });
      const { target, moving } = await holdFirstBatch(db, SLOT);
      const first = db.set(key(0), 'first'); // its key is in flight: it waits at the source
      await sleep(10);
      void setShardFaults(db, target, {}); // the ack goes out; the source flips the slot
      // Without returning to the event loop, this thread cannot read the first write's reply: once
      // the slot map shows the new owner, a second write must be held back behind the first.
      const deadline = Date.now() + 5000;
      while (db.slotOwner(SLOT) !== target)
        if (Date.now() > deadline) throw new Error('the slot did not flip');
      const second = db.set(key(0), 'second');
      const busyUntil = performance.now() + 30;
      while (performance.now() < busyUntil); // the reply the fence waits for is read only after this
      expect(await first).toBe('OK');
      expect(await second).toBe('OK');
      await moving;
      expect(await db.get(key(0))).toBe('second');
      const report = await profile.stop();
      const held = report.slowOps.filter((op) => op.key === key(0) && op.cause === 'fence');
      expect(held).toHaveLength(1);
      expect(held[0]!.segments.fence).toBeGreaterThanOrEqual(25);
      expect(held[0]!.latencyMs).toBeGreaterThanOrEqual(30);
    });
  });

  it('counts the time a reply ring stays full while its client does not read', async () => {
    await withDb({ shards: 1, ringBytes: 1 << 16 }, async (db) => {
      await db.set('big', 'x'.repeat(16 * 1024));
      const profile = db.profile({ bucketMs: 10 });
      // Forty 16 KiB replies do not fit a 64 KiB ring; this thread reads nothing for 50 ms.
      const reads = Array.from({ length: 40 }, () => db.get('big'));
      await new Promise((resolve) => queueMicrotask(() => resolve(undefined))); // the requests go out
      const busyUntil = performance.now() + 50;
      while (performance.now() < busyUntil);
      expect((await Promise.all(reads)).every((value) => value?.length === 16 * 1024)).toBe(true);
      const report = await profile.stop();
      const backlog = report.timeline.reduce((total, b) => total + b.replyBacklogMs, 0);
      expect(backlog).toBeGreaterThanOrEqual(30);
      expect(report.causes.map((entry) => entry.cause)).toContain('ring-full');
    });
  });

  it('includes a move that was already running when the profile started', async () => {
    await withDb({ shards: 2 }, async (db) => {
      for (let i = 0; i < 20; i++) await db.set(key(i), 'v');
      const { target, moving } = await holdFirstBatch(db, SLOT);
      const profile = db.profile();
      await sleep(20);
      await setShardFaults(db, target, {});
      await moving;
      const report = await profile.stop();
      expect(report.migrations).toEqual([
        expect.objectContaining({ slot: SLOT, target, startMs: 0, keys: 20, outcome: 'completed' }),
      ]);
      expect(report.migrations[0]!.endMs).toBeGreaterThanOrEqual(15);
      expect(report.summary.migratedSlots).toBe(1);
    });
  });

  it('a profile with no migration reports no phases of migration, and a second stop returns the same report', async () => {
    await withDb({ shards: 2 }, async (db) => {
      const profile = db.profile();
      for (let i = 0; i < 200; i++) await db.set(`k${i}`, 'v');
      const report = await profile.stop();
      expect(await profile.stop()).toBe(report);
      expect(validator()(report)).toBe(true);
      expect(report.totals.ops).toBe(200);
      expect(report.migrations).toEqual([]);
      expect(report.summary).toMatchObject({
        opsPerSecondDuring: null,
        migratedSlots: 0,
        keysPerSecond: null,
      });
      expect(report.phases.before.ops).toBe(200);
      // A new profile can start once the last one stopped; the new one counts only its own ops.
      const again = db.profile();
      await db.get('k1');
      expect((await again.stop()).totals.ops).toBe(1);
    });
  });

  it('merges the figures of every client thread, one that detached before the stop included', async () => {
    await withDb({ shards: 2 }, async (db) => {
      const profile = db.profile();
      const handle = await db.handle();
      await new Promise<void>((resolve, reject) => {
        const worker = new Worker(CLIENT_THREAD, {
          workerData: { handle, script: 'counter', rounds: 20 },
        });
        worker.once('message', (message: { ok: boolean; error?: string }) =>
          message.ok ? resolve() : reject(new Error(message.error)),
        );
        worker.once('error', reject);
      });
      for (let i = 0; i < 10; i++) await db.get('race');
      const report = await profile.stop();
      expect(report.clients).toBe(2);
      expect(report.totals.ops).toBe(20 * 100 + 1 + 10); // the thread's INCRs and its INCRBY, and the GETs
      expect(await db.get('race')).toBe('2000');
    });
  });

  it('reports a command without a key with no slot', async () => {
    await withDb({ shards: 1 }, async (db) => {
      const profile = db.profile({ thresholdMs: 0 });
      expect(await db.dbSize()).toBe(0);
      const report = await profile.stop();
      expect(validator()(report)).toBe(true);
      expect(report.slowOps).toEqual([expect.objectContaining({ key: '', slot: null })]);
      expect(report.stalledSlots).toEqual([]);
    });
  });

  it('reports what it has when a shard dies during the profile, and after the database closed', async () => {
    await withDb({ shards: 2 }, async (db) => {
      const [first, second] = keysOnEveryShard(db, 'key');
      const victim = db.slotOwner(keySlot(second!));
      const profile = db.profile();
      for (let i = 0; i < 50; i++) await Promise.all([db.set(first!, 'a'), db.set(second!, 'b')]);
      await shardWorker(db, victim).terminate();
      await expect(db.get(second!)).rejects.toThrow(ShardDownError);
      for (let i = 0; i < 50; i++) await db.get(first!);
      const report = await profile.stop();
      const validate = validator();
      expect(validate(report), JSON.stringify(validate.errors)).toBe(true);
      expect(report.totals.ops).toBeGreaterThanOrEqual(150); // a command failed by the death has no reply to time
      expect(
        report.timeline.every(
          (b) => b.shardBusy[victim] === null && typeof b.shardBusy[1 - victim] === 'number',
        ),
      ).toBe(true);
    });
    const db = await SlotDB.open({ shards: 1 });
    const profile = db.profile();
    await db.set('k', 'v');
    await db.close();
    const report = await profile.stop();
    expect(report.totals.ops).toBe(1);
    expect(report.timeline[0]!.shardBusy).toEqual([null]);
  });

  it('rejects bad options and a second profile at once', async () => {
    await withDb({ shards: 1 }, async (db) => {
      expect(() => db.profile({ bucketMs: 0 })).toThrow(OptionError);
      expect(() => db.profile({ bucketMs: Number.NaN })).toThrow(OptionError);
      expect(() => db.profile({ thresholdMs: -1 })).toThrow(OptionError);
      const profile = db.profile();
      expect(() => db.profile()).toThrow(/already running/);
      await profile.stop();
    });
  });
});
