import { describe, expect, it } from 'vitest';
import { ShardDownError } from '../../dist/src/index.js';
import { shardWorker } from '../../dist/src/testing.js';
import { keysOnEveryShard, withDb } from '../support/db.js';

describe('a shard worker that dies', () => {
  it('fails its pending commands and later ones with an error naming it; other shards go on', async () => {
    await withDb({ shards: 2 }, async (db) => {
      const [, victimKey] = keysOnEveryShard(db, 'key');
      const victim = db.slotOwner(db.sync.clusterKeySlot(victimKey!));
      const survivorKey = keysOnEveryShard(db, 'other').find(
        (key) => db.slotOwner(db.sync.clusterKeySlot(key)) !== victim,
      )!;
      // Keep the victim busy with a long KEYS so that commands are still pending when it dies.
      const tag = `{${victimKey}}`;
      const filler = Array.from(
        { length: 200_000 },
        (_, i) => [`${tag}${i}`, 'v'] as [string, string],
      );
      for (let i = 0; i < filler.length; i += 10_000) await db.mSet(filler.slice(i, i + 10_000));
      // Both outcomes are taken at once: a rejection nobody handles yet is reported as unhandled.
      const outcomes = [db.keys('*'), db.get(victimKey!)].map((pending) =>
        pending.then(
          () => undefined,
          (e: unknown) => e,
        ),
      );
      await new Promise((resolve) => setImmediate(resolve));
      await shardWorker(db, victim).terminate();

      for (const outcome of outcomes) {
        const error = await outcome;
        expect(error).toBeInstanceOf(ShardDownError);
        expect((error as Error).message).toMatch(new RegExp(`shard ${victim} is down`));
      }
      // Later commands to its slots fail fast, async and sync.
      await expect(db.set(victimKey!, 'x')).rejects.toThrow(`shard ${victim} is down`);
      expect(() => db.sync.get(victimKey!)).toThrow(`shard ${victim} is down`);
      await expect(db.dbSize()).rejects.toThrow(`shard ${victim} is down`);
      // The other shard still serves its slots.
      expect(await db.set(survivorKey, 'alive')).toBe('OK');
      expect(db.sync.get(survivorKey)).toBe('alive');
      expect(db.stats().shards[victim]!.state).toBe('dead');
    });
  });
});
