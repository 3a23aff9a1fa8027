// The hash methods as node-redis v5 shapes them: hSet's pair forms, hGetAll's prototype-less
// object, hScan's { cursor, entries }, hRandFieldCountWithValues' entries, hScanIterator on the
// async, sync and Buffer views; and odd input, which must end in one of slotdb's errors.

import { describe, expect, it } from 'vitest';
import { HashMethods } from '../../dist/src/commands/methods/hashes.js';
import { ArgumentTypeError, ErrorReply, OptionError } from '../../dist/src/index.js';
import { withDb } from '../support/db.js';

describe('hash methods', () => {
  it('take hSet pairs in every node-redis shape', async () => {
    await withDb({ shards: 2 }, async (db) => {
      expect(await db.hSet('h', 'a', 1)).toBe(1);
      expect(await db.hSet('h', { b: 2, c: 'x' })).toBe(2);
      expect(
        await db.hSet(
          'h',
          new Map<string | number, string>([
            ['d', 'y'],
            [5, 'five'],
          ]),
        ),
      ).toBe(2);
      expect(
        await db.hSet('h', [
          ['e', 'z'],
          ['a', 'again'],
        ]),
      ).toBe(1);
      expect(await db.hSet('h', ['f', '1', Buffer.from('g'), Buffer.from([0xff])])).toBe(2);
      const all = await db.hGetAll('h');
      expect(Object.getPrototypeOf(all)).toBeNull();
      expect({ ...all }).toEqual({
        a: 'again',
        b: '2',
        c: 'x',
        d: 'y',
        5: 'five',
        e: 'z',
        f: '1',
        g: '\ufffd',
      });
      expect(await db.withBuffers().hGet('h', 'g')).toEqual(Buffer.from([0xff]));
      expect(await db.hSet('h', {}).catch((error: Error) => error.message)).toBe(
        "ERR wrong number of arguments for 'hset' command",
      );
      await expect(db.hSet('h', null as never)).rejects.toBeInstanceOf(ArgumentTypeError);
      await expect(db.hSet('h', 'only-a-field' as never)).rejects.toBeInstanceOf(ArgumentTypeError);
    });
  });

  it('reply in node-redis shapes, on the async, sync and Buffer views', async () => {
    await withDb({ shards: 2 }, async (db) => {
      await db.hSet('h', { a: '1', b: '2', n: '10' });
      expect(await db.hmGet('h', ['a', 'zz'])).toEqual(['1', null]);
      expect(await db.hmGet('h', 'b')).toEqual(['2']);
      expect(db.sync.hKeys('h')).toEqual(['a', 'b', 'n']);
      expect(db.sync.hVals('h')).toEqual(['1', '2', '10']);
      expect(await db.hIncrBy('h', 'n', 5)).toBe(15);
      expect(await db.hIncrByFloat('h', 'n', 0.5)).toBe('15.5');
      expect(await db.hSetNX('h', 'a', 'x')).toBe(0);
      expect(await db.hExists('h', 'a')).toBe(1);
      expect(await db.hStrLen('h', 'n')).toBe(4);
      expect(await db.hLen('h')).toBe(3);
      expect(await db.hRandFieldCount('h', 5)).toEqual(['a', 'b', 'n']);
      expect(await db.hRandFieldCountWithValues('h', 3)).toEqual([
        { field: 'a', value: '1' },
        { field: 'b', value: '2' },
        { field: 'n', value: '15.5' },
      ]);
      expect(await db.hRandFieldCountWithValues('missing', 3)).toEqual([]);
      expect(await db.hRandField('missing')).toBeNull();
      expect(await db.hScan('h', '0', { MATCH: '[ab]', COUNT: 0 })).toEqual({
        cursor: '0',
        entries: [
          { field: 'a', value: '1' },
          { field: 'b', value: '2' },
        ],
      });
      expect(await db.withBuffers().hScan('h', '0', { MATCH: 'a' })).toEqual({
        cursor: '0',
        entries: [{ field: Buffer.from('a'), value: Buffer.from('1') }],
      });
      expect(db.sync.hGetAll('missing')).toEqual({});
      expect(await db.hDel('h', ['a', 'b', 'n'])).toBe(3);
      expect(await db.exists('h')).toBe(0);
    });
  });

  it('hScanIterator yields every step (an empty one for a missing key), async and sync', async () => {
    await withDb({ shards: 2 }, async (db) => {
      const fields: Record<string, string> = {};
      for (let i = 0; i < 250; i++) fields[`f${i}`] = `v${i}`;
      await db.hSet('big', fields);
      const steps: number[] = [];
      const seen = new Set<string>();
      for await (const entries of db.hScanIterator('big', { COUNT: 100 })) {
        steps.push(entries.length);
        for (const { field, value } of entries) {
          expect(value).toBe(fields[field]);
          seen.add(field);
        }
      }
      expect(steps).toEqual([100, 100, 50]);
      expect(seen.size).toBe(250);
      const sync = [...db.sync.hScanIterator('big', { COUNT: 100, cursor: '50' })];
      expect(sync.map((entries) => entries.length)).toEqual([50]);
      const missing = [];
      for await (const entries of db.hScanIterator('missing')) missing.push(entries);
      expect(missing).toEqual([[]]);
      const buffers = [];
      for await (const entries of db.withBuffers().hScanIterator('big', { MATCH: 'f1' })) {
        buffers.push(...entries);
      }
      expect(buffers).toEqual([{ field: Buffer.from('f1'), value: Buffer.from('v1') }]);
      await db.set('text', 'x');
      const iterator = db.hScanIterator('text');
      await expect(iterator.next()).rejects.toBeInstanceOf(ErrorReply);
    });
  });

  it('turn odd arguments into slotdb errors, never a thrown TypeError', async () => {
    const odd: unknown[] = [null, undefined, {}, [], [null], () => 1, Symbol('s'), 10n, true];
    const known = [ErrorReply, ArgumentTypeError, OptionError];
    await withDb({ shards: 2 }, async (db) => {
      const names = Object.getOwnPropertyNames(HashMethods.prototype).filter(
        (name) => name !== 'constructor' && name !== 'hScanIterator',
      );
      expect(names.length).toBe(17);
      for (const name of names) {
        const method = (db as unknown as Record<string, (...args: unknown[]) => unknown>)[name]!;
        for (const value of odd) {
          for (const args of [
            [value, 'f', 'v'],
            ['k', value, 'v'],
            ['k', 'f', value],
          ]) {
            const result = method.apply(db, args);
            expect(result).toBeInstanceOf(Promise);
            const error = await (result as Promise<unknown>).then(
              () => undefined,
              (e: unknown) => e,
            );
            if (error !== undefined) {
              expect(
                known.some((type) => error instanceof type),
                `${name}: ${error}`,
              ).toBe(true);
            }
          }
        }
      }
    });
  });
});
