// Hostile checks of the collection types through the public API, each for a bug found in review:
// scans that must survive a live migration, and other cases named in each test.

import { describe, expect, it } from 'vitest';
import { ErrorReply, keySlot, MultiErrorReply } from '../../dist/src/index.js';
import { errorOf, withDb } from '../support/db.js';

describe('scans across a live migration', () => {
  it('ZSCAN of a tree-held sorted set misses no member when the set moves mid-scan', async () => {
    await withDb({ shards: 2 }, async (db) => {
      const key = '{hz}scan';
      const slot = keySlot(key);
      // Added highest score first: the source numbers its handles against rank order, the
      // target (which loads the set in rank order) with rank order.
      for (let i = 199; i >= 0; i--) await db.zAdd(key, { score: i, value: `m${i}` });
      const seen = new Set<string>();
      let { cursor, members } = await db.zScan(key, '0', { COUNT: 20 });
      for (const member of members) seen.add(member.value);
      expect(cursor).not.toBe('0');
      await db.migrateSlot(slot, (db.slotOwner(slot) + 1) % 2);
      while (cursor !== '0') {
        ({ cursor, members } = await db.zScan(key, cursor, { COUNT: 20 }));
        for (const member of members) seen.add(member.value);
      }
      expect(seen.size).toBe(200);
    });
  });

  it('ZSCAN of a sorted set that moves in pieces mid-scan misses no member', async () => {
    await withDb({ shards: 2 }, async (db) => {
      const key = '{hz}pieces';
      const slot = keySlot(key);
      // About 130 KiB in byte form: past the smallest piece bound, so the set travels in pieces
      // into a copy whose handles the source's cursor knows nothing of.
      const count = 5000;
      for (let i = 0; i < count; i += 500) {
        const batch = Array.from({ length: 500 }, (_, j) => ({
          score: count - i - j,
          value: `member:${i + j}`,
        }));
        await db.zAdd(key, batch);
      }
      const seen = new Set<string>();
      let { cursor, members } = await db.zScan(key, '0', { COUNT: 100 });
      for (const member of members) seen.add(member.value);
      expect(cursor).not.toBe('0');
      const report = await db.migrateSlot(slot, 1 - db.slotOwner(slot), { pieceBytes: 32_768 });
      expect(report.pieces).toBeGreaterThan(1);
      while (cursor !== '0') {
        ({ cursor, members } = await db.zScan(key, cursor, { COUNT: 100 }));
        for (const member of members) seen.add(member.value);
      }
      expect(seen.size).toBe(count);
    });
  });
});

describe('node-redis v5 methods', () => {
  it('zScanIterator yields every member with its score, async and on db.sync', async () => {
    await withDb({ shards: 2 }, async (db) => {
      const key = '{hz}iterate';
      const members = Array.from({ length: 300 }, (_, i) => ({ value: `m${i}`, score: i / 2 }));
      await db.zAdd(key, members);
      const byName = (a: { value: string }, b: { value: string }) => (a.value < b.value ? -1 : 1);
      const seen: { value: string; score: number }[] = [];
      let steps = 0;
      for await (const step of db.zScanIterator(key, { COUNT: 50 })) {
        seen.push(...step);
        steps++;
      }
      expect(steps).toBeGreaterThan(1);
      expect([...new Map(seen.map((m) => [m.value, m])).values()].sort(byName)).toEqual(
        [...members].sort(byName),
      );
      const synced = [...db.sync.zScanIterator(key, { MATCH: 'm1*', COUNT: 1000 })].flat();
      expect(synced.map((m) => m.value).sort()).toEqual(
        members
          .map((m) => m.value)
          .filter((name) => name.startsWith('m1'))
          .sort(),
      );
      // A missing key yields one empty step, as node-redis's iterator does.
      const missing = [];
      for await (const step of db.zScanIterator('{hz}missing')) missing.push(step);
      expect(missing).toEqual([[]]);
    });
  });
});

describe('node-redis v5 arguments', () => {
  it('scores given as text go as node-redis sends them, and the shard judges them', async () => {
    await withDb({ shards: 1 }, async (db) => {
      const key = '{ht}z';
      // A JavaScript caller passing text where the types say number (a score read from a form).
      const score = (text: string) => text as unknown as number;
      expect(await db.zAdd(key, { value: 'a', score: score('1.5') })).toBe(1);
      expect(await db.zIncrBy(key, score('2'), 'a')).toBe(3.5);
      expect(await db.zAddIncr(key, { value: 'a', score: score('-inf') })).toBe(-Infinity);
      expect(await errorOf(db.zAdd(key, { value: 'b', score: score('abc') }))).toBe(
        'ERR value is not a valid float',
      );
      expect(await db.zUnionStore('{ht}d', [{ key, weight: score('2') }])).toBe(1);
      expect(await errorOf(db.zUnionStore('{ht}d', [{ key, weight: score('x') }]))).toBe(
        'ERR weight value is not a float',
      );
      expect(await db.zRangeWithScores(key, 0, -1)).toEqual([{ value: 'a', score: -Infinity }]);
    });
  });
});

describe('list methods', () => {
  // node-redis v5's lmPop([], 'LEFT') sends LMPOP 0 LEFT, which Redis 7.0 answers with its arity
  // error; with a COUNT the arity holds and Redis answers the numkeys error.
  it("lmPop with no keys answers Redis's errors, as node-redis gets them", async () => {
    await withDb({ shards: 1 }, async (db) => {
      expect(await errorOf(db.lmPop([], 'LEFT'))).toBe(
        "ERR wrong number of arguments for 'lmpop' command",
      );
      expect(await errorOf(db.lmPop([], 'LEFT', { COUNT: 2 }))).toBe(
        'ERR numkeys should be greater than 0',
      );
      expect(await errorOf(db.blmPop(0.01, [], 'LEFT'))).toBe(
        "ERR wrong number of arguments for 'blmpop' command",
      );
    });
  });
});

describe('the transaction builder', () => {
  it('queues a command whose numkeys runs past its arguments; EXEC answers its error', async () => {
    await withDb({ shards: 3 }, async (db) => {
      // As Redis's key specs, such a count names no key (it named 'LEFT' a key: CROSSSLOT, and
      // the whole transaction was refused). Redis answers each command's own error in its place.
      const error = await db
        .multi()
        .set('{hn}a', '1')
        .addCommand(['LMPOP', '5', '{hn}l', 'LEFT'])
        .addCommand(['SINTERCARD', '5', '{hn}s'])
        .addCommand(['ZUNIONSTORE', '{hn}d', '5', '{hn}z'])
        .get('{hn}a')
        .exec()
        .catch((e: unknown) => e as MultiErrorReply);
      expect(error).toBeInstanceOf(MultiErrorReply);
      expect(
        (error as MultiErrorReply).replies.map((r) => (r instanceof Error ? r.message : r)),
      ).toEqual([
        'OK',
        'ERR syntax error',
        "ERR Number of keys can't be greater than number of args",
        'ERR syntax error',
        '1',
      ]);
    });
  });

  it('refuses the scan iterators instead of queueing steps forever; nothing runs', async () => {
    await withDb({ shards: 2 }, async (db) => {
      await db.sAdd('{hb}s', ['a', 'b']);
      for (const name of ['hScanIterator', 'sScanIterator', 'zScanIterator']) {
        // Not offered by the builder's type: a JavaScript caller (or a cast) reaches it.
        const multi = db.multi().set('{hb}k', 'v') as any;
        const iterator = multi[name]('{hb}s');
        expect(() => iterator[Symbol.asyncIterator]()).toThrow(TypeError);
        const error = await iterator.exec().catch((e: unknown) => e);
        expect(error).toBeInstanceOf(ErrorReply);
        expect((error as Error).message).toMatch(new RegExp(`'${name}' cannot be queued`));
        const sync = db.sync.multi() as any;
        expect(() => sync[name]('{hb}s').exec()).toThrow(/cannot be queued/);
      }
      expect(await db.exists('{hb}k')).toBe(0);
    });
  });
});

describe('deterministic replies Redis 7.0 gives', () => {
  it('ZRANDMEMBER with a count of at least the size answers the whole set highest rank first', async () => {
    await withDb({ shards: 1 }, async (db) => {
      const key = '{hr}z';
      await db.zAdd(
        key,
        ['e', 'a', 'b', 'c', 'd'].map((value) => ({ value, score: value.charCodeAt(0) })),
      );
      expect(await db.zRandMemberCount(key, 5)).toEqual(['e', 'd', 'c', 'b', 'a']);
      expect(await db.sendCommand(['ZRANDMEMBER', key, '100', 'WITHSCORES'])).toEqual([
        'e',
        '101',
        'd',
        '100',
        'c',
        '99',
        'b',
        '98',
        'a',
        '97',
      ]);
      const big = '{hr}big'; // a tree-held set (Redis's skiplist answers the same way)
      await db.zAdd(
        big,
        Array.from({ length: 200 }, (_, i) => ({ value: `m${i}`, score: i })),
      );
      const all = await db.zRandMemberCount(big, 300);
      expect(all.slice(0, 3)).toEqual(['m199', 'm198', 'm197']);
      expect(all.at(-1)).toBe('m0');
    });
  });
});
