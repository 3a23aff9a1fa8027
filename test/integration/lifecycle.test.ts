import { describe, expect, it } from 'vitest';
import { ClientClosedError, OptionError, PendingLimitError, SlotDB } from '../../dist/src/index.js';
import { withDb } from '../support/db.js';

describe('open', () => {
  it('rejects bad options with an error naming the option', async () => {
    const cases: [unknown, RegExp][] = [
      [{ shards: 0 }, /option 'shards' must be an integer from 1 to 64, got 0/],
      [{ shards: 'four' }, /option 'shards' must be an integer from 1 to 64, got "four"/],
      [{ shards: 2.5 }, /option 'shards'/],
      [{ ringBytes: 100 }, /option 'ringBytes' must be an integer from 4096/],
      [{ clientSpinMicros: -1 }, /option 'clientSpinMicros'/],
      [{ shardz: 2 }, /option 'shardz' must be one of .* \(unknown option\)/],
    ];
    for (const [options, message] of cases) {
      const error = await SlotDB.open(options as never).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(OptionError);
      expect((error as Error).message).toMatch(message);
    }
  });

  it('defaults to one shard per core beyond the first, at least one', async () => {
    const { availableParallelism } = await import('node:os');
    await withDb({}, async (db) => {
      expect(db.shardCount).toBe(Math.max(1, availableParallelism() - 1));
      expect(db.stats().shards.reduce((total, shard) => total + shard.slots, 0)).toBe(16384);
    });
  });
});

describe('close', () => {
  it('waits for commands in flight, then refuses new ones with a clear error', async () => {
    const db = await SlotDB.open({ shards: 2 });
    const inFlight = Array.from({ length: 1000 }, (_, i) => db.set(`k${i}`, 'v'));
    const closing = db.close();
    expect((await Promise.all(inFlight)).every((reply) => reply === 'OK')).toBe(true);
    await closing;
    await db.close();
    const error = await db.get('k1').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ClientClosedError);
    expect((error as Error).message).toBe('The client is closed');
    expect(() => db.sync.get('k1')).toThrow('The client is closed');
    expect(db.stats().shards.every((shard) => shard.state === 'stopped')).toBe(true);
  });
});

describe('limits', () => {
  it('pendingMax refuses commands beyond the limit without losing the others', async () => {
    await withDb({ shards: 1, pendingMax: 10 }, async (db) => {
      const results = await Promise.allSettled(
        Array.from({ length: 12 }, (_, i) => db.set(`k${i}`, 'v')),
      );
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(10);
      const rejected = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
      expect(rejected).toHaveLength(2);
      expect(rejected[0]!.reason).toBeInstanceOf(PendingLimitError);
      expect(await db.dbSize()).toBe(10);
    });
  });

  it('slotOwner and stats describe the slot map', async () => {
    await withDb({ shards: 4 }, async (db) => {
      expect(db.slotOwner(0)).toBe(0);
      expect(db.slotOwner(16383)).toBe(3);
      expect(() => db.slotOwner(16384)).toThrow(RangeError);
      await db.mSet(Array.from({ length: 100 }, (_, i) => [`s${i}`, 'v'] as [string, string]));
      const stats = db.stats();
      expect(stats.keys).toBe(100);
      expect(stats.shards.map((shard) => shard.slots)).toEqual([4096, 4096, 4096, 4096]);
      expect(stats.ops).toBeGreaterThan(0);
      // Every shard worked, so every shard read its heap once: a V8 heap is megabytes, never 0.
      for (const shard of stats.shards) expect(shard.heapUsedBytes).toBeGreaterThan(1_000_000);
    });
  });
});
