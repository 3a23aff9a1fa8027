// minReplicasToWrite and minReplicasMaxLagMs (Redis's min-replicas-to-write and
// min-replicas-max-lag) with real workers: a shard refuses writes with Redis's NOREPLICAS while
// too few of its replicas are good (streaming, and acknowledged within the lag), takes them again
// once enough are, and never refuses a read.

import { describe, expect, it } from 'vitest';
import { replicasStreaming, replicaWorker, setReplicaFaults } from '../../dist/src/testing.js';
import { errorOf, type SlotDB, withDb } from '../support/db.js';

const NOREPLICAS = 'NOREPLICAS Not enough good replicas to write.';

/** Retries `write` until it fails with NOREPLICAS (true) or `ms` pass (false). */
async function refusedWithin(write: () => Promise<unknown>, ms: number): Promise<boolean> {
  const deadline = performance.now() + ms;
  while (performance.now() < deadline) {
    try {
      await write();
    } catch (error) {
      expect((error as Error).message).toBe(NOREPLICAS);
      return true;
    }
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
  return false;
}

/** Retries `write` until it succeeds, NOREPLICAS meanwhile; throws after `ms`. */
async function acceptedWithin(write: () => Promise<unknown>, ms: number): Promise<void> {
  const deadline = performance.now() + ms;
  for (;;) {
    try {
      await write();
      return;
    } catch (error) {
      expect((error as Error).message).toBe(NOREPLICAS);
      if (performance.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }
}

/** Reads and keyless commands a shard refusing writes still answers. */
async function readsAnswer(db: SlotDB): Promise<void> {
  expect(await db.get('k')).toBe('before');
  expect(await db.exists('k')).toBe(1);
  expect(await db.dbSize()).toBeGreaterThanOrEqual(1);
  expect(await db.withReadFrom('replica').get('k')).toBe('before');
}

describe('minReplicasToWrite', () => {
  it('refuses writes while a replica lags past minReplicasMaxLagMs, and takes them once it caught up', async () => {
    await withDb(
      { shards: 1, replicas: 1, minReplicasToWrite: 1, minReplicasMaxLagMs: 200 },
      async (db) => {
        expect(await db.set('k', 'before')).toBe('OK');
        await setReplicaFaults(db, 0, 0, { holdStream: true });
        expect(await refusedWithin(() => db.set('other', 'x'), 5000)).toBe(true);
        expect(await errorOf(db.incr('n'))).toBe(NOREPLICAS);
        expect(await errorOf(db.sendCommand(['DEL', 'k']))).toBe(NOREPLICAS);
        expect(await errorOf(db.multi().set('k', 'in-multi').exec())).toMatch(NOREPLICAS);
        await readsAnswer(db);
        await setReplicaFaults(db, 0, 0, {});
        await acceptedWithin(() => db.set('k', 'after'), 5000);
        expect(await db.get('k')).toBe('after');
      },
    );
  });

  it('refuses writes once too few replicas live, and takes them again when the replacement streams', async () => {
    await withDb({ shards: 2, replicas: 2, minReplicasToWrite: 2 }, async (db) => {
      expect(await db.set('k', 'before')).toBe('OK');
      const shard = db.slotOwner(await db.clusterKeySlot('k'));
      await replicaWorker(db, shard, 1).terminate();
      // Probed on another key of the slot: a write taken before the primary learned of the death
      // (a few ms) must not change what readsAnswer reads.
      expect(await refusedWithin(() => db.set('{k}probe', 'during'), 5000)).toBe(true);
      await readsAnswer(db);
      await replicasStreaming(db);
      await acceptedWithin(() => db.set('k', 'after'), 5000);
      expect(await db.get('k')).toBe('after');
      expect(await db.wait(2, 1000)).toBe(2);
    });
  });

  it('with fewer required than live, a replica’s death refuses nothing', async () => {
    await withDb({ shards: 1, replicas: 2, minReplicasToWrite: 1 }, async (db) => {
      await db.set('k', 'before');
      await replicaWorker(db, 0, 0).terminate();
      for (let i = 0; i < 50; i++) expect(await db.set(`k${i}`, 'v')).toBe('OK');
      await replicasStreaming(db);
    });
  });
});
