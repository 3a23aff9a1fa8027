import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { FrameTooLargeError } from '../../dist/src/index.js';
import { withDb } from '../support/db.js';

describe('values larger than a ring', () => {
  it('travel in pieces both ways, async and sync, without corrupting neighbours', async () => {
    await withDb({ shards: 2, ringBytes: 64 * 1024 }, async (db) => {
      const big = randomBytes(5 * 1024 * 1024 + 7);
      const buffers = db.withBuffers();
      const [small1, setBig, small2] = await Promise.all([
        db.set('a', '1'),
        db.set('big', big),
        db.set('b', '2'),
      ]);
      expect([small1, setBig, small2]).toEqual(['OK', 'OK', 'OK']);
      const [back, a, b] = await Promise.all([buffers.get('big'), db.get('a'), db.get('b')]);
      expect(back!.equals(big)).toBe(true);
      expect([a, b]).toEqual(['1', '2']);
      expect(buffers.sync.get('big')!.equals(big)).toBe(true);
      expect(await db.strLen('big')).toBe(big.length);
      expect(await db.append('big', 'tail')).toBe(big.length + 4);
      expect((await buffers.getRange('big', -4, -1)).toString()).toBe('tail');
    });
  });

  it('refuses a command whose arguments add up to more than the frame limit, before sending it', async () => {
    await withDb({ shards: 1 }, async (db) => {
      // Three values of 200 MiB under one hash tag: each fits the value limit, together they
      // exceed the frame limit (about 513 MiB). The call fails; the shard and its keys are intact.
      const value = Buffer.alloc(200 * 1024 * 1024, 0x61);
      await db.set('{t}kept', 'yes');
      const call = db.mSet([
        ['{t}a', value],
        ['{t}b', value],
        ['{t}c', value],
      ]);
      await expect(call).rejects.toBeInstanceOf(FrameTooLargeError);
      expect(await db.get('{t}kept')).toBe('yes');
      expect(await db.exists(['{t}a', '{t}b', '{t}c'])).toBe(0);
      expect(db.stats().shards[0]!.state).toBe('running');
    });
  });
});
