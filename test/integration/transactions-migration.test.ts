// Transactions while their slot moves (docs/migration.md): an EXEC frame waits for its keys as any
// multi-key command does (rules 2 and 5) or is forwarded (rule 4), and never fails; a WATCH whose
// slot moved before EXEC makes EXEC answer null (WatchError), conservatively.

import { describe, expect, it } from 'vitest';
import { keySlot, type SlotDB, WatchError } from '../../dist/src/index.js';
import { setShardFaults } from '../../dist/src/testing.js';
import { withDb } from '../support/db.js';
import { holdFirstBatch, keysOn, until, within } from '../support/migration.js';

const TAG = 'x';
const SLOT = keySlot(TAG);
const key = (i: number): string => `{${TAG}}k${i}`;
const KEYS = 100;

async function load(db: SlotDB): Promise<void> {
  for (let i = 0; i < KEYS; i++) await db.set(key(i), `v${i}`);
}

describe('transactions on a moving slot', () => {
  it('a transaction writing a key in flight waits for its ack, then runs', async () => {
    await withDb({ shards: 2 }, async (db) => {
      await load(db);
      const { target, moving } = await holdFirstBatch(db, SLOT); // keys 0..9 in flight
      const transaction = db.multi().append(key(0), '+').get(key(0)).incr(`{${TAG}}n`).exec();
      expect(await within(transaction, 100)).toBe('pending');
      // EXEC counts as a write: even a transaction that only reads a key in flight waits.
      const reading = db.multi().get(key(1)).exec();
      expect(await within(reading, 50)).toBe('pending');
      // A transaction on keys not in flight runs at once, on the source.
      expect(await db.multi().set(key(50), 'free').get(key(50)).exec()).toEqual(['OK', 'free']);
      await setShardFaults(db, target, {});
      expect(await transaction).toEqual([3, 'v0+', 1]);
      expect(await reading).toEqual(['v1']);
      const report = await moving;
      expect(report.waits.count).toBeGreaterThanOrEqual(1);
      expect(await db.mGet([key(0), `{${TAG}}n`])).toEqual(['v0+', '1']);
    });
  });

  it('a transaction on keys split between source and target waits until they meet, then runs', async () => {
    await withDb({ shards: 2 }, async (db) => {
      await load(db);
      const { source, target, moving } = await holdFirstBatch(db, SLOT);
      await setShardFaults(db, source, { pauseSending: true });
      await setShardFaults(db, target, {});
      await until(() => keysOn(db, source) === KEYS - 10); // keys 0..9 moved
      // Keys that all moved: the transaction is forwarded to the target and runs there.
      expect(await db.multi().get(key(3)).append(key(4), '!').exec()).toEqual(['v3', 3]);
      // Key 1 moved, key 70 did not: the transaction waits.
      const split = db.multi().get(key(1)).set(key(70), 'new').rename(key(2), `{${TAG}}r`).exec();
      expect(await within(split, 100)).toBe('pending');
      await setShardFaults(db, source, {});
      expect(await split).toEqual(['v1', 'OK', 'OK']);
      await moving;
      expect(db.slotOwner(SLOT)).toBe(target);
      expect(await db.mGet([key(70), `{${TAG}}r`, key(2), key(4)])).toEqual([
        'new',
        'v2',
        null,
        'v4!',
      ]);
    });
  });

  it("waits for the whole move in 'slot' lock mode, then runs on the target", async () => {
    await withDb({ shards: 2 }, async (db) => {
      await load(db);
      const { target, moving } = await holdFirstBatch(db, SLOT, { lock: 'slot' });
      const transaction = db.multi().incr(`{${TAG}}n`).get(key(99)).exec();
      expect(await within(transaction, 100)).toBe('pending');
      await setShardFaults(db, target, {});
      expect(await transaction).toEqual([1, 'v99']);
      await moving;
    });
  });

  it('EXEC after the watched keys’ slot moved answers null (WatchError), then WATCH works again', async () => {
    await withDb({ shards: 3 }, async (db) => {
      await load(db);
      const source = db.slotOwner(SLOT);
      const outcome = await db
        .isolated(async (client) => {
          // One key that exists, one that does not: neither changes, the slot moves.
          await client.watch([key(5), `{${TAG}}missing`]);
          await db.migrateSlot(SLOT, (source + 1) % 3);
          return client.multi().set(key(5), 'tx').exec();
        })
        .catch((error: unknown) => error);
      expect(outcome).toBeInstanceOf(WatchError);
      expect(await db.get(key(5))).toBe('v5');
      const missingOnly = await db
        .isolated(async (client) => {
          await client.watch(`{${TAG}}missing`);
          await db.migrateSlot(SLOT, source);
          return client.multi().set(key(5), 'tx').exec();
        })
        .catch((error: unknown) => error);
      expect(missingOnly).toBeInstanceOf(WatchError);
      const replies = await db.isolated(async (client) => {
        await client.watch(key(5));
        return client.multi().set(key(5), 'tx').exec();
      });
      expect(replies).toEqual(['OK']);
    });
  });

  it('a watched key that moves to the target before EXEC breaks the watch', async () => {
    await withDb({ shards: 2 }, async (db) => {
      await load(db);
      const outcome = await db.isolated(async (client) => {
        await client.watch(key(0));
        const { source, target, moving } = await holdFirstBatch(db, SLOT); // key 0 in flight
        const exec = client
          .multi()
          .get(key(0))
          .exec()
          .catch((error: unknown) => error);
        await setShardFaults(db, source, {});
        await setShardFaults(db, target, {});
        await moving;
        return exec;
      });
      expect(outcome).toBeInstanceOf(WatchError);
    });
  });
});
