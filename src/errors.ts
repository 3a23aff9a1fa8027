// Every error slotdb raises that a caller can catch is a class here, so callers can tell them apart
// with `instanceof` and read the fields each one carries. The README lists them. Errors that mean
// slotdb itself is broken (a corrupt frame, a limit relation that does not hold) are
// InvariantError: they are bugs, never expected conditions, and are not meant to be handled.

import type { MigrationReport } from './shared/control-messages.js';

/** An error reply from a command, with Redis's text (`ERR ...`, `WRONGTYPE ...`), as node-redis. */
export class ErrorReply extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ErrorReply';
  }
}

/** A call on a closed database (or a detached client), with node-redis's text. */
export class ClientClosedError extends Error {
  constructor(message = 'The client is closed') {
    super(message);
    this.name = 'ClientClosedError';
  }
}

/** A shard's worker died: its pending commands and later commands to its slots fail with this. */
export class ShardDownError extends Error {
  readonly shard: number;
  constructor(shard: number, detail: string) {
    super(`slotdb: shard ${shard} is down (${detail})`);
    this.name = 'ShardDownError';
    this.shard = shard;
  }
}

/**
 * A command was sent to a shard's primary that died, and a replica took over the shard: the
 * command may or may not have run (its write may be lost unless a WAIT had counted it). Commands
 * sent after the failover go to the new primary. `shard` is the dead worker's seat, as for
 * ShardDownError; `failedShard` the shard, `primary` the seat that took over.
 */
export class FailoverError extends ShardDownError {
  readonly failedShard: number;
  readonly primary: number;
  constructor(failedShard: number, worker: number, primary: number, exitCode: number) {
    super(
      worker,
      `shard ${failedShard}'s primary, worker ${worker}, exited with code ${exitCode} and worker ${primary} took over; a command sent to worker ${worker} may or may not have run`,
    );
    this.name = 'FailoverError';
    this.failedShard = failedShard;
    this.primary = primary;
  }
}

/** A bad option to open() or attach(); the message names the option. */
export class OptionError extends TypeError {
  readonly option: string;
  constructor(option: string, expected: string, got: unknown) {
    super(`slotdb: option '${option}' must be ${expected}, got ${describe(got)}`);
    this.name = 'OptionError';
    this.option = option;
  }
}

/**
 * Too many commands in flight on one client thread: more than the `pendingMax` option allows
 * (`option` is true), or more than the pending table holds at most (the built-in maximum).
 */
export class PendingLimitError extends Error {
  readonly limit: number;
  constructor(limit: number, option: boolean) {
    super(
      `slotdb: more than ${limit} commands in flight ` +
        (option
          ? "(option 'pendingMax')"
          : '(the built-in maximum of in-flight commands per client thread)'),
    );
    this.name = 'PendingLimitError';
    this.limit = limit;
  }
}

/**
 * An argument of a type slotdb cannot send: a command argument that is not a string, Buffer,
 * Uint8Array or number, or a method's argument list of the wrong shape (sendCommand's array,
 * mSet's pairs). The message names what was expected.
 */
export class ArgumentTypeError extends TypeError {
  constructor(
    got: unknown,
    expected = 'a command argument must be a string, Buffer, Uint8Array or number',
  ) {
    super(
      `slotdb: ${expected}, got ${got === null ? 'null' : Array.isArray(got) ? 'an array' : typeof got}`,
    );
    this.name = 'ArgumentTypeError';
  }
}

/**
 * A key or value larger than slotdb's value limit, with Redis's text for proto-max-bulk-len
 * followed by the limit. A RangeError, as the size is out of range.
 */
export class ValueTooLargeError extends RangeError {
  readonly bytes: number;
  readonly limit: number;
  constructor(bytes: number, limit: number) {
    super(
      'ERR string exceeds maximum allowed size (proto-max-bulk-len): ' +
        `${bytes} bytes, slotdb's limit is ${limit}`,
    );
    this.name = 'ValueTooLargeError';
    this.bytes = bytes;
    this.limit = limit;
  }
}

/**
 * A command whose frame (its arguments together, or a reply) would be larger than the frame limit
 * every ring reader accepts: refused before anything is sent.
 */
export class FrameTooLargeError extends RangeError {
  readonly bytes: number;
  readonly limit: number;
  constructor(bytes: number, limit: number) {
    super(`slotdb: a frame of ${bytes} bytes exceeds slotdb's frame limit of ${limit} bytes`);
    this.name = 'FrameTooLargeError';
    this.bytes = bytes;
    this.limit = limit;
  }
}

/**
 * A command with more arguments than one frame may carry (ARGS_MAX, the bound of a shard's
 * argument index): refused before anything is sent. Split the call (fewer keys per hash tag).
 */
export class ArgumentCountError extends RangeError {
  readonly count: number;
  readonly limit: number;
  constructor(count: number, limit: number) {
    super(
      `slotdb: a command with ${count} arguments exceeds slotdb's limit of ${limit} ` +
        'arguments per frame (ARGS_MAX); split the call',
    );
    this.name = 'ArgumentCountError';
    this.count = count;
    this.limit = limit;
  }
}

/** A slot number outside 0..16383 given to a method that takes one (slotOwner). */
export class SlotRangeError extends RangeError {
  readonly slot: unknown;
  constructor(slot: unknown, slotCount: number) {
    super(`slotdb: slot must be an integer from 0 to ${slotCount - 1}, got ${String(slot)}`);
    this.name = 'SlotRangeError';
    this.slot = slot;
  }
}

/**
 * A call that only the thread that opened the database may make (making handles, moving slots,
 * profiling, test hooks), made on an attached client thread.
 */
export class NotOpenerError extends Error {
  readonly action: string;
  constructor(action: string) {
    super(`slotdb: only the thread that opened the database can ${action}`);
    this.name = 'NotOpenerError';
    this.action = action;
  }
}

/** Every client thread slot is taken: the database serves at most that many threads. */
export class ClientLimitError extends Error {
  readonly limit: number;
  constructor(limit: number) {
    super(`slotdb: all ${limit} client thread slots are in use`);
    this.name = 'ClientLimitError';
    this.limit = limit;
  }
}

/**
 * A handle `SlotDB.attach()` cannot use: a field is missing or of the wrong type or size (forged or
 * damaged), it is already attached by another thread, or its seat was reclaimed (stale). `field`
 * names the field at fault (`'handle'` for the handle as a whole).
 */
export class HandleError extends TypeError {
  readonly field: string;
  constructor(field: string, problem: string) {
    super(`slotdb: bad handle: ${field === 'handle' ? 'the handle' : `'${field}'`} ${problem}`);
    this.name = 'HandleError';
    this.field = field;
  }
}

/** A shard refused a control request (a migration order, a link, a fault), with its reason. */
export class ShardRequestError extends Error {
  readonly shard: number;
  constructor(shard: number, reason: string) {
    super(reason);
    this.name = 'ShardRequestError';
    this.shard = shard;
  }
}

/** A slot asked to move while an earlier move of it is still under way. */
export class SlotBusyError extends Error {
  readonly slot: number;
  constructor(slot: number) {
    super(`slotdb: slot ${slot} is already migrating`);
    this.name = 'SlotBusyError';
    this.slot = slot;
  }
}

/** A migration that did not complete (failed, or cancelled without a signal), with its report. */
export class MigrationError extends Error {
  readonly report: MigrationReport;
  constructor(message: string, report: MigrationReport) {
    super(message);
    this.name = 'MigrationError';
    this.report = report;
  }
}

/**
 * A planned failover (`db.failover(shard)`) that was refused (no streaming replica, one already
 * running, a migration of the shard under way, a database without replicas) or given up (no
 * replica caught up in time: the old primary went on, nothing was lost). `shard` is the shard.
 */
export class PlannedFailoverError extends Error {
  readonly shard: number;
  constructor(shard: number, reason: string) {
    super(`slotdb: failover of shard ${shard}: ${reason}`);
    this.name = 'PlannedFailoverError';
    this.shard = shard;
  }
}

/** A profile asked for while another runs, or a file that is not a profile report. */
export class ProfileError extends Error {
  constructor(message: string) {
    super(`slotdb: ${message}`);
    this.name = 'ProfileError';
  }
}

/**
 * A broken invariant inside slotdb: a corrupt frame, an unknown opcode, a limit relation that does
 * not hold at load. It is a bug, reported loudly; no caller is expected to handle it.
 */
export class InvariantError extends Error {
  constructor(message: string) {
    super(`slotdb: ${message}`);
    this.name = 'InvariantError';
  }
}

// ---- transactions --------------------------------------------------------------------

/**
 * A transaction's exec() found a watched key changed (EXEC answered null), with node-redis's
 * class name and text. slotdb also answers so, conservatively, when the slot of the watched keys
 * moved to another shard between WATCH and EXEC.
 */
export class WatchError extends Error {
  constructor(message = 'One (or more) of the watched keys has been changed') {
    super(message);
    this.name = 'WatchError';
  }
}

/**
 * A transaction's exec() ran, and some of its commands answered errors: `replies` holds every
 * reply in order (an ErrorReply at each of `errorIndexes`), as node-redis's MultiErrorReply.
 */
export class MultiErrorReply extends ErrorReply {
  readonly replies: unknown[];
  readonly errorIndexes: number[];
  constructor(replies: unknown[], errorIndexes: number[]) {
    super(
      `${errorIndexes.length} commands failed, see .replies and .errorIndexes for more information`,
    );
    this.name = 'MultiErrorReply';
    this.replies = replies;
    this.errorIndexes = errorIndexes;
  }

  *errors(): Generator<unknown> {
    for (const index of this.errorIndexes) yield this.replies[index];
  }
}

/**
 * Connection state asked of what is not an isolated client: WATCH, MULTI, EXEC, DISCARD or UNWATCH
 * on the shared database (which every caller of the thread uses at once), or any call on an
 * isolated client after its `db.isolated()` callback returned.
 */
export class IsolationError extends Error {
  constructor(message: string) {
    super(`slotdb: ${message}`);
    this.name = 'IsolationError';
  }
}

function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean' || value == null)
    return String(value);
  return Array.isArray(value) ? 'an array' : typeof value;
}

// ---- persistence ---------------------------------------------------------------------

/**
 * The data directory cannot be used or read: not writable, locked by another process, a file of
 * another format or a newer version, a corrupt record in the middle of a log, a write that failed
 * (a full disk). `file` is the path it is about (the directory when no one file is), `offset` the
 * byte in that file where a record was found bad (-1 when none applies).
 */
export class PersistenceError extends Error {
  readonly file: string;
  readonly offset: number;
  readonly problem: string;
  constructor(file: string, problem: string, offset = -1) {
    super(`slotdb: ${file}${offset >= 0 ? ` at byte ${offset}` : ''}: ${problem}`);
    this.name = 'PersistenceError';
    this.file = file;
    this.offset = offset;
    this.problem = problem;
  }
}
