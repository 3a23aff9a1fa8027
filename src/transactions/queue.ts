// The commands of a transaction between MULTI and EXEC, checked as Redis Cluster checks them when
// they are queued: a command Redis would refuse (unknown, wrong arity, keys in two slots) is not
// queued and aborts the transaction (EXEC then answers EXECABORT); commands whose slots differ
// from each other are queued, and EXEC answers CROSSSLOT. slotdb also refuses, at queue time,
// commands that look beyond one slot (DBSIZE, KEYS, FLUSHALL, SCAN...): a transaction runs on
// the one shard that owns its slot.
//
// Commands the client answers itself (PING, ECHO, CLUSTER KEYSLOT) are queued too and answered
// when EXEC's reply arrives, in their place.

import type { Transform } from '../client/pending.js';
import { type CommandSpec, SplitPolicy } from '../commands/declaration.js';
import { keyIndexes } from '../commands/key-spec.js';
import { resolveCommand } from '../commands/resolve.js';
import { ErrorReply } from '../errors.js';
import { slotOf } from '../router.js';
import { type Argument, checkArgument } from '../shared/codec.js';
import { parseInt64 } from '../shared/numbers.js';
import {
  CROSSSLOT,
  MULTI_NESTED,
  notInTransaction,
  WATCH_INSIDE_MULTI,
  wrongArity,
} from '../shared/reply-errors.js';

/** A queued command: a command of the table, or (spec undefined) a reply known when queued. */
export interface QueuedCommand {
  readonly spec: CommandSpec | undefined;
  readonly args: readonly Argument[];
  /** The typed method's reply transform, applied by a builder's exec(). */
  readonly transform: Transform | undefined;
  /** For spec undefined: the reply (UNWATCH inside MULTI answers 'OK' from EXEC). */
  readonly reply?: unknown;
}

/** No key queued yet. */
export const NO_SLOT_YET = -1;

/** The names that are connection state, handled by the transaction code, never sent as such. */
const TRANSACTION_WORDS: ReadonlySet<string> = new Set([
  'multi',
  'exec',
  'discard',
  'watch',
  'unwatch',
]);

/** The lower-case name of a raw command if it is MULTI, EXEC, DISCARD, WATCH or UNWATCH. */
export function transactionWord(args: readonly unknown[]): string | undefined {
  if (!Array.isArray(args) || args.length === 0) return undefined;
  const name = args[0];
  if (typeof name === 'string') {
    if (name.length < 4 || name.length > 7) return undefined;
    const lower = name.toLowerCase();
    return TRANSACTION_WORDS.has(lower) ? lower : undefined;
  }
  if (!(name instanceof Uint8Array) || name.length < 4 || name.length > 7) return undefined;
  const lower = Buffer.from(name).toString('latin1').toLowerCase();
  return TRANSACTION_WORDS.has(lower) ? lower : undefined;
}

/** A numkeys count among queued arguments: NaN when it is not an integer. */
function integerArgument(args: readonly Argument[], index: number): number {
  const arg = args[index];
  const text = arg instanceof Uint8Array ? Buffer.from(arg).toString('latin1') : String(arg);
  const value = parseInt64(text);
  return value === undefined ? NaN : Number(value);
}

/** The keys of a command among its arguments. */
export function queuedKeys(spec: CommandSpec, args: readonly Argument[]): Argument[] {
  return keyIndexes(spec.keys, args.length, args, integerArgument).map((i) => args[i]!);
}

/**
 * The slot a command would bind a transaction to: NO_SLOT_YET for a command the client answers,
 * or an ErrorReply when a transaction cannot hold it (it looks beyond one slot, or its own keys
 * span slots: CROSSSLOT, as Redis Cluster answers it at queue time). Throws ArgumentTypeError for
 * an argument that cannot be sent.
 */
function commandSlot(spec: CommandSpec, args: readonly Argument[]): number | ErrorReply {
  for (const arg of args) checkArgument(arg);
  switch (spec.split) {
    case SplitPolicy.Local:
      return NO_SLOT_YET;
    case SplitPolicy.AllShards:
    case SplitPolicy.SlotArgument:
    case SplitPolicy.Cursor:
      return new ErrorReply(notInTransaction(spec.name));
  }
  const keys = queuedKeys(spec, args);
  if (keys.length === 0) return NO_SLOT_YET;
  const slot = slotOf(keys[0]!);
  for (let i = 1; i < keys.length; i++) {
    if (slotOf(keys[i]!) !== slot) return new ErrorReply(CROSSSLOT);
  }
  return slot;
}

export class TransactionQueue {
  readonly commands: QueuedCommand[] = [];
  /** The slot of the keys queued so far, NO_SLOT_YET before the first. */
  slot = NO_SLOT_YET;
  /** Commands of different slots were queued: EXEC answers CROSSSLOT. */
  crossSlot = false;
  /** A command was refused when queued: EXEC answers EXECABORT. */
  aborted = false;
  /** The first refusal's error (a builder's exec() rejects with it, as node-redis does). */
  firstError: Error | undefined;

  /**
   * Queues a command of the table (its arguments after the name). Returns the error that refuses
   * it (and aborts the transaction), or undefined when it is queued.
   */
  add(spec: CommandSpec, args: readonly Argument[], transform?: Transform): Error | undefined {
    let slot: number | ErrorReply;
    try {
      slot = commandSlot(spec, args);
    } catch (error) {
      return this.refuse(error as Error);
    }
    if (slot instanceof ErrorReply) return this.refuse(slot);
    // Redis queues nothing more once a transaction is aborted: later commands (answered 'QUEUED')
    // add no slot, so EXEC answers EXECABORT, not CROSSSLOT.
    if (this.aborted) return undefined;
    if (slot !== NO_SLOT_YET) {
      if (this.slot === NO_SLOT_YET) this.slot = slot;
      else if (this.slot !== slot) this.crossSlot = true;
    }
    this.commands.push({ spec, args, transform });
    return undefined;
  }

  /**
   * Queues a raw command (sendCommand's list, name first), checked as a Redis server checks it
   * inside MULTI. Returns the error it is answered with, or undefined when it is queued. EXEC and
   * DISCARD end a transaction: whoever holds the queue handles them before asking here.
   */
  addRaw(args: readonly Argument[]): Error | undefined {
    const word = transactionWord(args);
    if (word === 'multi') return new ErrorReply(MULTI_NESTED);
    if (word === 'watch') {
      return args.length < 2
        ? this.refuse(new ErrorReply(wrongArity(word)))
        : new ErrorReply(WATCH_INSIDE_MULTI);
    }
    if (word === 'unwatch') {
      if (args.length !== 1) return this.refuse(new ErrorReply(wrongArity(word)));
      this.commands.push({ spec: undefined, args: [], transform: undefined, reply: 'OK' });
      return undefined;
    }
    if (word !== undefined) {
      return this.refuse(
        new ErrorReply(`ERR slotdb: ${word.toUpperCase()} inside a queued transaction`),
      );
    }
    let resolved: { spec: CommandSpec; first: number };
    try {
      resolved = resolveCommand(args);
    } catch (error) {
      return this.refuse(error as Error);
    }
    return this.add(resolved.spec, args.slice(resolved.first));
  }

  /** A command could not be queued: the transaction is aborted. Returns `error`. */
  refuse(error: Error): Error {
    this.aborted = true;
    this.firstError ??= error;
    return error;
  }
}
