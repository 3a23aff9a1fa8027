import { describe, expect, it } from 'vitest';
import { withDb } from '../support/db.js';

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

describe('expiry', () => {
  it('a key is gone once its deadline passed, on read (lazy)', async () => {
    await withDb({ shards: 2 }, async (db) => {
      await db.set('short', 'v', { PX: 50 });
      await db.set('long', 'v', { EX: 100 });
      expect(await db.get('short')).toBe('v');
      await sleep(120);
      expect(await db.get('short')).toBeNull();
      expect(await db.ttl('short')).toBe(-2);
      expect(await db.get('long')).toBe('v');
    });
  });

  it('expired keys are reclaimed by the active cycle without being read', async () => {
    await withDb({ shards: 2 }, async (db) => {
      const keys = Array.from({ length: 5000 }, (_, i) => `ttl:${i}`);
      await Promise.all(keys.map((key) => db.set(key, 'v', { PX: 500 })));
      await db.set('keep', 'v');
      const before = db.stats().keys;
      // Unless the machine stalled for 500 ms, nothing expired yet.
      expect(before).toBeGreaterThan(1);
      // Reclaiming happens within a few active cycles (100 ms apart) after the deadline.
      let stats = db.stats();
      for (let waited = 0; stats.keys > 1 && waited < 5000; waited += 50) {
        await sleep(50);
        stats = db.stats();
      }
      expect(stats.keys).toBe(1);
      expect(stats.shards.reduce((total, shard) => total + shard.expiredKeys, 0)).toBe(5000);
      expect(await db.get('keep')).toBe('v');
    });
  });
});
