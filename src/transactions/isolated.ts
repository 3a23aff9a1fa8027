// The isolated client: what a node-redis v5 user gets from a client pool's `execute` (or a
// `duplicate()`d client): a client of its own for WATCH and MULTI, whose connection state no
// other code of the thread shares. `db.isolated(async (client) => ...)` lends one for the
// callback's duration, then clears its state (as the pool resets a dirty client).
//
// It shares the thread's rings with the shared db, so it costs nothing to make; what is its own
// is its watch session (watch-session.ts) and, between a raw MULTI and EXEC, its queue: while a
// raw MULTI is open, every command sent through it (typed or raw) is queued and answered 'QUEUED',
// as a Redis connection in MULTI state answers.

import { type Client, Mode } from '../client/client.js';
import type { Transform } from '../client/pending.js';
import type { CommandSpec } from '../commands/declaration.js';
import {
  CommandMethods,
  type Out,
  type RedisArgument,
  type RedisVariadicArgument,
} from '../commands/methods.js';
import { ArgumentTypeError, ErrorReply, IsolationError } from '../errors.js';
import { Executor } from '../executor.js';
import type { Argument } from '../shared/codec.js';
import {
  DISCARD_WITHOUT_MULTI,
  EXEC_WITHOUT_MULTI,
  execAbortBecause,
  MULTI_NESTED,
  wrongArity,
} from '../shared/reply-errors.js';
import { AbortReply, runTransaction } from './exec.js';
import { MultiCommand, type MultiCommands } from './multi.js';
import { TransactionQueue, transactionWord } from './queue.js';
import { WatchSession } from './watch-session.js';

/** What an isolated client holds besides its watch session. */
class IsolationState {
  /** The queue of a raw MULTI, until EXEC or DISCARD. */
  queue: TransactionQueue | undefined = undefined;
  /** Set when the db.isolated() callback returned: the client refuses every call. */
  released = false;

  refusal(): Error | undefined {
    if (this.released) {
      return new IsolationError('the isolated client was used after its db.isolated() returned');
    }
    return this.queue === undefined ? undefined : new ErrorReply(MULTI_NESTED);
  }
}

/** An isolated client's executor: refuses calls once released, queues them in a raw MULTI. */
class IsolatedExecutor extends Executor {
  constructor(
    client: Client,
    mode: Mode,
    buffers: boolean,
    private readonly state: IsolationState,
  ) {
    super(client, mode, buffers);
  }

  override key1(spec: CommandSpec, key: Argument, transform?: Transform): unknown {
    if (this.state.released || this.state.queue !== undefined) return this.held(spec, [key]);
    return super.key1(spec, key, transform);
  }

  override key2(spec: CommandSpec, key: Argument, arg: Argument, transform?: Transform): unknown {
    if (this.state.released || this.state.queue !== undefined) return this.held(spec, [key, arg]);
    return super.key2(spec, key, arg, transform);
  }

  override run(spec: CommandSpec, args: readonly Argument[], transform?: Transform): unknown {
    if (this.state.released || this.state.queue !== undefined) return this.held(spec, [...args]);
    return super.run(spec, args, transform);
  }

  /**
   * A typed method refused its own arguments (an arity, an option): inside a raw MULTI that aborts
   * the transaction, as Redis flags it for a command it refuses.
   */
  override fail(error: unknown): unknown {
    if (this.state.queue !== undefined && error instanceof Error) this.state.queue.refuse(error);
    return super.fail(error);
  }

  /** A call while released (refused) or in a raw MULTI (queued: 'QUEUED', or its error). */
  private held(spec: CommandSpec, args: Argument[]): unknown {
    const queue = this.state.queue;
    if (this.state.released || queue === undefined) return super.fail(this.state.refusal());
    const error = queue.add(spec, args);
    return error === undefined ? this.value('QUEUED') : super.fail(error);
  }
}

/** Symbol of the method db.isolated() ends a lent client with. */
export const kRelease = Symbol('slotdb.release');

export class IsolatedClient<
  Async extends boolean,
  S extends string | Buffer = string,
> extends CommandMethods<Async, S> {
  protected readonly executor: Executor;
  /** Sends as it is told (the watch session's frames, a transaction's EXEC). */
  private readonly direct: Executor;
  private readonly state = new IsolationState();
  private readonly session: WatchSession;

  constructor(client: Client, mode: Mode, buffers: boolean) {
    super();
    this.direct = new Executor(client, mode, buffers);
    this.executor = new IsolatedExecutor(client, mode, buffers, this.state);
    this.session = new WatchSession(this.direct);
  }

  /** WATCH key [key ...]: 'OK'. The keys share a slot, with each other and earlier WATCHes. */
  watch(keys: RedisVariadicArgument): Out<Async, 'OK'> {
    const list = Array.isArray(keys) ? keys : [keys as RedisArgument];
    return this.sendCommand(['WATCH', ...list]);
  }

  /** UNWATCH: 'OK'. */
  unwatch(): Out<Async, 'OK'> {
    return this.sendCommand(['UNWATCH']);
  }

  /** A transaction builder whose exec() honours this client's WATCH. */
  multi(): MultiCommands<Async, S> {
    const state = this.state;
    const builder = new MultiCommand<Async, S>(this.direct, this.session, () => state.refusal());
    return builder as unknown as MultiCommands<Async, S>;
  }

  /** Any command; MULTI, EXEC, DISCARD, WATCH and UNWATCH as a Redis connection answers them. */
  override sendCommand<T = unknown>(args: readonly RedisArgument[]): Out<Async, T> {
    const executor = this.direct;
    if (this.state.released) return executor.fail(this.state.refusal());
    const word = transactionWord(args);
    const queue = this.state.queue;
    if (word === undefined) {
      if (queue === undefined) return super.sendCommand(args);
      const error = queue.addRaw(args);
      return error === undefined ? executor.value('QUEUED') : executor.fail(error);
    }
    return this.connectionCommand(word, args, queue) as Out<Async, T>;
  }

  /** MULTI, EXEC, DISCARD, WATCH or UNWATCH (`word`), raw. */
  private connectionCommand(
    word: string,
    args: readonly RedisArgument[],
    queue: TransactionQueue | undefined,
  ): unknown {
    const executor = this.direct;
    if (word === 'watch' || word === 'unwatch') return this.watchCommand(word, args, queue);
    const arity = args.length === 1 ? undefined : wrongArity(word);
    switch (word) {
      case 'multi':
        if (arity !== undefined) return executor.fail(this.refuse(arity));
        if (queue !== undefined) return executor.fail(new ErrorReply(MULTI_NESTED));
        this.state.queue = new TransactionQueue();
        return executor.value('OK');
      case 'exec':
        this.state.queue = undefined;
        if (arity !== undefined) return this.abortExec(arity);
        if (queue === undefined) return executor.fail(new ErrorReply(EXEC_WITHOUT_MULTI));
        return runTransaction(this.direct, queue, this.session, AbortReply.ExecAbort);
      default:
        if (arity !== undefined) return executor.fail(this.refuse(arity));
        if (queue === undefined) return executor.fail(new ErrorReply(DISCARD_WITHOUT_MULTI));
        this.state.queue = undefined;
        return this.session.unwatch();
    }
  }

  /** WATCH and UNWATCH: inside a raw MULTI as Redis answers them there, else the session's. */
  private watchCommand(
    word: 'watch' | 'unwatch',
    args: readonly RedisArgument[],
    queue: TransactionQueue | undefined,
  ): unknown {
    const executor = this.direct;
    if (queue !== undefined) {
      const error = queue.addRaw(args);
      return error === undefined ? executor.value('QUEUED') : executor.fail(error);
    }
    if (word === 'watch') {
      if (args.length < 2) return executor.fail(new ErrorReply(wrongArity(word)));
      return this.session.watch(args.slice(1));
    }
    if (args.length !== 1) return executor.fail(new ErrorReply(wrongArity(word)));
    return this.session.unwatch();
  }

  /** An error answering MULTI or DISCARD's arity: inside a raw MULTI it aborts the transaction. */
  private refuse(text: string): Error {
    const error = new ErrorReply(text);
    return this.state.queue === undefined ? error : this.state.queue.refuse(error);
  }

  /** EXEC with arguments: Redis discards the transaction and unwatches, and says why. */
  private abortExec(arity: string): unknown {
    const error = new ErrorReply(execAbortBecause(arity));
    const done = this.session.unwatch();
    if (this.direct.mode === Mode.Sync) throw error;
    return (done as Promise<unknown>).then(() => {
      throw error;
    });
  }

  /** Ends the loan: a raw MULTI is discarded, watches cleared, later calls refused. */
  [kRelease](): Out<Async, unknown> {
    this.state.queue = undefined;
    this.state.released = true;
    return this.session.unwatch() as Out<Async, unknown>;
  }
}

/**
 * Lends a new isolated client to `fn` and releases it when `fn` returns (or its promise settles):
 * db.isolated() on the async API, db.sync.isolated() with a synchronous `fn`.
 */
export function runIsolated<T>(
  client: Client,
  mode: Mode,
  buffers: boolean,
  fn: (client: never) => T,
): unknown {
  if (typeof fn !== 'function') {
    const error = new ArgumentTypeError(fn, 'isolated() takes a function of the isolated client');
    if (mode === Mode.Sync) throw error;
    return Promise.reject(error);
  }
  const isolated = new IsolatedClient(client, mode, buffers);
  if (mode === Mode.Sync) {
    try {
      return fn(isolated as never);
    } finally {
      isolated[kRelease]();
    }
  }
  return (async () => {
    try {
      return await fn(isolated as never);
    } finally {
      await isolated[kRelease]();
    }
  })();
}
