// The transaction API with real workers: the db.multi() builder (node-redis v5's shapes and
// errors), isolated clients (raw MULTI/EXEC/WATCH as a Redis connection answers them), what the
// shared db refuses, db.sync, Buffer views, and RENAME/RENAMENX/COPY through their methods.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { COMMAND } from '../../dist/src/commands/table.js';
import {
  ErrorReply,
  IsolationError,
  MultiErrorReply,
  OptionError,
  SlotDB,
  WatchError,
} from '../../dist/src/index.js';

const CROSSSLOT = "CROSSSLOT Keys in request don't hash to the same slot";

/** What a promise settles to: its value, or the error's class and message. */
async function outcome(promise: unknown): Promise<unknown> {
  try {
    return await promise;
  } catch (error) {
    return `${(error as Error).name}: ${(error as Error).message}`;
  }
}

describe('transactions', () => {
  let db: SlotDB;
  beforeAll(async () => {
    db = await SlotDB.open({ shards: 3 });
  });
  afterAll(async () => {
    await db.close();
  });

  describe('the db.multi() builder', () => {
    it('runs the queued commands atomically and resolves with their replies', async () => {
      const replies = await db
        .multi()
        .set('{m}a', '1')
        .incrBy('{m}a', 5)
        .get('{m}a')
        .mSet({ '{m}b': 'x', '{m}c': 'y' })
        .mGet(['{m}b', '{m}c', '{m}none'])
        .ping()
        .echo('hi')
        .rename('{m}c', '{m}d')
        .exists(['{m}c', '{m}d'])
        .exec();
      expect(replies).toEqual(['OK', 6, '6', 'OK', ['x', 'y', null], 'PONG', 'hi', 'OK', 1]);
      expect(await db.multi().exec()).toEqual([]);
      expect(await db.multi().get('{m}a').execTyped()).toEqual(['6']);
      expect(await db.multi().get('{m}a').execAsPipelineTyped()).toEqual(['6']);
    });

    it("applies each method's reply transform to its reply", async () => {
      const builder = db.multi().set('{m}t', 'v') as any;
      // The executor a builder records with takes a transform as every typed method passes it.
      builder.executor.run(COMMAND.get, ['{m}t'], (reply: string) => `transformed ${reply}`);
      expect(await builder.exec()).toEqual(['OK', 'transformed v']);
      const pipelined = await db.multi().scan('0', { COUNT: 1 }).execAsPipeline();
      expect(pipelined[0]).toEqual({ cursor: expect.any(String), keys: expect.any(Array) });
    });

    it('rejects with MultiErrorReply when commands answered errors; the others ran', async () => {
      await db.set('{m}s', 'text');
      const error = await db
        .multi()
        .incr('{m}s')
        .append('{m}s', '!')
        .exec()
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(MultiErrorReply);
      const multi = error as MultiErrorReply;
      expect(multi.message).toBe(
        '1 commands failed, see .replies and .errorIndexes for more information',
      );
      expect(multi.errorIndexes).toEqual([0]);
      expect(multi.replies[0]).toBeInstanceOf(ErrorReply);
      expect((multi.replies[0] as Error).message).toBe(
        'ERR value is not an integer or out of range',
      );
      expect(multi.replies[1]).toBe(5);
      expect([...multi.errors()]).toEqual([multi.replies[0]]);
      expect(await db.get('{m}s')).toBe('text!');
    });

    it('rejects with the first refused command, and runs nothing, when a command cannot be queued', async () => {
      await db.del('{m}q');
      expect(await outcome(db.multi().set('{m}q', '1').mGet([]).get('{m}q').exec())).toBe(
        "ErrorReply: ERR wrong number of arguments for 'mget' command",
      );
      expect(await outcome(db.multi().set('{m}q', '1').mGet(['{m}q', 'elsewhere']).exec())).toBe(
        `ErrorReply: ${CROSSSLOT}`,
      );
      expect(await outcome(db.multi().set('{m}q', '1').dbSize().exec())).toMatch(
        /^ErrorReply: ERR slotdb: 'dbsize' cannot run inside a transaction/,
      );
      const badOptions = db
        .multi()
        .set('{m}q', '1')
        .copy('{m}q', '{m}r', 'REPLACE' as any);
      expect(await outcome(badOptions.exec())).toMatch(/^OptionError/);
      expect(await outcome(db.multi().set('{m}q', '1').addCommand(['MULTI']).exec())).toBe(
        'ErrorReply: ERR MULTI calls can not be nested',
      );
      expect(await db.get('{m}q')).toBeNull();
    });

    it('answers CROSSSLOT for commands in two slots, and runs nothing', async () => {
      await db.del(['{m}x', '{n}x']);
      expect(await outcome(db.multi().set('{m}x', '1').set('{n}x', '1').exec())).toBe(
        `ErrorReply: ${CROSSSLOT}`,
      );
      expect(await db.exists(['{m}x', '{n}x'])).toBe(0);
    });

    it('execAsPipeline() sends the commands as they are: any slots, not atomic, first error rejects', async () => {
      expect(
        await db.multi().set('{m}p', '1').set('{n}p', '2').mGet(['{m}p', '{n}p']).execAsPipeline(),
      ).toEqual(['OK', 'OK', ['1', '2']]);
      expect(await db.multi().execAsPipeline()).toEqual([]);
      const failing = db.multi().set('{m}p', 'x').incr('{m}p').set('{n}p', 'ran').exec(true);
      expect(await outcome(failing)).toBe(
        'ErrorReply: ERR value is not an integer or out of range',
      );
      expect(await db.get('{n}p')).toBe('ran');
    });

    it('queues raw commands with addCommand and sendCommand', async () => {
      const replies = await db
        .multi()
        .addCommand(['SET', '{m}raw', '5'])
        .sendCommand(['INCR', '{m}raw'])
        .incr('{m}raw')
        .exec();
      expect(replies).toEqual(['OK', 6, 7]);
    });

    it('works on db.sync (blocking) and on Buffer views', () => {
      expect(db.sync.multi().set('{m}y', 'b').append('{m}y', 'c').get('{m}y').exec()).toEqual([
        'OK',
        2,
        'bc',
      ]);
      expect(() => db.sync.multi().set('{m}y', '1').set('{n}y', '1').exec()).toThrow(CROSSSLOT);
      const buffers = db.withBuffers().sync.multi().get('{m}y').exec();
      expect(buffers).toEqual([Buffer.from('bc')]);
    });
  });

  describe('the shared db', () => {
    it('refuses connection state with IsolationError, naming db.isolated()', async () => {
      for (const args of [['MULTI'], ['exec'], ['Discard'], ['WATCH', 'k'], ['UNWATCH']]) {
        const error = await db.sendCommand(args).catch((e: unknown) => e);
        expect(error, args[0]).toBeInstanceOf(IsolationError);
        expect((error as Error).message).toMatch(/db\.isolated\(/);
      }
      expect(() => db.sync.sendCommand([Buffer.from('MULTI')])).toThrow(IsolationError);
      expect(await outcome(db.withBuffers().sendCommand(['EXEC']))).toMatch(/^IsolationError/);
    });
  });

  describe('isolated clients', () => {
    it('answer raw MULTI/EXEC/DISCARD as a Redis connection does, typed commands queued too', async () => {
      const replies = await db.isolated(async (client) => {
        const sent: unknown[] = [];
        const send = async (args: string[]) => sent.push(await outcome(client.sendCommand(args)));
        await send(['EXEC']);
        await send(['MULTI']);
        await send(['SET', '{i}a', '1']);
        sent.push(await client.incr('{i}a'));
        await send(['MULTI']);
        await send(['PING']);
        await send(['UNWATCH']);
        await send(['EXEC']);
        await send(['MULTI']);
        await send(['SET', '{i}a', 'x']);
        await send(['DISCARD']);
        await send(['DISCARD']);
        await send(['MULTI']);
        sent.push(await outcome(client.mGet([])));
        await send(['SET', '{i}a', 'y']);
        await send(['EXEC']);
        await send(['EXEC', 'now']);
        return sent;
      });
      expect(replies).toEqual([
        'ErrorReply: ERR EXEC without MULTI',
        'OK',
        'QUEUED',
        'QUEUED',
        'ErrorReply: ERR MULTI calls can not be nested',
        'QUEUED',
        'QUEUED',
        ['OK', 2, 'PONG', 'OK'],
        'OK',
        'QUEUED',
        'OK',
        'ErrorReply: ERR DISCARD without MULTI',
        'OK',
        "ErrorReply: ERR wrong number of arguments for 'mget' command",
        'QUEUED',
        'ErrorReply: EXECABORT Transaction discarded because of previous errors.',
        "ErrorReply: EXECABORT Transaction discarded because of: wrong number of arguments for 'exec' command",
      ]);
      expect(await db.get('{i}a')).toBe('2');
    });

    it('WATCH: keys in one slot, a write in between makes exec() fail, UNWATCH forgets', async () => {
      await db.set('{i}w', '1');
      const results = await db.isolated(async (client) => {
        const seen: unknown[] = [];
        seen.push(await outcome(client.watch(['{i}w', '{j}w'])));
        seen.push(await client.watch('{i}w'));
        seen.push(await outcome(client.watch('{j}w')));
        await db.set('{i}w', '2');
        seen.push(await outcome(client.multi().set('{i}w', '3').exec()));
        seen.push(await client.watch('{i}w'));
        await db.set('{i}w', '4');
        seen.push(await client.unwatch());
        seen.push(await client.multi().set('{i}w', '5').exec());
        seen.push(await client.watch('{i}w'));
        seen.push(await outcome(client.multi().set('{j}w', '6').exec()));
        seen.push(await client.watch('{i}w'));
        await db.set('{i}w', '7');
        seen.push(await outcome(client.sendCommand(['MULTI'])));
        seen.push(await outcome(client.sendCommand(['GET', '{i}w'])));
        seen.push(await outcome(client.sendCommand(['EXEC'])));
        return seen;
      });
      expect(results).toEqual([
        `ErrorReply: ${CROSSSLOT}`,
        'OK',
        `ErrorReply: ${CROSSSLOT}`,
        'WatchError: One (or more) of the watched keys has been changed',
        'OK',
        'OK',
        ['OK'],
        'OK',
        `ErrorReply: ${CROSSSLOT}`,
        'OK',
        'OK',
        'QUEUED',
        null,
      ]);
      expect(await db.mGet(['{i}w', '{j}w'])).toEqual(['7', null]);
    });

    it('are released when the callback ends: a raw MULTI is discarded, later calls refused', async () => {
      let kept: any;
      await db.isolated(async (client) => {
        kept = client;
        await client.watch('{i}r');
        await client.sendCommand(['MULTI']);
        await client.set('{i}r', 'never');
      });
      expect(await db.get('{i}r')).toBeNull();
      expect(await outcome(kept.get('{i}r'))).toMatch(
        /^IsolationError: slotdb: the isolated client/,
      );
      expect(await outcome(kept.multi().exec())).toMatch(/^IsolationError/);
      const thrown = await outcome(
        db.isolated(async () => {
          throw new Error('callback failed');
        }),
      );
      expect(thrown).toBe('Error: callback failed');
      expect(await outcome(db.isolated(5 as any))).toMatch(/^ArgumentTypeError/);
    });

    it('work on db.sync with a synchronous callback', () => {
      db.sync.set('{i}s', '1');
      const broken = (() => {
        try {
          return db.sync.isolated((client) => {
            client.watch('{i}s');
            db.sync.set('{i}s', '2');
            return client.multi().incr('{i}s').exec();
          });
        } catch (error) {
          return error;
        }
      })();
      expect(broken).toBeInstanceOf(WatchError);
      const ran = db.sync.isolated((client) => {
        client.watch('{i}s');
        return client.multi().incr('{i}s').exec();
      });
      expect(ran).toEqual([3]);
    });
  });

  describe('RENAME, RENAMENX and COPY', () => {
    it('carry the value and its deadline, in one slot', async () => {
      await db.set('{c}a', 'v', { PX: 100_000 });
      expect(await db.rename('{c}a', '{c}b')).toBe('OK');
      expect(await db.pTTL('{c}b')).toBeGreaterThan(90_000);
      expect(await db.renameNX('{c}b', '{c}b')).toBe(0);
      expect(await db.copy('{c}b', '{c}c')).toBe(1);
      expect(await db.copy('{c}b', '{c}c')).toBe(0);
      expect(await db.copy('{c}b', '{c}c', { REPLACE: true, DB: 0 })).toBe(1);
      expect(await db.pTTL('{c}c')).toBeGreaterThan(90_000);
      expect(await outcome(db.copy('{c}b', '{c}d', { DB: 3 }))).toBe(
        'ErrorReply: ERR DB index is out of range',
      );
      expect(await outcome(db.rename('{c}b', 'elsewhere'))).toBe(`ErrorReply: ${CROSSSLOT}`);
      expect(await outcome(db.rename('{c}none', '{c}x'))).toBe('ErrorReply: ERR no such key');
      expect(await outcome(db.copy('{c}b', '{c}x', 5 as any))).toMatch(/^OptionError/);
      expect(() => db.sync.copy('{c}b', '{c}x', null as any)).toThrow(OptionError);
      expect(db.sync.renameNX('{c}b', '{c}c')).toBe(0);
    });
  });
});
