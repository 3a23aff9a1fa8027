import { describe, expect, it } from 'vitest';
import { FailoverError, OptionError } from '../../dist/src/index.js';
import { replicasStreaming, replicaWorker, shardWorker } from '../../dist/src/testing.js';
import { errorOf, keysOnEveryShard, SlotDB, withDb } from '../support/db.js';

/** A key of `shard`, made from `prefix`. */
function keyOf(db: SlotDB, shard: number, prefix: string): string {
  for (let i = 0; ; i++) {
    const key = `${prefix}${i}`;
    if (db.slotOwner(db.sync.clusterKeySlot(key)) === shard) return key;
  }
}

describe('replicas', () => {
  it('are checked at open: count, worker total, readFrom, minReplicasToWrite', async () => {
    await expect(SlotDB.open({ replicas: -1 })).rejects.toBeInstanceOf(OptionError);
    await expect(SlotDB.open({ replicas: 5 })).rejects.toThrow("option 'replicas'");
    await expect(SlotDB.open({ shards: 40, replicas: 1 })).rejects.toThrow(/at most 0 with shards/);
    await expect(SlotDB.open({ readFrom: 'any' as never })).rejects.toThrow("option 'readFrom'");
    await expect(SlotDB.open({ replicas: 1, minReplicasToWrite: 2 })).rejects.toThrow(
      "option 'minReplicasToWrite' must be an integer from 0 to 1",
    );
  });

  it('WAIT counts the replicas that hold the caller’s writes; WAIT ALL every configured one', async () => {
    await withDb({ shards: 2, replicas: 2 }, async (db) => {
      const keys = keysOnEveryShard(db, 'w');
      for (const key of keys) await db.set(key, 'v');
      expect(await db.wait(2, 0)).toBe(2);
      expect(await db.waitAll(1000)).toEqual({ acknowledged: 2, configured: 2 });
      expect(await db.sendCommand(['WAIT', 'ALL', '1000'])).toBe(2);
      // WAIT 0 answers at once; a count above the replicas waits for its timeout.
      expect(await db.sendCommand(['WAIT', '0', '0'])).toBe(2);
      const started = performance.now();
      expect(await db.wait(3, 100)).toBe(2);
      expect(performance.now() - started).toBeGreaterThanOrEqual(90);
      expect(await errorOf(db.sendCommand(['WAIT', 'x', '0']))).toBe(
        'ERR value is not an integer or out of range',
      );
      expect(await errorOf(db.sendCommand(['WAIT', '1', '-1']))).toBe('ERR timeout is negative');
      expect(await errorOf(db.sendCommand(['WAIT', '1', '1.5']))).toBe(
        'ERR timeout is not an integer or out of range',
      );
    });
  });

  it('answers WAIT inside a transaction at once', async () => {
    await withDb({ shards: 1, replicas: 1 }, async (db) => {
      await db.set('k', 'v');
      expect(await db.wait(1, 0)).toBe(1);
      // It counts the replicas that hold what was journaled before it, as Redis does in MULTI; a
      // write of the same transaction has not reached any replica yet.
      expect(await db.multi().get('k').wait(5, 0).exec()).toEqual(['v', 1]);
      expect(await db.multi().set('k', 'w').wait(5, 0).exec()).toEqual(['OK', 0]);
    });
  });

  it('never report all with a replica down', async () => {
    await withDb({ shards: 1, replicas: 2 }, async (db) => {
      await db.set('a', '1');
      expect(await db.waitAll(1000)).toEqual({ acknowledged: 2, configured: 2 });
      await replicaWorker(db, 0, 1).terminate();
      await db.set('a', '2');
      const { acknowledged, configured } = await db.waitAll(50);
      expect(configured).toBe(2);
      expect(acknowledged).toBeLessThan(2);
    });
  });

  it('keep every write a WAIT counted when the primary dies: a replica takes over', async () => {
    await withDb({ shards: 2, replicas: 1 }, async (db) => {
      const victim = 0;
      const keys = Array.from({ length: 2000 }, (_, i) => keyOf(db, victim, `k${i}-`));
      await Promise.all(keys.map((key, i) => db.set(key, `v${i}`)));
      await db.hSet(keys[0]!, { f: '1' }).catch(() => undefined);
      await db.sAdd('{s}set', ['a', 'b', 'c']);
      await db.sPop('{s}set');
      expect(await db.wait(1, 0)).toBe(1);
      const before = await db.sMembers('{s}set');
      const dead = db.stats().shards[victim]!.primary;
      await shardWorker(db, victim).terminate();
      // The next write to the shard lands on the promoted replica (one sent meanwhile may fail).
      const deadline = performance.now() + 5000;
      for (;;) {
        try {
          await db.set(keys[1]!, 'after');
          break;
        } catch (error) {
          expect(error).toBeInstanceOf(FailoverError);
          expect(performance.now()).toBeLessThan(deadline);
        }
      }
      const stats = db.stats().shards[victim]!;
      expect(stats.primary).not.toBe(dead);
      for (let i = 2; i < keys.length; i++) expect(await db.get(keys[i]!)).toBe(`v${i}`);
      expect((await db.sMembers('{s}set')).sort()).toEqual(before.sort());
      // A replacement replica restores the count, with a full copy.
      await replicasStreaming(db);
      expect(db.stats().shards[victim]!.replicas).toHaveLength(1);
      expect(await db.wait(1, 1000)).toBe(1);
    });
  });
});
