// EXEC on the client: a queued transaction becomes one EXEC frame to the shard that owns its
// slot (exec-frame.ts has the layout), and the shard's array reply gets the replies of the
// commands the client answers itself put back in their places. The same code serves a raw EXEC on
// an isolated client and a builder's exec(); each reads the merged reply its own way.

import { Mode } from '../client/client.js';
import { SplitPolicy } from '../commands/declaration.js';
import { localHandler } from '../commands/local.js';
import { COMMAND } from '../commands/table.js';
import { ErrorReply } from '../errors.js';
import type { Executor } from '../executor.js';
import type { Argument } from '../shared/codec.js';
import { CROSSSLOT, EXECABORT } from '../shared/reply-errors.js';
import { execArguments, NO_WATCH, type QueuedFrameCommand } from './exec-frame.js';
import { NO_SLOT_YET, type QueuedCommand, queuedKeys, type TransactionQueue } from './queue.js';
import type { ExecWatchState, WatchSession } from './watch-session.js';

/**
 * Sends `send()`'s call on `executor` and hands its reply to `next`: at once on a sync executor,
 * when the promise settles on an async one (where `next` may return a promise too).
 */
export function andThen<R>(
  executor: Executor,
  send: () => unknown,
  next: (reply: R) => unknown,
): unknown {
  if (executor.mode === Mode.Sync) return next(send() as R);
  return (send() as Promise<R>).then(next);
}

/**
 * Runs `then` (which returns the result or throws) once the session's records of `token` are
 * gone from every shard; at once when nothing was watched.
 */
function afterCleanup(
  executor: Executor,
  session: WatchSession | undefined,
  token: string | undefined,
  then: () => unknown,
): unknown {
  if (session === undefined || token === undefined) {
    if (executor.mode === Mode.Sync) return then();
    return Promise.resolve().then(then);
  }
  return andThen(executor, () => session.cleanup(token), then);
}

/** How EXEC answers a transaction a queued command aborted. */
export const AbortReply = {
  /** Redis's EXECABORT (a raw EXEC). */
  ExecAbort: 0,
  /** The first queued command's error (a builder's exec(), as node-redis reports it). */
  FirstError: 1,
} as const;
export type AbortReply = (typeof AbortReply)[keyof typeof AbortReply];

/**
 * Runs `queue` as one EXEC frame; the reply is null when a watched key changed, else the replies
 * in queue order (error replies as ErrorReply objects in place). The watch session, if any, ends
 * here, whatever the outcome. Refused before anything is sent: an aborted queue, commands in two
 * slots, or keys in another slot than the watched ones (CROSSSLOT, as Redis Cluster refuses EXEC).
 */
export function runTransaction(
  executor: Executor,
  queue: TransactionQueue,
  session: WatchSession | undefined,
  abort: AbortReply,
): unknown {
  const watch = session?.takeForExec();
  const refused = refusal(queue, watch, abort);
  if (refused !== undefined) {
    return afterCleanup(executor, session, watch?.exec.token, () => {
      throw refused;
    });
  }
  const shardCommands: QueuedFrameCommand[] = [];
  const keys = new KeyList();
  if (watch !== undefined) for (const key of watch.keys) keys.add(key);
  for (const command of queue.commands) {
    const spec = command.spec;
    if (spec === undefined || spec.split === SplitPolicy.Local) continue;
    shardCommands.push({ op: spec.op, args: command.args });
    for (const key of queuedKeys(spec, command.args)) keys.add(key);
  }
  if (shardCommands.length === 0 && watch === undefined) {
    return executor.value(mergeReplies(executor, queue.commands, []));
  }
  const args = execArguments(watch?.exec ?? NO_WATCH, keys.list, shardCommands);
  const token = watch?.exec.token;
  const fail = (error: unknown) =>
    afterCleanup(executor, session, token, () => {
      throw error;
    });
  const sent = executor.mode === Mode.Sync ? undefined : executor.run(COMMAND.exec, args);
  if (sent === undefined) {
    let reply: unknown[] | null;
    try {
      reply = executor.run(COMMAND.exec, args);
    } catch (error) {
      return fail(error);
    }
    return settled(executor, queue, session, token, reply);
  }
  return (sent as Promise<unknown[] | null>).then(
    (reply) => settled(executor, queue, session, token, reply),
    fail,
  );
}

/** EXEC replied: null (a watched key changed) once the session is cleaned up, or the replies. */
function settled(
  executor: Executor,
  queue: TransactionQueue,
  session: WatchSession | undefined,
  token: string | undefined,
  reply: unknown[] | null,
): unknown {
  if (reply !== null) return mergeReplies(executor, queue.commands, reply);
  // The shard that ran EXEC dropped its record; others may hold one (the slot moved).
  return afterCleanup(executor, session, token, () => null);
}

function refusal(
  queue: TransactionQueue,
  watch: ExecWatchState | undefined,
  abort: AbortReply,
): Error | undefined {
  if (abort === AbortReply.FirstError && queue.firstError !== undefined) return queue.firstError;
  if (queue.crossSlot) return new ErrorReply(CROSSSLOT);
  if (queue.aborted) return new ErrorReply(EXECABORT);
  if (watch !== undefined && queue.slot !== NO_SLOT_YET && queue.slot !== watch.slot) {
    return new ErrorReply(CROSSSLOT);
  }
  return undefined;
}

/** The queue's replies: the shard's (`shard`, in order) and the client's own, in their places. */
function mergeReplies(
  executor: Executor,
  commands: readonly QueuedCommand[],
  shard: readonly unknown[],
): unknown[] {
  const replies: unknown[] = [];
  let next = 0;
  for (const command of commands) {
    const spec = command.spec;
    if (spec === undefined) replies.push(command.reply);
    else if (spec.split !== SplitPolicy.Local) replies.push(shard[next++]);
    else replies.push(localReply(executor, command));
  }
  return replies;
}

function localReply(executor: Executor, command: QueuedCommand): unknown {
  try {
    return localHandler(command.spec!)(command.args, executor.client, executor.buffers);
  } catch (error) {
    return error;
  }
}

/** Keys for the frame, each string key once (a repeated Buffer key is harmless, and rare). */
class KeyList {
  readonly list: Argument[] = [];
  private readonly seen = new Set<string>();

  add(key: Argument): void {
    if (typeof key === 'string') {
      if (this.seen.has(key)) return;
      this.seen.add(key);
    }
    this.list.push(key);
  }
}
