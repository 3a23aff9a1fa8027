// Planned failover (`db.failover(shard)`), with real workers: what it refuses and how it says so,
// how it gives up when no replica catches up (the primary goes on, nothing lost), and what waited
// on the old primary when it handed over (held WAITs, blocked pops) carries on at the new one.

import { describe, expect, it } from 'vitest';
import { kPool } from '../../dist/src/db.js';
import {
  FailoverError,
  type FailoverRecord,
  OptionError,
  PlannedFailoverError,
  type SlotDB,
} from '../../dist/src/index.js';
import {
  replicasStreaming,
  replicaWorker,
  setReplicaFaults,
  setShardFaults,
} from '../../dist/src/testing.js';
import { errorOf, withDb } from '../support/db.js';
import { checkSlotMap, keysOf, runThread, until } from '../support/failover.js';

/** Failovers recorded so far (the opening thread's list). */
function failovers(db: SlotDB): readonly FailoverRecord[] {
  return db[kPool]!.replicaSets.failovers;
}

describe('planned failover', () => {
  it('refuses bad requests, naming what is wrong', async () => {
    await withDb({ shards: 2 }, async (db) => {
      expect(await errorOf(db.failover(0))).toBe(
        'slotdb: failover of shard 0: the database has no replicas (the replicas option)',
      );
    });
    await withDb({ shards: 2, replicas: 1 }, async (db) => {
      for (const shard of [-1, 2, 0.5, '0']) {
        const error = await db.failover(shard as number).catch((failure: unknown) => failure);
        expect(error).toBeInstanceOf(OptionError);
        expect((error as OptionError).option).toBe('shard');
      }
      for (const [options, option] of [
        [{ timeoutMs: 0 }, 'timeoutMs'],
        [{ timeoutMs: 'x' }, 'timeoutMs'],
        [{ replica: 1 }, 'replica'],
        [{ replica: -1 }, 'replica'],
        [{ timeout: 5 }, 'timeout'],
      ] as const) {
        const error = await db.failover(0, options as never).catch((failure: unknown) => failure);
        expect(error).toBeInstanceOf(OptionError);
        expect((error as OptionError).option).toBe(option);
      }
      expect(await runThread(db, 'failover')).toBe('NotOpenerError');

      // A second failover of the same shard while one runs.
      await setReplicaFaults(db, 0, 0, { holdStream: true });
      await db.set(keysOf(db, 0, 'k', 1)[0]!, 'v');
      const first = db.failover(0, { timeoutMs: 300 });
      expect(await errorOf(db.failover(0))).toMatch(
        /failover of shard 0: a failover of this shard is already running/,
      );
      await expect(first).rejects.toBeInstanceOf(PlannedFailoverError);
      await setReplicaFaults(db, 0, 0, {});

      // A shard taking part in a migration, as its source or its target.
      const tag = keysOf(db, 0, 'm', 1)[0]!;
      await Promise.all(Array.from({ length: 50 }, (_, i) => db.set(`{${tag}}${i}`, 'v')));
      const slot = db.sync.clusterKeySlot(tag);
      await setShardFaults(db, 1, { holdAcks: true });
      const move = db.migrateSlot(slot, 1);
      await until(() => db.stats().migrations.length > 0);
      expect(await errorOf(db.failover(0))).toMatch(/shard 0: it takes part in a migration/);
      expect(await errorOf(db.failover(1))).toMatch(/shard 1: it takes part in a migration/);
      await setShardFaults(db, 1, {});
      await move;

      // No streaming replica: the only one died, its replacement has no full copy yet.
      await replicaWorker(db, 1, 0).terminate();
      await new Promise((resolve) => setImmediate(resolve));
      expect(await errorOf(db.failover(1))).toMatch(
        /shard 1: none of its replicas is streaming \(each is down or getting a full copy\)/,
      );
      await replicasStreaming(db);
      expect(failovers(db)).toEqual([]);
      checkSlotMap(db);
    });
  });

  it('gives up when no replica catches up: the primary goes on, nothing lost', async () => {
    await withDb({ shards: 1, replicas: 1 }, async (db) => {
      const primary = db.stats().shards[0]!.primary;
      await setReplicaFaults(db, 0, 0, { holdStream: true });
      // Written, but not applied by the replica: it cannot catch up.
      const writes = Array.from({ length: 250 }, (_, i) => db.set(`k${i}`, `v${i}`));
      await Promise.all(writes);
      const started = performance.now();
      const attempt = db.failover(0, { timeoutMs: 200 }).catch((failure: unknown) => failure);
      // Sent while the primary holds its requests: they wait for the attempt to end.
      await new Promise((resolve) => setTimeout(resolve, 50));
      writes.push(...Array.from({ length: 250 }, (_, i) => db.set(`k${250 + i}`, `v${250 + i}`)));
      const error = await attempt;
      expect(performance.now() - started).toBeGreaterThanOrEqual(190);
      expect(error).toBeInstanceOf(PlannedFailoverError);
      expect((error as PlannedFailoverError).shard).toBe(0);
      expect((error as Error).message).toMatch(
        /failover of shard 0: worker \d+ did not catch up in time .*its primary went on, nothing was lost/,
      );
      // Requests sent during the attempt waited, then ran: none failed.
      expect(await Promise.all(writes)).toEqual(writes.map(() => 'OK'));
      await db.set('after', 'x');
      expect(db.stats().shards[0]!.primary).toBe(primary);
      checkSlotMap(db);
      expect(await db.get('k499')).toBe('v499');

      // Once the replica applies again, the failover goes through, and listeners hear of it.
      await setReplicaFaults(db, 0, 0, {});
      await replicasStreaming(db);
      const heard: FailoverRecord[] = [];
      db[kPool]!.replicaSets.failoverListeners.add((record) => heard.push(record));
      const record = await db.failover(0);
      expect(record).toMatchObject({ shard: 0, from: primary, planned: true });
      expect(heard).toEqual([record]);
      expect(failovers(db)).toEqual([record]);
      expect(db.stats().shards[0]!.primary).toBe(record.to);
      checkSlotMap(db);
      for (let i = 0; i < 500; i++) expect(await db.get(`k${i}`)).toBe(`v${i}`);
    });
  });

  it('gives up when the replica dies, and lets the automatic failover act when the primary does', async () => {
    await withDb({ shards: 2, replicas: 1 }, async (db) => {
      const keys = keysOf(db, 0, 'k', 100);
      await Promise.all(keys.map((key) => db.set(key, key)));
      // The replica dies while the primary holds requests for it: the primary goes on.
      await setReplicaFaults(db, 0, 0, { holdStream: true });
      await db.set(keys[0]!, 'behind');
      const attempt = db.failover(0).catch((failure: unknown) => failure);
      await new Promise((resolve) => setTimeout(resolve, 30));
      const held = db.set(keys[1]!, 'held');
      await replicaWorker(db, 0, 0).terminate();
      expect(((await attempt) as Error).message).toMatch(
        /failover of shard 0: worker \d+, the replica, died; its primary went on, nothing was lost/,
      );
      expect(await held).toBe('OK');
      expect(await db.get(keys[1]!)).toBe('held');
      await replicasStreaming(db);
      checkSlotMap(db);

      // The primary dies while it holds requests: they fail as any sent to a dead primary, and
      // the automatic failover promotes the replica.
      await setReplicaFaults(db, 0, 0, { holdStream: true });
      await db.set(keys[0]!, 'behind again');
      const dead = db.stats().shards[0]!.primary;
      const second = db.failover(0).catch((failure: unknown) => failure);
      await new Promise((resolve) => setTimeout(resolve, 30));
      const lost = db.set(keys[2]!, 'held').catch((failure: unknown) => failure);
      await db[kPool]!.workers[dead]!.terminate();
      expect(((await second) as Error).message).toMatch(
        /failover of shard 0: its primary, worker \d+, died during the failover/,
      );
      expect(await lost).toBeInstanceOf(FailoverError);
      await until(() => db.stats().shards[0]!.primary !== dead);
      await db.set(keys[3]!, 'after');
      expect(await db.get(keys[3]!)).toBe('after');
      checkSlotMap(db);
      expect(failovers(db).map((record) => record.planned)).toEqual([false]);
    });
  });

  it('carries held WAITs and blocked pops over to the new primary', async () => {
    await withDb({ shards: 2, replicas: 1 }, async (db) => {
      const [list, other] = keysOf(db, 0, 'l', 2);
      await db.set(other!, 'before');
      // Asks for more replicas than there are: held until its timeout or the hand-over.
      const wait = db.wait(2, 5000);
      const pop = db.blPop(list!, 0);
      await new Promise((resolve) => setTimeout(resolve, 20));
      const record = await db.failover(0);
      // The WAIT is answered at the hand-over: the new primary held the write.
      expect(await wait).toBe(1);
      await db.rPush(list!, 'pushed');
      expect(await pop).toEqual({ key: list, element: 'pushed' });
      expect(await db.get(other!)).toBe('before');
      expect(db.stats().shards[0]!.primary).toBe(record.to);
      checkSlotMap(db);
      // The shard fails over again and again, back and forth, and keeps its data.
      for (let round = 0; round < 4; round++) {
        await replicasStreaming(db);
        await db.set(other!, `round${round}`);
        await db.failover(0);
        checkSlotMap(db);
        expect(await db.get(other!)).toBe(`round${round}`);
      }
      expect(failovers(db)).toHaveLength(5);
    });
  });

  it('keeps writes admitted under minReplicasToWrite: the old primary counts as a good replica', async () => {
    await withDb({ shards: 1, replicas: 1, minReplicasToWrite: 1 }, async (db) => {
      await db.set('k', '0');
      for (let round = 0; round < 3; round++) {
        const writes = Array.from({ length: 300 }, (_, i) => db.set(`r${round}-${i}`, 'v'));
        const failover = db.failover(0);
        const during = Array.from({ length: 300 }, () => db.incr(`c${round}`));
        await failover;
        expect(await Promise.all(writes)).toEqual(writes.map(() => 'OK'));
        expect(await Promise.all(during)).toEqual(during.map((_, i) => i + 1));
        checkSlotMap(db);
        await replicasStreaming(db);
      }
    });
  });
});
