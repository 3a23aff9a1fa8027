// The profiler with replicas: a WAIT's time is a replication wait, a failover shows in the report
// (its window on the timeline, the requests it failed or slowed as its cause), and every live
// worker records, replicas marked as such, the primary that took over included.

import { readFileSync } from 'node:fs';
import { Ajv } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import type { ProfileReport } from '../../dist/src/index.js';
import { FailoverError, renderProfileHtml } from '../../dist/src/index.js';
import { setReplicaFaults, shardWorker } from '../../dist/src/testing.js';
import { type SlotDB, withDb } from '../support/db.js';

const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;
const schema = JSON.parse(
  readFileSync(new URL('../../docs/profile.schema.json', import.meta.url), 'utf8'),
) as object;

function expectValid(report: ProfileReport): void {
  const ajv = new Ajv({ allErrors: true, strict: true });
  addFormats(ajv);
  const validate = ajv.compile(schema);
  expect(validate(report), JSON.stringify(validate.errors)).toBe(true);
}

/** Keys of `shard`, made from `prefix`. */
function keysOf(db: SlotDB, shard: number, prefix: string, count: number): string[] {
  const keys: string[] = [];
  for (let i = 0; keys.length < count; i++) {
    const key = `${prefix}${i}`;
    if (db.slotOwner(db.sync.clusterKeySlot(key)) === shard) keys.push(key);
  }
  return keys;
}

const WAIT_TIMEOUT_MS = 60;

describe('profiler with replicas', () => {
  it('explains a WAIT held for replicas as replication-wait, and profiles replicas as such', async () => {
    await withDb({ shards: 1, replicas: 1 }, async (db) => {
      const profile = db.profile({ bucketMs: 10, thresholdMs: 20 });
      await db.set('k', 'v');
      expect(await db.wait(1, 0)).toBe(1);
      await setReplicaFaults(db, 0, 0, { holdStream: true });
      await db.set('k', 'w');
      expect(await db.wait(1, WAIT_TIMEOUT_MS)).toBe(0);
      await setReplicaFaults(db, 0, 0, {});
      const report = await profile.stop();
      expectValid(report);
      const replica = db.stats().shards[0]!.replicas[0]!.worker;
      expect(report.workers).toEqual([
        { worker: 0, shard: 0, role: 'primary' },
        { worker: replica, shard: 0, role: 'replica' },
      ]);
      expect(report.timeline.every((b) => b.workerBusy.length === 2)).toBe(true);
      const replicationWait = report.causes.find((c) => c.cause === 'replication-wait');
      expect(replicationWait?.slowOps).toBeGreaterThanOrEqual(1);
      const wait = report.slowOps
        .filter((op) => op.cause === 'replication-wait')
        .sort((x, y) => y.latencyMs - x.latencyMs)[0]!;
      expect(wait.slot).toBe(null);
      expect(wait.segments.wait).toBeGreaterThanOrEqual(WAIT_TIMEOUT_MS * 0.8);
      expect(wait.latencyMs).toBeGreaterThanOrEqual(wait.segments.wait);
      expect(report.failovers).toEqual([]);
    });
  });

  it('shows a failover on the timeline and names it the cause of the requests it failed', async () => {
    await withDb({ shards: 2, replicas: 1 }, async (db) => {
      const victim = 0;
      const keys = keysOf(db, victim, 'f', 50);
      const other = keysOf(db, 1, 'o', 10);
      await Promise.all([...keys, ...other].map((key) => db.set(key, 'v')));
      const profile = db.profile({ bucketMs: 20, thresholdMs: 50 });
      for (let i = 0; i < 5; i++) await Promise.all(other.map((key) => db.get(key)));
      const dead = db.stats().shards[victim]!.primary;
      await shardWorker(db, victim).terminate();
      // Sent before a replica took over: they reach the dead worker and fail.
      const results = await Promise.allSettled(keys.map((key) => db.set(key, 'x')));
      const failed = results.filter(
        (result) => result.status === 'rejected' && result.reason instanceof FailoverError,
      ).length;
      const deadline = performance.now() + 5000;
      for (;;) {
        try {
          await db.set(keys[0]!, 'after');
          break;
        } catch (error) {
          expect(error).toBeInstanceOf(FailoverError);
          expect(performance.now()).toBeLessThan(deadline);
        }
      }
      for (let i = 0; i < 5; i++) await Promise.all(other.map((key) => db.get(key)));
      const report = await profile.stop();
      expectValid(report);
      const promoted = db.stats().shards[victim]!.primary;
      expect(report.failovers).toHaveLength(1);
      expect(report.failovers[0]).toMatchObject({ shard: victim, from: dead, to: promoted });
      expect(report.failovers[0]!.endMs).toBeGreaterThanOrEqual(report.failovers[0]!.startMs);
      expect(report.timeline.some((b) => b.failingOver === 1)).toBe(true);
      // The replica that took over recorded throughout, and reports as the shard's primary.
      expect(report.workers).toContainEqual({ worker: promoted, shard: victim, role: 'primary' });
      expect(report.workers.some((w) => w.worker === dead)).toBe(false);
      expect(report.timeline.at(-1)!.shardBusy[victim]).not.toBe(null);
      expect(failed).toBeGreaterThan(0);
      const failover = report.causes.find((c) => c.cause === 'failover');
      expect(failover?.slowOps).toBeGreaterThanOrEqual(failed);
      const html = renderProfileHtml(report);
      expect(html).toContain('class="failover"');
      expect(html).toContain('<table id="failovers">');
    });
  });
});
