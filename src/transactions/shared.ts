// What the shared views (the db, db.sync, the Buffer views) add for transactions: multi() (a
// builder without WATCH) and isolated() (an isolated client, for WATCH and raw MULTI). They
// refuse connection state themselves: the shared db serves every caller of its thread at once,
// so a WATCH or MULTI there would be everyone's, and a caller's EXEC could run another's queue.

import type { Mode } from '../client/client.js';
import { CommandMethods, type Out, type RedisArgument } from '../commands/methods.js';
import { IsolationError } from '../errors.js';
import { type IsolatedClient, runIsolated } from './isolated.js';
import { MultiCommand, type MultiCommands } from './multi.js';
import { transactionWord } from './queue.js';

export abstract class SharedCommands<
  Async extends boolean,
  S extends string | Buffer = string,
> extends CommandMethods<Async, S> {
  /**
   * A transaction builder: `db.multi().set('k', 'v').incr('n').exec()` runs the commands
   * atomically on the shard of their slot. For WATCH, build it on an isolated client.
   */
  multi(): MultiCommands<Async, S> {
    return new MultiCommand<Async, S>(this.executor) as unknown as MultiCommands<Async, S>;
  }

  /**
   * Lends `fn` an isolated client (node-redis v5's pool `execute`): its WATCH and MULTI state are
   * its own. It is released when `fn` returns or its promise settles: a raw MULTI left open is
   * discarded and watched keys unwatched. On db.sync, `fn` is synchronous.
   */
  isolated<T>(
    fn: (client: IsolatedClient<Async, S>) => Async extends true ? T | Promise<T> : T,
  ): Out<Async, Awaited<T>> {
    const executor = this.executor;
    return runIsolated(executor.client, executor.mode as Mode, executor.buffers, fn) as Out<
      Async,
      Awaited<T>
    >;
  }

  /** Any command; MULTI, EXEC, DISCARD, WATCH and UNWATCH fail with IsolationError here. */
  override sendCommand<T = unknown>(args: readonly RedisArgument[]): Out<Async, T> {
    const word = transactionWord(args);
    if (word === undefined) return super.sendCommand(args);
    return this.executor.fail(
      new IsolationError(
        `${word.toUpperCase()} is connection state, which the shared db does not have (every ` +
          'caller of this thread uses it): use an isolated client, db.isolated(async (client) ' +
          '=> { await client.watch(key); ... return client.multi()...exec(); }), or db.multi() ' +
          'for a transaction without WATCH',
      ),
    );
  }
}
