// Issue 12: a reply that cannot fit in one frame (slotdb's reply limit, REPLY_BYTES_MAX, just under
// the frame limit of about 513 MiB) is answered with an error that says so, built no further than
// the limit; the shard stays up with its keys. Six values or keys of 100 MiB keep memory well
// under 2 GiB.

import { describe, expect, it } from 'vitest';
import { ErrorReply, type SlotDB } from '../../dist/src/index.js';
import { withDb } from '../support/db.js';

const MiB = 1024 * 1024;

async function expectReplyLimit(call: Promise<unknown>): Promise<void> {
  const error = await call.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(ErrorReply);
  expect((error as Error).message).toContain(`reply limit of`);
  expect((error as Error).message).toContain('a reply must fit in a single ring frame');
}

async function expectIntact(db: SlotDB): Promise<void> {
  expect(await db.get('{t}kept')).toBe('yes');
  expect(db.stats().shards[0]!.state).toBe('running');
}

describe('replies past the frame limit', () => {
  it('MGET of one 100 MiB value six times fails with the reply limit, shard intact', async () => {
    await withDb({ shards: 1 }, async (db) => {
      await db.set('{t}kept', 'yes');
      await db.set('{t}big', Buffer.alloc(100 * MiB, 0x62));
      const keys = Array.from({ length: 6 }, () => '{t}big');
      await expectReplyLimit(db.mGet(keys));
      await expectIntact(db);
      // Five fit (500 MiB is under the limit): the check stops at the limit, not before.
      const five = await db.withBuffers().mGet(keys.slice(0, 5));
      expect(five.map((value) => value?.length)).toEqual(Array(5).fill(100 * MiB));
      expect(await db.strLen('{t}big')).toBe(100 * MiB);
    });
  }, 20_000);

  it('KEYS, SCAN and CLUSTER GETKEYSINSLOT over six 100 MiB keys fail fast, shard intact', async () => {
    await withDb({ shards: 1 }, async (db) => {
      await db.set('{t}kept', 'yes');
      const key = Buffer.alloc(100 * MiB, 0x6b);
      key.write('{t}', 0, 'latin1');
      for (let i = 0; i < 6; i++) {
        key[key.length - 1] = 0x30 + i;
        await db.set(key, 'v');
      }
      const slot = db.sync.clusterKeySlot('{t}kept');
      await expectReplyLimit(db.keys('*'));
      await expectReplyLimit(db.sendCommand(['SCAN', '0', 'COUNT', '1000000']));
      await expectReplyLimit(db.sendCommand(['CLUSTER', 'GETKEYSINSLOT', String(slot), '100']));
      await expectIntact(db);
      expect(await db.dbSize()).toBe(7);
      // Fewer keys fit (two: 200 MiB, to keep the test's memory down).
      expect(await db.sendCommand(['CLUSTER', 'GETKEYSINSLOT', String(slot), '2'])).toHaveLength(2);
    });
  }, 20_000);
});
