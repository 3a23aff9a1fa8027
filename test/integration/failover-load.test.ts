// Failover under pipelined load from several client threads (test/support/failover-thread.mjs):
// primaries killed at random moments lose no write a WAIT counted, and the commands caught in
// flight fail with FailoverError only; planned failovers lose nothing at all, show callers no
// error, and keep each caller's order.

import { describe, expect, it } from 'vitest';
import { replicasStreaming, shardWorker } from '../../dist/src/testing.js';
import { type SlotDB, withDb } from '../support/db.js';
import {
  checkSlotMap,
  missingKeys,
  startWriters,
  until,
  type WriterResults,
} from '../support/failover.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Errors of every thread, by class name. */
function errorNames(results: readonly WriterResults[]): Record<string, number> {
  const names: Record<string, number> = {};
  for (const result of results) {
    for (const [name, entry] of Object.entries(result.errors)) {
      names[name] = (names[name] ?? 0) + entry.count;
    }
  }
  return names;
}

/** Waits until each writer thread is under way: its second batch (after a first WAIT, if any). */
async function underWay(db: SlotDB, prefixes: readonly string[]): Promise<void> {
  for (const prefix of prefixes) {
    while (Number(await db.get(`${prefix}:counter`)) < 2) await sleep(5);
  }
}

describe('failover under load', () => {
  it('keeps every write a WAIT counted when primaries die at random moments', async () => {
    await withDb({ shards: 2, replicas: 1 }, async (db) => {
      const writers = await startWriters(db, 3, { batch: 20, wait: true });
      await underWay(db, ['t0', 't1', 't2']);
      // Eight seats: four start, so three replacements.
      for (let kill = 0; kill < 3; kill++) {
        await sleep(20 + Math.random() * 150);
        const shard = Math.random() < 0.5 ? 0 : 1;
        const dead = db.stats().shards[shard]!.primary;
        await shardWorker(db, shard).terminate();
        // Another primary, then its replacement replica streaming: the next kill has a replica.
        await until(() => db.stats().shards[shard]!.primary !== dead);
        await replicasStreaming(db);
        checkSlotMap(db);
      }
      await sleep(100);
      const results = await writers.stop();
      const errors = errorNames(results);
      expect(Object.keys(errors).filter((name) => name !== 'FailoverError')).toEqual([]);
      const acknowledged = results.flatMap((result) => result.acknowledged);
      expect(acknowledged.length).toBeGreaterThan(0);
      expect(await missingKeys(db, acknowledged)).toEqual([]);
      checkSlotMap(db);
    });
  });

  it('loses nothing in planned failovers, shows callers no error and keeps their order', async () => {
    await withDb({ shards: 2, replicas: 1 }, async (db) => {
      const writers = await startWriters(db, 2, { batch: 20, wait: false });
      // One thread WAITs after each batch: the WAITs the old primary holds are answered too.
      const waiting = await startWriters(db, 1, { batch: 20, wait: true, prefix: 'w' });
      await underWay(db, ['t0', 't1', 'w0']);
      for (let round = 0; round < 4; round++) {
        const shard = round % 2;
        const old = db.stats().shards[shard]!.primary;
        const record = await db.failover(shard);
        expect(record).toMatchObject({ shard, from: old, planned: true });
        checkSlotMap(db);
        const stats = db.stats().shards[shard]!;
        expect(stats.primary).toBe(record.to);
        // The old primary is a replica of the new one now.
        expect(stats.replicas.map((replica) => replica.worker)).toContain(old);
        await replicasStreaming(db);
        await sleep(Math.random() * 50);
      }
      await sleep(50);
      const results = await writers.stop();
      const waited = await waiting.stop();
      expect(errorNames([...results, ...waited])).toEqual({});
      expect(waited[0]!.acknowledged.length).toBeGreaterThan(0);
      expect(await missingKeys(db, waited[0]!.acknowledged)).toEqual([]);
      for (const result of [...results, ...waited]) {
        expect(result.written).toBe(result.next);
        // Each thread's INCRs answered 1, 2, 3...: none lost, none run out of order.
        expect(result.counters).toEqual(result.counters.map((_, i) => i + 1));
      }
      const keys = results.flatMap((result, thread) =>
        Array.from({ length: result.next }, (_, i) => `t${thread}:${i}`),
      );
      expect(await missingKeys(db, keys)).toEqual([]);
    });
  });
});
