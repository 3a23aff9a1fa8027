// The blocking list commands (t_list.c, Redis 7.0): BLPOP, BRPOP, BLMOVE, BLMPOP, BRPOPLPUSH.
// Arguments are checked in Redis's order; with data there they answer at once as their
// non-blocking form (the same functions, ends.ts and push-pop.ts); inside EXEC they answer null
// at once; otherwise they ask the shard to park them (workers/blocking/signal.ts).
//
// A parked request runs again, through the same handler, when a key it waits on gets a list: the
// signal then names that key, and the request is served from it alone, as Redis 7.0 serves the
// key that became ready (so a key before it in the list that holds another type does not turn
// the answer into WRONGTYPE). If that key holds no list any more, it asks to park again and
// stays blocked where it was.

import { SYNTAX } from '../../../src/shared/reply-errors.js';
import { blockingSignal, requestPark } from '../../blocking/signal.js';
import { timeoutArg } from '../../blocking/timeout.js';
import type { Call } from '../call.js';
import { Side, sideArg } from './arguments.js';
import { popFirstWithKey } from './ends.js';
import { moveFromArguments, multiPopArguments, multiPopFrom } from './push-pop.js';

/** The index of the argument from `first` (of `count`) that is `key`; -1 when none is. */
function argumentIndex(call: Call, key: string, first: number, count: number): number {
  for (let i = first; i < first + count; i++) if (call.arg(i) === key) return i;
  return -1;
}

/** Answers null at once (inside EXEC) or asks to park; keys are arguments first.. of count. */
function block(call: Call, first: number, count: number, timeoutMs: number, timeoutAt: number) {
  if (call.noBlock) call.nil();
  else requestPark(first, count, timeoutMs, timeoutAt);
}

// ---- BLPOP, BRPOP -------------------------------------------------------------------------

/** BLPOP key [key ...] timeout: `[key, element]` from the first key that holds a list. */
function blockingPop(call: Call, head: boolean): void {
  const last = call.argc - 1;
  const timeout = timeoutArg(call, last);
  if (timeout < 0) return;
  const ready = blockingSignal.readyKey;
  let found: boolean;
  if (ready === undefined) {
    found = popFirstWithKey(call, 0, last, head);
  } else {
    const at = argumentIndex(call, ready, 0, last);
    found = at >= 0 && popFirstWithKey(call, at, 1, head);
  }
  if (!found) block(call, 0, last, timeout, last);
}

export function blPop(call: Call): void {
  blockingPop(call, true);
}

export function brPop(call: Call): void {
  blockingPop(call, false);
}

// ---- BLMOVE, BRPOPLPUSH -------------------------------------------------------------------

/** Moves from source (argument 0) to destination (1) once the source holds a list. */
function blockingMove(call: Call, fromHead: boolean, toHead: boolean, timeoutAt: number): void {
  const timeout = timeoutArg(call, timeoutAt);
  if (timeout < 0) return;
  // Blocked on its source only: a re-run is served from it, as the first run.
  if (!moveFromArguments(call, fromHead, toHead)) block(call, 0, 1, timeout, timeoutAt);
}

/** BLMOVE source destination LEFT|RIGHT LEFT|RIGHT timeout. */
export function blMove(call: Call): void {
  const from = sideArg(call, 2);
  const to = sideArg(call, 3);
  if (from === Side.Invalid || to === Side.Invalid) {
    call.error(SYNTAX);
    return;
  }
  blockingMove(call, from === Side.Head, to === Side.Head, 4);
}

/** BRPOPLPUSH source destination timeout: BLMOVE source destination RIGHT LEFT timeout. */
export function brPopLPush(call: Call): void {
  blockingMove(call, false, true, 2);
}

// ---- BLMPOP -------------------------------------------------------------------------------

/** BLMPOP timeout numkeys key [key ...] LEFT|RIGHT [COUNT count]: LMPOP's checks come first. */
export function blmPop(call: Call): void {
  const options = multiPopArguments(call, 1);
  if (options === undefined) return;
  const timeout = timeoutArg(call, 0);
  if (timeout < 0) return;
  const numkeys = options.numkeys;
  const ready = blockingSignal.readyKey;
  let found: boolean;
  if (ready === undefined) {
    found = multiPopFrom(call, 2, options);
  } else {
    const at = argumentIndex(call, ready, 2, numkeys);
    options.numkeys = 1;
    found = at >= 0 && multiPopFrom(call, at, options);
  }
  if (!found) block(call, 2, numkeys, timeout, 0);
}
