// Blocked requests and live migration (docs/types/blocking.md, "Migration"): when a slot starts
// moving, the requests blocked on its keys go to the target with the time they have left; pushes
// during and after the move reach them, in the order they blocked, and none gets an error or
// waits past its timeout. A cancelled move sends them back to the source. If the target dies
// while they wait there, the source answers them with SHARDDOWN: nothing hangs.

import { describe, expect, it } from 'vitest';
import { keySlot, type SlotDB } from '../../dist/src/index.js';
import { setShardFaults, shardWorker } from '../../dist/src/testing.js';
import { BlockingThread, blockIn } from '../support/blocking-threads.js';
import { withDb } from '../support/db.js';
import { holdFirstBatch, keysOn, until } from '../support/migration.js';

const TAG = 'moving';
const SLOT = keySlot(TAG);
const QUEUE = `{${TAG}}queue`;
const SOURCE = `{${TAG}}source`;
/** A list that moves in the first batch (keys go in the order they were made). */
const DESTINATION = `{${TAG}}destination`;
const FILLERS = 30;

/** A list that moves first, then string keys so that the move takes several batches. */
async function load(db: SlotDB): Promise<void> {
  await db.rPush(DESTINATION, 'd0');
  for (let i = 0; i < FILLERS; i++) await db.set(`{${TAG}}filler${i}`, 'x');
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('blocked requests and live migration', () => {
  it('follow their slot to the target: pushes during and after the move reach them in order', async () => {
    await withDb({ shards: 2 }, async (db) => {
      await load(db);
      const source = db.slotOwner(SLOT);
      const [t0, t1, t2, t3] = await Promise.all([0, 1, 2, 3].map(() => BlockingThread.start(db)));
      const first = (await blockIn(db, source, t0!, 'blPop', [QUEUE, 0])).done;
      const second = (await blockIn(db, source, t1!, 'brPop', [QUEUE, 0])).done;
      const move = (
        await blockIn(db, source, t2!, 'blMove', [SOURCE, DESTINATION, 'LEFT', 'RIGHT', 0])
      ).done;
      const timed = (await blockIn(db, source, t3!, 'blPop', [`{${TAG}}never`, 1.2])).done;
      const { target, moving } = await holdFirstBatch(db, SLOT);
      await setShardFaults(db, source, { pauseSending: true });
      await setShardFaults(db, target, {});
      await until(() => keysOn(db, source) === FILLERS + 1 - 10);
      // Mid-move: a call that blocks now waits at the target too (its key is not at the source).
      const third = db.blPop(QUEUE, 0);
      await sleep(50);
      expect(await db.rPush(QUEUE, 'a')).toBe(1);
      expect((await first).value).toEqual({ key: QUEUE, element: 'a' });
      expect(await db.lPush(SOURCE, 's')).toBe(1);
      expect((await move).value).toBe('s');
      await setShardFaults(db, source, {});
      const report = await moving;
      expect(report.keys).toBe(FILLERS + 1);
      expect(db.slotOwner(SLOT)).toBe(target);
      // After the move: pushes go to the target, and serve the others in the order they blocked.
      expect(await db.rPush(QUEUE, ['b', 'c'])).toBe(2);
      expect((await second).value).toEqual({ key: QUEUE, element: 'c' }); // BRPOP: the tail
      expect(await third).toEqual({ key: QUEUE, element: 'b' });
      expect(await db.lRange(DESTINATION, 0, -1)).toEqual(['d0', 's']);
      expect(await db.exists([QUEUE, SOURCE])).toBe(0);
      // The timeout ran from the call, not from the move: null after about 1.2 s.
      const result = await timed;
      expect(result.value).toBeNull();
      expect(result.ms).toBeGreaterThanOrEqual(1195);
      expect(result.ms).toBeLessThan(1200 + 500);
      await Promise.all([t0, t1, t2, t3].map((thread) => thread!.close()));
    });
  });

  it('come back to the source when the move is cancelled, and pushes there reach them', async () => {
    await withDb({ shards: 2 }, async (db) => {
      await load(db);
      const source = db.slotOwner(SLOT);
      const [t0, t1, t2] = await Promise.all([0, 1, 2].map(() => BlockingThread.start(db)));
      const first = (await blockIn(db, source, t0!, 'blPop', [QUEUE, 0])).done;
      const second = (await blockIn(db, source, t1!, 'blmPop', [0, [QUEUE], 'RIGHT', { COUNT: 2 }]))
        .done;
      const move = (await blockIn(db, source, t2!, 'brPopLPush', [SOURCE, DESTINATION, 0])).done;
      const controller = new AbortController();
      const { target, moving } = await holdFirstBatch(db, SLOT, { signal: controller.signal });
      await setShardFaults(db, source, { pauseSending: true });
      await setShardFaults(db, target, {});
      await until(() => keysOn(db, source) === FILLERS + 1 - 10); // the destination moved
      expect(await db.rPush(QUEUE, 'a')).toBe(1); // at the target
      expect((await first).value).toEqual({ key: QUEUE, element: 'a' });
      const third = db.blPop(QUEUE, 0); // blocks at the target, mid-move
      await sleep(50);
      controller.abort();
      expect(((await moving.catch((error: unknown) => error)) as Error).name).toBe('AbortError');
      expect(db.slotOwner(SLOT)).toBe(source);
      expect(keysOn(db, target)).toBe(0);
      await setShardFaults(db, source, {});
      // Back at the source: pushes there reach them, in the order they blocked.
      expect(await db.rPush(QUEUE, ['b', 'c', 'd'])).toBe(3);
      expect((await second).value).toEqual([QUEUE, ['d', 'c']]);
      expect(await third).toEqual({ key: QUEUE, element: 'b' });
      expect(await db.rPush(SOURCE, 's')).toBe(1);
      expect((await move).value).toBe('s');
      expect(await db.lRange(DESTINATION, 0, -1)).toEqual(['s', 'd0']);
      expect(await db.exists([QUEUE, SOURCE])).toBe(0);
      await Promise.all([t0, t1, t2].map((thread) => thread!.close()));
    });
  });

  it('a BLMOVE whose destination is still on the source waits for it to move, then is served at the target', async () => {
    await withDb({ shards: 2 }, async (db) => {
      await load(db);
      const late = `{${TAG}}late`; // made last: not in the first batches
      await db.rPush(late, 'l0');
      const source = db.slotOwner(SLOT);
      const target = (source + 1) % 2;
      const [t0] = await Promise.all([BlockingThread.start(db)]);
      const move = (await blockIn(db, source, t0!, 'blMove', [SOURCE, late, 'LEFT', 'RIGHT', 0]))
        .done;
      await setShardFaults(db, source, { pauseSending: true });
      const moving = db.migrateSlot(SLOT, target, { batchKeys: 10 });
      await sleep(50);
      // The push waits behind the BLMOVE (rule 7) until its destination has moved.
      let pushed = false;
      const push = db.lPush(SOURCE, 's').then((length) => {
        pushed = true;
        return length;
      });
      await sleep(100);
      expect(pushed).toBe(false);
      await setShardFaults(db, source, {});
      expect((await move).value).toBe('s');
      expect(await push).toBe(1);
      expect((await moving).keys).toBe(FILLERS + 2);
      expect(db.slotOwner(SLOT)).toBe(target);
      expect(await db.lRange(late, 0, -1)).toEqual(['l0', 's']);
      expect(await db.exists(SOURCE)).toBe(0);
      await t0!.close();
    });
  });

  it('fail with ShardDownError, answered by the source, when the target dies while they wait there', async () => {
    await withDb({ shards: 3 }, async (db) => {
      await load(db);
      const source = db.slotOwner(SLOT);
      const [t0] = await Promise.all([BlockingThread.start(db)]);
      const handed = (await blockIn(db, source, t0!, 'blPop', [QUEUE, 0])).done;
      const { target, moving } = await holdFirstBatch(db, SLOT);
      const outcome = moving.catch((error: unknown) => error);
      const midMove = db.blPop(`{${TAG}}other`, 0).catch((error) => error);
      await sleep(100);
      await shardWorker(db, target).terminate();
      expect(await handed).toMatchObject({ ok: false, name: 'ShardDownError' });
      expect((await midMove).name).toBe('ShardDownError');
      expect(((await outcome) as Error).name).toBe('MigrationError');
      await t0!.close();
    });
  });
});
