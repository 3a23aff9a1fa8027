// Reads from replicas with real workers: where reads go (the option and the per-call view), that a
// thread's reads never go back when its replica lags, and that a replica's death costs its
// readers nothing.

import { describe, expect, it } from 'vitest';
import { kClient } from '../../dist/src/db.js';
import { OptionError } from '../../dist/src/index.js';
import { ShardStat } from '../../dist/src/shared/control-block.js';
import { replicasStreaming, replicaWorker, setReplicaFaults } from '../../dist/src/testing.js';
import { type SlotDB, withDb } from '../support/db.js';

/** Requests the worker in `seat` executed so far. */
function opsOf(db: SlotDB, seat: number): number {
  const control = db[kClient].control;
  return control.stats[control.statIndex(seat, ShardStat.Ops)]!;
}

/** Requests executed by the replicas of every shard, and by the primaries. */
function opsByRole(db: SlotDB): { primaries: number; replicas: number } {
  let primaries = 0;
  let replicas = 0;
  for (const shard of db.stats().shards) {
    primaries += opsOf(db, shard.primary);
    for (const replica of shard.replicas) replicas += opsOf(db, replica.worker);
  }
  return { primaries, replicas };
}

/** Waits until `check` holds (the workers publish their counters as they go). */
async function eventually(check: () => boolean, ms = 5000): Promise<void> {
  const deadline = performance.now() + ms;
  while (!check()) {
    if (performance.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}

const KEYS = Array.from({ length: 200 }, (_, i) => `key:${i}`);

describe('reads from replicas', () => {
  it("with readFrom: 'replica', go to replicas (GET, MGET, sync), writes to the primaries", async () => {
    await withDb({ shards: 2, replicas: 1, readFrom: 'replica' }, async (db) => {
      await Promise.all(KEYS.map((key, i) => db.set(key, `v${i}`)));
      expect(await db.wait(1, 0)).toBe(1);
      const before = opsByRole(db);
      const values = await Promise.all(KEYS.map((key) => db.get(key)));
      expect(values).toEqual(KEYS.map((_, i) => `v${i}`));
      expect(await db.mGet(KEYS.slice(0, 20))).toEqual(values.slice(0, 20));
      expect(db.sync.get(KEYS[0]!)).toBe('v0');
      await eventually(() => opsByRole(db).replicas - before.replicas >= KEYS.length + 2);
      expect(opsByRole(db).primaries - before.primaries).toBe(0);
      // A write goes to the primary (a replica would refuse it with READONLY).
      expect(await db.incr('counter')).toBe(1);
      expect(opsByRole(db).primaries - before.primaries).toBeGreaterThan(0);
    });
  });

  it('per call: db.withReadFrom(view) reads from replicas while db reads from primaries', async () => {
    await withDb({ shards: 1, replicas: 1 }, async (db) => {
      await db.set('k', 'v');
      await db.wait(1, 0);
      const replicas = db.withReadFrom('replica');
      expect(db.withReadFrom('replica')).toBe(replicas);
      const before = opsByRole(db);
      expect(await db.get('k')).toBe('v');
      await eventually(() => opsByRole(db).primaries > before.primaries);
      expect(opsByRole(db).replicas).toBe(before.replicas);
      expect(await replicas.get('k')).toBe('v');
      expect(replicas.sync.get('k')).toBe('v');
      expect((await replicas.withBuffers().get('k'))?.toString()).toBe('v');
      await eventually(() => opsByRole(db).replicas === before.replicas + 3);
      expect(() => db.withReadFrom('any' as never)).toThrow(OptionError);
    });
  });

  it('keep writes, blocking commands, transactions and WAIT on the primary', async () => {
    await withDb({ shards: 1, replicas: 1 }, async (db) => {
      const view = db.withReadFrom('replica');
      expect(await view.set('k', '1')).toBe('OK');
      expect(await view.rPush('list', ['a'])).toBe(1);
      expect(await view.blPop('list', 1)).toEqual({ key: 'list', element: 'a' });
      expect(await view.multi().incr('k').get('k').exec()).toEqual([2, '2']);
      expect(await view.wait(1, 0)).toBe(1);
      const watched = await view.isolated(async (client) => {
        await client.watch('k');
        return client.multi().set('k', '3').exec();
      });
      expect(watched).toEqual(['OK']);
      // A thread reads its own writes: until the replica acknowledged them, from the primary.
      expect(await view.get('k')).toBe('3');
    });
  });

  it('never go back for a thread: a lagging replica is passed over until it holds what the thread saw', async () => {
    await withDb({ shards: 1, replicas: 1 }, async (db) => {
      const view = db.withReadFrom('replica');
      await db.set('k', '1');
      await db.wait(1, 0);
      const replica = db.stats().shards[0]!.replicas[0]!.worker;
      const served = opsOf(db, replica);
      expect(await view.get('k')).toBe('1');
      await eventually(() => opsOf(db, replica) === served + 1);
      // The replica stops applying the stream; the thread writes (and sees) k = 2.
      await setReplicaFaults(db, 0, 0, { holdStream: true });
      await db.set('k', '2');
      for (let i = 0; i < 20; i++) expect(await view.get('k')).toBe('2');
      expect(opsOf(db, replica)).toBe(served + 1);
      // Once it caught up, reads go back to it.
      await setReplicaFaults(db, 0, 0, {});
      expect(await db.wait(1, 1000)).toBe(1);
      expect(await view.get('k')).toBe('2');
      await eventually(() => opsOf(db, replica) === served + 2);
    });
  });

  it('send the reads in flight to a replica that dies to the primary: no caller sees an error', async () => {
    await withDb({ shards: 1, replicas: 2 }, async (db) => {
      const view = db.withReadFrom('replica');
      await Promise.all(KEYS.map((key, i) => db.set(key, `v${i}`)));
      await db.wait(2, 0);
      expect(await view.get(KEYS[0]!)).toBe('v0'); // pins this thread's replica
      const reads: Promise<string | null>[] = [];
      for (let round = 0; round < 40; round++) for (const key of KEYS) reads.push(view.get(key));
      const killed = replicaWorker(db, 0, 0).terminate();
      const values = await Promise.all(reads);
      await killed;
      expect(values).toEqual(Array.from({ length: 40 }, () => KEYS.map((_, i) => `v${i}`)).flat());
      expect(await view.get(KEYS[1]!)).toBe('v1');
      expect(view.sync.get(KEYS[2]!)).toBe('v2');
      // Writes keep their behaviour: they go to the primary, which lives.
      expect(await view.set('after', 'x')).toBe('OK');
      await replicasStreaming(db);
      expect(await view.get('after')).toBe('x');
    });
  });
});
