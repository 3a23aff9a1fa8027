import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
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
});
