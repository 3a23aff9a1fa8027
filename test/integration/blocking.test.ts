// Blocking list commands across real client threads: several threads blocked on one key are
// served in the order they blocked by pushes from another thread; BLMOVE chains; timeouts; a shard
// killed while clients are blocked; a thread that closes or exits while blocked; db.close() with
// a blocked call. (Blocked requests and live migration: blocking-migration.test.ts.)

import { describe, expect, it } from 'vitest';
import { keySlot, SlotDB } from '../../dist/src/index.js';
import { shardWorker } from '../../dist/src/testing.js';
import { BlockingThread, blockIn, opsOf, reached } from '../support/blocking-threads.js';
import { keysOnEveryShard, withDb } from '../support/db.js';

const shardOf = (db: SlotDB, key: string): number => db.slotOwner(keySlot(key));

async function threads(db: SlotDB, count: number): Promise<BlockingThread[]> {
  return Promise.all(Array.from({ length: count }, () => BlockingThread.start(db)));
}

async function closeAll(list: BlockingThread[]): Promise<void> {
  await Promise.all(list.map((thread) => thread.close()));
}

describe('blocking commands across client threads', () => {
  it('serves threads blocked on one key in the order they blocked, several from one push', async () => {
    await withDb({ shards: 2 }, async (db) => {
      const key = '{queue}';
      const shard = shardOf(db, key);
      const [t0, t1, t2, t3, pusher] = await threads(db, 5);
      const first = (await blockIn(db, shard, t0!, 'blPop', [key, 0])).done;
      const second = (await blockIn(db, shard, t1!, 'brPop', [['{queue}other', key], 0])).done;
      const third = (await blockIn(db, shard, t2!, 'blmPop', [0, key, 'LEFT', { COUNT: 2 }])).done;
      const fourth = (await blockIn(db, shard, t3!, 'blPop', [key, 0])).done;
      const pushed = await pusher!.call('rPush', [key, ['a', 'b', 'c', 'd']]).done;
      expect(pushed.value).toBe(4);
      expect((await first).value).toEqual({ key, element: 'a' });
      expect((await second).value).toEqual({ key, element: 'd' });
      expect((await third).value).toEqual([key, ['b', 'c']]);
      expect(await db.exists(key)).toBe(0);
      // The fourth is still blocked: the next push is its own.
      expect((await pusher!.call('lPush', [key, 'e']).done).value).toBe(1);
      expect((await fourth).value).toEqual({ key, element: 'e' });
      expect(await db.exists(key)).toBe(0);
      await closeAll([t0!, t1!, t2!, t3!, pusher!]);
    });
  });

  it('serves a BLMOVE chain across threads in one step', async () => {
    await withDb({ shards: 2 }, async (db) => {
      const [a, b, c] = ['{chain}a', '{chain}b', '{chain}c'];
      const shard = shardOf(db, a);
      const [t0, t1, t2] = await threads(db, 3);
      const move = (await blockIn(db, shard, t0!, 'blMove', [a, b, 'LEFT', 'RIGHT', 0])).done;
      const rotate = (await blockIn(db, shard, t1!, 'brPopLPush', [b, c, 0])).done;
      const pop = (await blockIn(db, shard, t2!, 'blPop', [c, 0])).done;
      expect(await db.lPush(a, ['v2', 'v1'])).toBe(2);
      expect((await move).value).toBe('v1');
      expect((await rotate).value).toBe('v1');
      expect((await pop).value).toEqual({ key: c, element: 'v1' });
      expect(await db.lRange(a, 0, -1)).toEqual(['v2']);
      expect(await db.exists([b, c])).toBe(0);
      await closeAll([t0!, t1!, t2!]);
    });
  });

  it('answers null after about the timeout, async and sync, in threads and here', async () => {
    await withDb({ shards: 2 }, async (db) => {
      const [t0, t1] = await threads(db, 2);
      const asyncCall = t0!.call('blPop', ['t:a', 0.3]).done;
      const syncCall = t1!.call('blMove', ['{t}a', '{t}b', 'LEFT', 'LEFT', 0.25], true).done;
      const started = performance.now();
      expect(await db.blmPop(0.2, ['{t}x', '{t}y'], 'RIGHT')).toBeNull();
      const hereMs = performance.now() - started;
      const [a, s] = [await asyncCall, await syncCall];
      expect(a).toMatchObject({ ok: true, value: null });
      expect(s).toMatchObject({ ok: true, value: null });
      const timings: [number, number][] = [
        [a.ms, 300],
        [s.ms, 250],
        [hereMs, 200],
      ];
      for (const [ms, timeout] of timings) {
        expect(ms).toBeGreaterThanOrEqual(timeout - 5);
        expect(ms).toBeLessThan(timeout + 400); // answered by the shard, late by a loop turn
      }
      // Nothing was popped on the way: a later push stays for whoever asks.
      await db.rPush('t:a', 'kept');
      expect(await db.lPop('t:a')).toBe('kept');
      await closeAll([t0!, t1!]);
    });
  });

  it('fails the calls blocked on a shard that dies with ShardDownError; the others go on', async () => {
    await withDb({ shards: 3 }, async (db) => {
      const [dying, healthy] = keysOnEveryShard(db, 'death');
      const dead = shardOf(db, dying!);
      const [t0, t1, t2] = await threads(db, 3);
      const asyncCall = (await blockIn(db, dead, t0!, 'blPop', [dying, 0])).done;
      const syncCall = t1!.call('brPop', [dying, 0], true).done;
      const here = db.blMove(dying!, `{${dying}}x`, 'LEFT', 'LEFT', 0).catch((error) => error);
      const other = (await blockIn(db, shardOf(db, healthy!), t2!, 'blPop', [healthy, 0])).done;
      await new Promise((resolve) => setTimeout(resolve, 50));
      await shardWorker(db, dead).terminate();
      for (const result of [await asyncCall, await syncCall]) {
        expect(result).toMatchObject({ ok: false, name: 'ShardDownError' });
      }
      expect((await here).name).toBe('ShardDownError');
      await db.rPush(healthy!, 'still');
      expect((await other).value).toEqual({ key: healthy, element: 'still' });
      await closeAll([t0!, t1!, t2!]);
    });
  });

  it('a thread that closes or exits while blocked does not take a later push', async () => {
    await withDb({ shards: 2 }, async (db) => {
      const [closing, exiting] = await threads(db, 2);
      const key = 'gone';
      const shard = shardOf(db, key);
      const call = (await blockIn(db, shard, closing!, 'blPop', [key, 0])).done;
      (await blockIn(db, shard, exiting!, 'blPop', [key, 0])).done;
      await closing!.close();
      expect(await call).toMatchObject({ ok: false, name: 'ClientClosedError' });
      await exiting!.exit();
      expect(await db.rPush(key, ['x', 'y'])).toBe(2);
      expect(await db.lRange(key, 0, -1)).toEqual(['x', 'y']);
      // A call blocked here now gets the next element.
      await db.del(key);
      const before = opsOf(db, shard);
      const mine = db.blPop(key, 0);
      await reached(db, shard, before);
      await db.rPush(key, 'z');
      expect(await mine).toEqual({ key, element: 'z' });
    });
  });

  it('db.close() with a blocked call fails it with ClientClosedError at once', async () => {
    const db = await SlotDB.open({ shards: 2 });
    const blocked = db.blPop('never', 0).catch((error) => error);
    expect(db.sync.blPop('never', 0.05)).toBeNull();
    const started = performance.now();
    await db.close();
    expect(performance.now() - started).toBeLessThan(1000);
    expect((await blocked).name).toBe('ClientClosedError');
  });
});
