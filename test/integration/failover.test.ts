// Automatic failover, with real workers: what a WAIT counted survives its primary's death, whatever
// the data type; a dead replica is replaced and WAIT ALL never reports it; a shard whose primary
// dies with no replica left fails fast and says why; the same shard fails over again and again.
// After every failover, every slot has exactly one primary.

import { describe, expect, it } from 'vitest';
import { FailoverError, ShardDownError } from '../../dist/src/index.js';
import {
  replicasStreaming,
  replicaWorker,
  setReplicaFaults,
  shardWorker,
} from '../../dist/src/testing.js';
import { withDb } from '../support/db.js';
import { checkSlotMap, keysOf, until, writeUntilServed } from '../support/failover.js';

describe('automatic failover', () => {
  it('keeps every write a WAIT counted, of every type, when the primary dies', async () => {
    await withDb({ shards: 2, replicas: 1 }, async (db) => {
      const [str, hash, list, set, zset, ttl, gone, counter, popped] = keysOf(db, 0, 'k', 9);
      await db.set(str!, 'value');
      await db.append(str!, '+more');
      await db.hSet(hash!, { a: '1', b: '2', c: '3' });
      await db.hDel(hash!, 'b');
      await db.rPush(list!, ['x', 'y', 'z']);
      await db.lPop(list!);
      await db.sAdd(set!, ['m1', 'm2', 'm3']);
      await db.sRem(set!, 'm2');
      await db.zAdd(zset!, [
        { score: 1, value: 'one' },
        { score: 2.5, value: 'two' },
      ]);
      await db.zIncrBy(zset!, 10, 'one');
      await db.set(ttl!, 'lasts', { PX: 60_000 });
      await db.set(gone!, 'short', { PX: 30 });
      await db.incrBy(counter!, 41);
      await db.incr(counter!);
      await db.sAdd(popped!, ['p1', 'p2', 'p3']);
      const pop = await db.sPop(popped!);
      expect(await db.wait(1, 0)).toBe(1);
      const left = (await db.sMembers(popped!)).sort();

      const dead = db.stats().shards[0]!.primary;
      await shardWorker(db, 0).terminate();
      await writeUntilServed(db, keysOf(db, 0, 'after', 1)[0]!);
      expect(db.stats().shards[0]!.primary).not.toBe(dead);
      checkSlotMap(db);

      expect(await db.get(str!)).toBe('value+more');
      expect(await db.hGetAll(hash!)).toEqual({ a: '1', c: '3' });
      expect(await db.lRange(list!, 0, -1)).toEqual(['y', 'z']);
      expect((await db.sMembers(set!)).sort()).toEqual(['m1', 'm3']);
      expect(await db.zRangeWithScores(zset!, 0, -1)).toEqual([
        { score: 2.5, value: 'two' },
        { score: 11, value: 'one' },
      ]);
      expect(await db.get(ttl!)).toBe('lasts');
      const pttl = await db.pTTL(ttl!);
      expect(pttl).toBeGreaterThan(0);
      expect(pttl).toBeLessThanOrEqual(60_000);
      await new Promise((resolve) => setTimeout(resolve, 40));
      expect(await db.get(gone!)).toBeNull();
      expect(await db.get(counter!)).toBe('42');
      expect((await db.sMembers(popped!)).sort()).toEqual(left);
      expect(left).not.toContain(pop);
      // The other shard never stopped.
      const other = keysOf(db, 1, 'o', 1)[0]!;
      await db.set(other, 'fine');
      expect(await db.get(other)).toBe('fine');
    });
  });

  it('does not let a WAIT after the death count the new primary’s replicas for lost writes', async () => {
    await withDb({ shards: 1, replicas: 1 }, async (db) => {
      await db.set('a', '1');
      expect(await db.wait(1, 0)).toBe(1);
      // The replica stops applying: the next write reaches the primary only, which dies with it.
      await setReplicaFaults(db, 0, 0, { holdStream: true });
      await db.set('b', '2');
      const dead = db.stats().shards[0]!.primary;
      await shardWorker(db, 0).terminate();
      await until(() => db.stats().shards[0]!.primary !== dead);
      await replicasStreaming(db);
      expect(await db.get('b')).toBeNull();
      // The WAIT covers 'b', which the dead primary acknowledged: it fails, it never answers 1.
      await expect(db.wait(1, 1000)).rejects.toBeInstanceOf(FailoverError);
      // That WAIT covered it; the next ones count again.
      await expect(db.set('c', '3')).resolves.toBe('OK');
      expect(await db.wait(1, 5000)).toBe(1);
      expect(await db.get('a')).toBe('1');
    });
  });

  it('replaces a dead replica; WAIT ALL never reports all while one is missing', async () => {
    await withDb({ shards: 1, replicas: 2 }, async (db) => {
      await db.set('a', '0');
      expect(await db.waitAll(1000)).toEqual({ acknowledged: 2, configured: 2 });
      const dead = db.stats().shards[0]!.replicas[1]!.worker;
      await replicaWorker(db, 0, 1).terminate();
      let round = 0;
      for (;;) {
        await db.set('a', String(++round));
        const { acknowledged, configured } = await db.waitAll(20);
        expect(configured).toBe(2);
        const replicas = db.stats().shards[0]!.replicas;
        const streaming = replicas.filter((replica) => replica.state === 'streaming');
        if (acknowledged === configured) {
          // All only once the replacement holds a full copy and streams.
          expect(streaming).toHaveLength(2);
          break;
        }
        expect(acknowledged).toBeLessThan(configured);
        expect(round).toBeLessThan(2000);
      }
      await replicasStreaming(db);
      const replicas = db.stats().shards[0]!.replicas;
      expect(replicas).toHaveLength(2);
      expect(replicas.map((replica) => replica.worker)).not.toContain(dead);
      expect(await db.waitAll(1000)).toEqual({ acknowledged: 2, configured: 2 });
      checkSlotMap(db);
    });
  });

  it('fails fast with ShardDownError when the primary dies with no replica left', async () => {
    await withDb({ shards: 2, replicas: 1 }, async (db) => {
      const [key] = keysOf(db, 0, 'k', 1);
      await db.set(key!, 'v');
      // Both die at once: the replica's replacement cannot have a full copy yet.
      await Promise.all([replicaWorker(db, 0, 0).terminate(), shardWorker(db, 0).terminate()]);
      const deadline = performance.now() + 10_000;
      let error: unknown;
      for (;;) {
        error = await db.set(key!, 'w').then(
          () => undefined,
          (failure: unknown) => failure,
        );
        // A write sent before the deaths were noticed may still be answered with FailoverError
        // by nobody: the death, once noticed, fails it with the final word.
        if (error instanceof ShardDownError && error.name === 'ShardDownError') break;
        expect(performance.now()).toBeLessThan(deadline);
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
      expect((error as Error).message).toMatch(
        /no replica of shard 0 held a full copy to take over/,
      );
      // Fast: the error comes before anything is sent.
      const started = performance.now();
      await expect(db.get(key!)).rejects.toBeInstanceOf(ShardDownError);
      expect(performance.now() - started).toBeLessThan(1000);
      const other = keysOf(db, 1, 'o', 1)[0]!;
      await db.set(other, 'fine');
      expect(await db.get(other)).toBe('fine');
    });
  });

  it('fails the same shard over again and again, keeping every waited-for write', async () => {
    await withDb({ shards: 2, replicas: 1 }, async (db) => {
      const written: string[] = [];
      const seen = new Set<number>([db.stats().shards[0]!.primary]);
      // Eight seats: two primaries and two replicas at first, so four replacements at most.
      for (let round = 0; round < 4; round++) {
        const keys = keysOf(db, 0, `r${round}-`, 300);
        await Promise.all(keys.map((key) => db.set(key, key)));
        expect(await db.wait(1, 5000)).toBe(1);
        written.push(...keys);
        await shardWorker(db, 0).terminate();
        await writeUntilServed(db, keysOf(db, 0, `after${round}-`, 1)[0]!);
        checkSlotMap(db);
        const primary = db.stats().shards[0]!.primary;
        expect(seen.has(primary)).toBe(false);
        seen.add(primary);
        const values = await Promise.all(written.map((key) => db.get(key)));
        expect(values.filter((value, i) => value !== written[i])).toEqual([]);
        await replicasStreaming(db);
      }
      expect(db.stats().shards[0]!.replicas).toHaveLength(1);
    });
  });
});
