// What every family of command methods shares: the argument and result types, sendCommand, and
// the two ways a typed method runs a command whose arguments it had to build or check first.
//
// The methods themselves are split by type family, one class each, chained by inheritance:
// MethodBase → HashMethods → ListMethods → SetMethods → SortedSetMethods → PersistenceMethods →
// CommandMethods (strings, keys, expiry, server). The chain is only a way to keep one family a file; every link
// is abstract and the public classes (SlotDB, db.sync, withBuffers views) extend the last one.

import { ErrorReply } from '../../errors.js';
import type { Executor } from '../../executor.js';
import { wrongArity } from '../../shared/reply-errors.js';
import type { CommandSpec } from '../declaration.js';
import { keysFit } from '../key-spec.js';
import { resolveCommand } from '../resolve.js';
import { arityAccepts } from '../table.js';

/** A key or value: text (sent as UTF-8) or bytes. Numbers are accepted and sent as text. */
export type RedisArgument = string | Buffer | Uint8Array | number;
/** One key or several. */
export type RedisVariadicArgument = RedisArgument | readonly RedisArgument[];

/** A result: a promise on the async API, the value itself on `db.sync`. */
export type Out<Async extends boolean, T> = Async extends true ? Promise<T> : T;

/**
 * The root of the method chain. `Async` picks promises or plain values; the family classes add
 * `S`, the type bulk strings decode to (string, or Buffer on a `withBuffers()` view).
 */
export abstract class MethodBase<Async extends boolean> {
  protected abstract readonly executor: Executor;

  /** Any command, as `['INCRBY', 'n', '5']`; replies in Redis's shapes, without transforms. */
  sendCommand<T = unknown>(args: readonly RedisArgument[]): Out<Async, T> {
    let resolved: { spec: CommandSpec; first: number };
    try {
      resolved = resolveCommand(args);
    } catch (error) {
      return this.executor.fail(error);
    }
    return this.executor.run(resolved.spec, args.slice(resolved.first));
  }

  /**
   * Runs a command whose arguments `build(a, b, c)` makes from a method's parameters, after the
   * arity checks sendCommand would make; what `build` throws rejects (or throws, on db.sync).
   * `transform` (optional) reshapes the reply, as node-redis's method does.
   */
  protected built<A, B, C>(
    spec: CommandSpec,
    build: (a: A, b: B, c: C) => RedisArgument[],
    a: A,
    b?: B,
    c?: C,
    transform?: (reply: any) => unknown,
  ): any {
    let args: RedisArgument[];
    try {
      args = build(a, b as B, c as C);
    } catch (error) {
      return this.executor.fail(error);
    }
    return this.sendChecked(spec, args, transform);
  }

  /** Runs a command after the arity checks sendCommand would make. */
  protected sendChecked(
    spec: CommandSpec,
    args: readonly RedisArgument[],
    transform?: (reply: any) => unknown,
  ): any {
    if (!arityAccepts(spec, args.length + 1) || !keysFit(spec.keys, args.length)) {
      return this.executor.fail(new ErrorReply(wrongArity(spec.name)));
    }
    return this.executor.run(spec, args, transform);
  }
}
