// The transaction builder, as node-redis v5's `client.multi()`: every typed command method,
// chained (`db.multi().set('k', 'v').incr('n').exec()`), then exec() (one atomic EXEC frame) or
// execAsPipeline() (the commands sent as they are, not atomic).
//
// The builder is the command method chain itself (CommandMethods) over an executor that records
// each call instead of sending it, so it offers every typed method there is, those of every type
// family included, with their argument checks and reply transforms, and no method of its own per
// command.

import { Mode } from '../client/client.js';
import type { Transform } from '../client/pending.js';
import type { CommandSpec } from '../commands/declaration.js';
import { CommandMethods, type Out, type RedisArgument } from '../commands/methods.js';
import { resolveCommand } from '../commands/resolve.js';
import type { MethodName } from '../commands/table.js';
import { ErrorReply, MultiErrorReply, WatchError } from '../errors.js';
import { Executor } from '../executor.js';
import type { Argument } from '../shared/codec.js';
import { AbortReply, andThen, runTransaction } from './exec.js';
import { TransactionQueue, transactionWord } from './queue.js';
import type { WatchSession } from './watch-session.js';

type Replies<S extends string | Buffer> = CommandMethods<true, S>;
type ReplyOf<S extends string | Buffer, M extends MethodName> = Awaited<ReturnType<Replies<S>[M]>>;

/**
 * A transaction being built. Each command method queues its command and returns the builder,
 * whose type remembers every reply's type: `exec()` resolves to them as a tuple, in order (a
 * promise on the async API; the replies themselves on `db.sync.multi()`).
 */
export type MultiCommands<
  Async extends boolean,
  S extends string | Buffer = string,
  R extends unknown[] = [],
> = {
  [M in MethodName]: (
    ...args: Parameters<Replies<S>[M]>
  ) => MultiCommands<Async, S, [...R, ReplyOf<S, M>]>;
} & {
  /** Queues a raw command (its name first), as node-redis's `multi.addCommand`. */
  addCommand(args: readonly RedisArgument[]): MultiCommands<Async, S, [...R, unknown]>;
  sendCommand(args: readonly RedisArgument[]): MultiCommands<Async, S, [...R, unknown]>;
  /**
   * Runs the queued commands atomically, on the shard of their slot (CROSSSLOT when they span
   * slots). Rejects with WatchError when a watched key changed, with MultiErrorReply when some
   * commands answered errors (the others ran), or with the first queued command's error when a
   * command could not be queued (nothing ran).
   */
  exec(execAsPipeline?: boolean): Out<Async, R>;
  /** Sends the queued commands as they are, not atomically; rejects with the first error. */
  execAsPipeline(): Out<Async, R>;
  /** node-redis v5's typed aliases of exec() and execAsPipeline(). */
  execTyped(execAsPipeline?: boolean): Out<Async, R>;
  execAsPipelineTyped(): Out<Async, R>;
};

/** One builder call: a command of the table, a raw command, or a call that failed already. */
type Attempt =
  | {
      readonly spec: CommandSpec;
      readonly args: readonly Argument[];
      readonly transform?: Transform;
    }
  | { readonly raw: readonly Argument[] }
  | { readonly error: Error };

/** Records the builder's calls; every call returns the builder, to chain on. */
class QueueExecutor extends Executor {
  constructor(
    target: Executor,
    private readonly attempts: Attempt[],
    private readonly builder: object,
  ) {
    super(target.client, target.mode, target.buffers);
  }

  override key1(spec: CommandSpec, key: Argument, transform?: Transform): unknown {
    return this.record({ spec, args: [key], transform });
  }

  override key2(spec: CommandSpec, key: Argument, arg: Argument, transform?: Transform): unknown {
    return this.record({ spec, args: [key, arg], transform });
  }

  override run(spec: CommandSpec, args: readonly Argument[], transform?: Transform): unknown {
    return this.record({ spec, args: [...args], transform });
  }

  override fail(error: unknown): unknown {
    return this.record({ error: error instanceof Error ? error : new Error(String(error)) });
  }

  override value(): unknown {
    return this.builder;
  }

  private record(attempt: Attempt): unknown {
    this.attempts.push(attempt);
    return this.builder;
  }
}

export class MultiCommand<Async extends boolean, S extends string | Buffer> extends CommandMethods<
  Async,
  S
> {
  protected readonly executor: Executor;
  private readonly attempts: Attempt[] = [];

  /**
   * `target` sends (an isolated client's own executor, or a shared view's); `session` is the
   * isolated client's watch session; `guard` refuses exec() on a client that cannot run one.
   */
  constructor(
    private readonly target: Executor,
    private readonly session?: WatchSession,
    private readonly guard?: () => Error | undefined,
  ) {
    super();
    this.executor = new QueueExecutor(target, this.attempts, this);
  }

  // biome-ignore lint/suspicious/noExplicitAny: the builder's chain type (MultiCommands) gives the real reply type
  override sendCommand(args: readonly RedisArgument[]): any {
    this.attempts.push(Array.isArray(args) ? { raw: [...args] } : { raw: args });
    return this;
  }

  addCommand(args: readonly RedisArgument[]): this {
    return this.sendCommand(args);
  }

  exec(execAsPipeline = false): unknown {
    if (execAsPipeline) return this.execAsPipeline();
    const target = this.target;
    const refused = this.guard?.();
    if (refused !== undefined) return target.fail(refused);
    const queue = new TransactionQueue();
    for (const attempt of this.attempts) {
      let error: Error | undefined;
      if ('error' in attempt) error = attempt.error;
      else if ('raw' in attempt) error = queue.addRaw(attempt.raw);
      else error = queue.add(attempt.spec, attempt.args, attempt.transform);
      // Any error a command is answered with rejects exec(), as node-redis's Promise.all does.
      if (error !== undefined) {
        queue.refuse(error);
        break;
      }
    }
    return andThen(
      target,
      () => runTransaction(target, queue, this.session, AbortReply.FirstError),
      (replies: unknown[] | null) => builderReplies(queue, replies),
    );
  }

  execAsPipeline(): unknown {
    const target = this.target;
    const refused = this.guard?.();
    if (refused !== undefined) return target.fail(refused);
    if (target.mode === Mode.Sync) {
      const replies: unknown[] = [];
      let first: unknown;
      for (const attempt of this.attempts) {
        try {
          replies.push(this.pipelined(attempt));
        } catch (error) {
          first ??= error;
        }
      }
      if (first !== undefined) throw first;
      return replies;
    }
    const sent = this.attempts.map((attempt) => this.pipelined(attempt) as Promise<unknown>);
    return Promise.allSettled(sent).then((results) => {
      const failed = results.find((result) => result.status === 'rejected');
      if (failed !== undefined) throw failed.reason;
      return results.map((result) => (result as PromiseFulfilledResult<unknown>).value);
    });
  }

  execTyped(execAsPipeline = false): unknown {
    return this.exec(execAsPipeline);
  }

  execAsPipelineTyped(): unknown {
    return this.execAsPipeline();
  }

  /** One attempt sent on its own (execAsPipeline). */
  private pipelined(attempt: Attempt): unknown {
    const target = this.target;
    if ('error' in attempt) return target.fail(attempt.error);
    if ('spec' in attempt) return target.run(attempt.spec, attempt.args, attempt.transform);
    const word = transactionWord(attempt.raw);
    if (word !== undefined) {
      return target.fail(new ErrorReply(`ERR slotdb: ${word.toUpperCase()} in a pipeline`));
    }
    try {
      const resolved = resolveCommand(attempt.raw);
      return target.run(resolved.spec, attempt.raw.slice(resolved.first));
    } catch (error) {
      return target.fail(error);
    }
  }
}

/** A builder's exec() reply: node-redis's WatchError, MultiErrorReply or transformed replies. */
function builderReplies(queue: TransactionQueue, replies: unknown[] | null): unknown[] {
  if (replies === null) throw new WatchError();
  const errorIndexes: number[] = [];
  const transformed = replies.map((reply, i) => {
    if (reply instanceof Error) {
      errorIndexes.push(i);
      return reply;
    }
    const transform = queue.commands[i]!.transform;
    return transform === undefined ? reply : transform(reply);
  });
  if (errorIndexes.length > 0) throw new MultiErrorReply(transformed, errorIndexes);
  return transformed;
}
