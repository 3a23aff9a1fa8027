// Transactions (multi.c) on a shard: EXEC runs a queued transaction in one step, WATCH and
// UNWATCH keep the watch table (workers/transactions/watch-table.ts). MULTI and DISCARD never
// reach a shard: the client queues (src/transactions/).
//
// EXEC runs each queued command's own handler on this shard's one Call: it points the Call's
// argument offsets at the command's arguments inside the EXEC frame (moving them to the front of
// the offset arrays, where handlers read them), runs the handler, and goes on. The replies form
// one array reply. An error reply of one command does not stop the others, as in Redis; a handler
// that throws answers its own element with an internal error. Blocking commands answer at once
// (`call.noBlock`), as Redis runs them inside MULTI.

import { SplitPolicy } from '../../src/commands/declaration.js';
import {
  arityAccepts,
  COMMAND,
  commandByOp,
  nameWords,
  type ShardCommandName,
} from '../../src/commands/table.js';
import { REPLY_BYTES_MAX } from '../../src/shared/limits.js';
import { EXEC_WITHOUT_MULTI, replyTooLarge } from '../../src/shared/reply-errors.js';
import {
  EXEC_HEADER_ARGS,
  EXEC_KEYS,
  EXEC_NUMKEYS,
  EXEC_SLOT_MAP_CHANGED,
  EXEC_TOKEN,
  EXEC_WATCH_FRAMES,
} from '../../src/transactions/exec-frame.js';
// A cycle: index.ts builds HANDLERS from this file's handlers. EXEC reads HANDLERS only when it
// runs, long after both modules loaded (load index.ts first, as the shard does).
import { journalQueued } from '../replication/journal-ops.js';
import { watchTable } from '../transactions/watch-table.js';
import type { Call, CommandHandler } from './call.js';
import { HANDLERS } from './index.js';

/** Argument i as a count (a non-negative decimal integer), or -1 when it is not one. */
function argCount(call: Call, i: number): number {
  const start = call.argStart[i]!;
  const end = call.argEnd[i]!;
  if (end === start || end - start > 15) return -1;
  let value = 0;
  for (let p = start; p < end; p++) {
    const digit = call.buf[p]! - 48;
    if (digit < 0 || digit > 9) return -1;
    value = value * 10 + digit;
  }
  return value;
}

/** Opcodes a transaction may hold: commands a shard runs on the keys of one slot. */
function queueable(op: number): boolean {
  if (HANDLERS[op] === undefined) return false;
  const split = commandByOp(op).split;
  const keyed =
    split === SplitPolicy.SingleKey ||
    split === SplitPolicy.SameSlot ||
    split === SplitPolicy.PerSlot;
  // WAIT answers at once inside a transaction, for the transaction's shard.
  return (keyed || split === SplitPolicy.Written) && !TRANSACTION_OPS.has(op);
}

/**
 * Checks the queued commands of the EXEC frame in `call` (opcodes a transaction may hold, arities,
 * argument counts that end where the frame does). Returns their count, or -1 for a corrupt frame.
 */
function checkedCount(call: Call, first: number, count: number): number {
  let at = first;
  for (let j = 0; j < count; j++) {
    if (at + 2 > call.argc) return -1;
    const op = argCount(call, at);
    const argc = argCount(call, at + 1);
    if (op < 1 || op > 0xff || !queueable(op) || argc < 0 || at + 2 + argc > call.argc) return -1;
    if (!arityAccepts(commandByOp(op), argc + nameWords(commandByOp(op)))) return -1;
    at += 2 + argc;
  }
  return at === call.argc ? count : -1;
}

/** Whether the watch of the frame's token holds (or nothing is watched). */
function watchHolds(call: Call): boolean {
  const token = call.arg(EXEC_TOKEN);
  if (token.length === 0) return true;
  const frames = argCount(call, EXEC_WATCH_FRAMES);
  const changed = call.argIs(EXEC_SLOT_MAP_CHANGED, '1');
  return watchTable(call.keyspace).take(token, call.slot, frames, changed);
}

export function exec(call: Call): void {
  const numkeys = call.argc >= EXEC_HEADER_ARGS ? argCount(call, EXEC_NUMKEYS) : -1;
  if (numkeys < 0 || EXEC_KEYS + numkeys >= call.argc) {
    call.error(EXEC_WITHOUT_MULTI);
    return;
  }
  const countAt = EXEC_KEYS + numkeys;
  const count = checkedCount(call, countAt + 1, argCount(call, countAt));
  if (count < 0) {
    call.error(`ERR slotdb: corrupt transaction frame (slot ${call.slot})`);
    return;
  }
  if (!watchHolds(call)) {
    call.nil();
    return;
  }
  call.array(count);
  runQueued(call, countAt + 1, count);
}

/** Runs `count` checked commands from argument `first` on, each replying one element. */
function runQueued(call: Call, first: number, count: number): void {
  const out = call.out;
  const arrayStart = out.tail;
  const argc = call.argc;
  const name = call.name;
  call.noBlock = true;
  try {
    let at = first;
    for (let j = 0; j < count; j++) {
      const op = argCount(call, at);
      const n = argCount(call, at + 1);
      const base = at + 2;
      // Later commands' offsets lie past base + n, so moving this one's to [0, n) keeps them.
      call.argStart.copyWithin(0, base, base + n);
      call.argEnd.copyWithin(0, base, base + n);
      call.argc = n;
      call.name = commandByOp(op).name;
      const start = out.tail;
      call.replyBytesBefore = start - arrayStart;
      try {
        HANDLERS[op]!(call);
      } catch (error) {
        out.rollback(start);
        call.error(`ERR slotdb internal error in '${call.name}': ${(error as Error).message}`);
      }
      journalQueued(call, op);
      // The whole array must fit one reply frame. A handler that checks its reply's size
      // (`fitsReply`, which counts the elements before it) refuses before it changes anything;
      // a reply that still takes the array past the limit is answered by the reply-limit error
      // instead (its command ran).
      if (out.tail - arrayStart > REPLY_BYTES_MAX) {
        const bytes = out.tail - start;
        out.rollback(start);
        call.error(replyTooLarge(bytes));
      }
      at = base + n;
    }
  } finally {
    call.noBlock = false;
    call.replyBytesBefore = 0;
    call.argc = argc;
    call.name = name;
  }
}

export function watch(call: Call): void {
  const keys: string[] = [];
  for (let i = 1; i < call.argc; i++) keys.push(call.arg(i));
  watchTable(call.keyspace).watch(call.arg(0), call.slot, keys);
  call.ok();
}

export function unwatch(call: Call): void {
  watchTable(call.keyspace).drop(call.arg(0));
  call.ok();
}

export const handlers = {
  exec,
  watch,
  unwatch,
} satisfies Partial<Record<ShardCommandName, CommandHandler>>;

/** Opcodes of the transaction frames themselves: a transaction never holds one. */
const TRANSACTION_OPS: ReadonlySet<number> = new Set([
  COMMAND.exec.op,
  COMMAND.watch.op,
  COMMAND.unwatch.op,
]);
