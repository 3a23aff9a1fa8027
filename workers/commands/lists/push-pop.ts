// The list commands that work at the ends (t_list.c): LPUSH, RPUSH, LPUSHX, RPUSHX, LPOP, RPOP,
// LMOVE, RPOPLPUSH, LMPOP. Arguments are checked in Redis's order, so a bad argument and a key of
// another type give the error Redis gives first.

import {
  COUNT_NOT_POSITIVE,
  NOT_POSITIVE,
  NUMKEYS_NOT_POSITIVE,
  SYNTAX,
  wrongArity,
} from '../../../src/shared/reply-errors.js';
import type { ListValue } from '../../keyspace/list-value.js';
import { WRONG_TYPE } from '../../keyspace/value.js';
import type { Call } from '../call.js';
import { integerArg, Side, sideArg } from './arguments.js';
import {
  BULK_HEADER_BYTES,
  firstNonEmptyList,
  getList,
  moveOne,
  NO_LIST,
  popOne,
  pushArguments,
  replyPopMany,
} from './ends.js';

// ---- LPUSH, RPUSH, LPUSHX, RPUSHX ---------------------------------------------------------

/** Pushes arguments 1.. at one end; with `onlyExisting` (LPUSHX), a missing key stays missing. */
function pushGeneric(call: Call, head: boolean, onlyExisting: boolean): void {
  const key = call.arg(0);
  const list = getList(call, key);
  if (list === WRONG_TYPE) call.wrongType();
  else if (list === undefined && onlyExisting) call.int(0);
  else call.int(pushArguments(call, key, list, head, 1));
}

export function lPush(call: Call): void {
  pushGeneric(call, true, false);
}

export function rPush(call: Call): void {
  pushGeneric(call, false, false);
}

export function lPushX(call: Call): void {
  pushGeneric(call, true, true);
}

export function rPushX(call: Call): void {
  pushGeneric(call, false, true);
}

// ---- LPOP, RPOP ---------------------------------------------------------------------------

/**
 * LPOP key [count]: one element as a bulk string, or with a count an array of up to count
 * elements (empty for count 0); nil for a missing key either way.
 */
function popGeneric(call: Call, head: boolean): void {
  if (call.argc > 2) {
    call.error(wrongArity(call.name));
    return;
  }
  const withCount = call.argc === 2;
  const count = withCount ? integerArg(call, 1) : 1;
  if (!(count >= 0)) {
    call.error(NOT_POSITIVE);
    return;
  }
  const key = call.arg(0);
  const list = getList(call, key);
  if (list === WRONG_TYPE) call.wrongType();
  else if (list === undefined) call.nil();
  else if (!withCount) replyPopOne(call, key, list, head);
  else if (count === 0) call.array(0);
  else replyPopMany(call, key, list, head, count, false);
}

export function lPop(call: Call): void {
  popGeneric(call, true);
}

export function rPop(call: Call): void {
  popGeneric(call, false);
}

// ---- LMOVE, RPOPLPUSH ---------------------------------------------------------------------

/**
 * LMOVE's body once its sides are read (BLMOVE's and BRPOPLPUSH's too): moves one element from
 * source (argument 0) to destination (argument 1) and answers it, or answers WRONGTYPE. Returns
 * false, having answered nothing, when the source is missing (LMOVE answers nil, BLMOVE blocks).
 */
export function moveFromArguments(call: Call, fromHead: boolean, toHead: boolean): boolean {
  const sourceKey = call.arg(0);
  const source = getList(call, sourceKey);
  if (source === undefined) return false;
  if (source === WRONG_TYPE) {
    call.wrongType();
    return true;
  }
  const destinationKey = call.arg(1);
  const destination = getList(call, destinationKey);
  if (destination === WRONG_TYPE) call.wrongType();
  // The reply is checked before the move: inside EXEC, earlier replies may leave too little room,
  // and an element moved but answered with the reply-limit error would surprise its caller.
  else if (call.fitsReply(BULK_HEADER_BYTES + source.at(fromHead ? 0 : source.size - 1).length)) {
    call.bulk(moveOne(call, sourceKey, source, destinationKey, destination, fromHead, toHead));
  }
  return true;
}

/** Pops one element and answers it, unless its reply cannot fit (then nothing is popped). */
function replyPopOne(call: Call, key: string, list: ListValue, head: boolean): void {
  if (!call.fitsReply(BULK_HEADER_BYTES + list.at(head ? 0 : list.size - 1).length)) return;
  call.bulk(popOne(call, key, list, head));
}

function moveGeneric(call: Call, fromHead: boolean, toHead: boolean): void {
  if (!moveFromArguments(call, fromHead, toHead)) call.nil();
}

export function lMove(call: Call): void {
  const from = sideArg(call, 2);
  const to = sideArg(call, 3);
  if (from === Side.Invalid || to === Side.Invalid) {
    call.error(SYNTAX);
    return;
  }
  moveGeneric(call, from === Side.Head, to === Side.Head);
}

export function rPopLPush(call: Call): void {
  moveGeneric(call, false, true);
}

// ---- LMPOP --------------------------------------------------------------------------------

/** LMPOP's options, as lmpopArguments read them. */
interface MultiPop {
  numkeys: number;
  head: boolean;
  count: number;
}

const parsedMultiPop: MultiPop = { numkeys: 0, head: true, count: 1 };

/**
 * Reads `numkeys key [key ...] LEFT|RIGHT [COUNT count]` from argument `first` (LMPOP: 0; BLMPOP:
 * 1, after its timeout) into the returned object (reused: read it before the next call). Answers
 * the error and returns undefined when the arguments are wrong, as Redis checks them.
 */
export function multiPopArguments(call: Call, first: number): MultiPop | undefined {
  const numkeys = integerArg(call, first);
  if (!(numkeys >= 1)) {
    call.error(NUMKEYS_NOT_POSITIVE);
    return undefined;
  }
  const sideAt = first + numkeys + 1;
  const side = sideAt < call.argc ? sideArg(call, sideAt) : Side.Invalid;
  if (side === Side.Invalid) {
    call.error(SYNTAX);
    return undefined;
  }
  let count = -1;
  for (let i = sideAt + 1; i < call.argc; i++) {
    if (count !== -1 || !call.argIs(i, 'COUNT') || i + 1 >= call.argc) {
      call.error(SYNTAX);
      return undefined;
    }
    count = integerArg(call, ++i);
    if (!(count >= 1)) {
      call.error(COUNT_NOT_POSITIVE);
      return undefined;
    }
  }
  parsedMultiPop.numkeys = numkeys;
  parsedMultiPop.head = side === Side.Head;
  parsedMultiPop.count = count === -1 ? 1 : count;
  return parsedMultiPop;
}

/**
 * Pops from the first key of `numkeys` from argument `first` that holds a list and answers
 * `[key, [elements]]`; answers WRONGTYPE when a key before it holds another type. Returns whether
 * it found a list (nothing is answered when it did not: LMPOP answers nil, BLMPOP blocks).
 */
export function multiPopFrom(call: Call, first: number, options: MultiPop): boolean {
  const found = firstNonEmptyList(call, first, options.numkeys);
  if (found === NO_LIST) return false;
  if (found === WRONG_TYPE) {
    call.wrongType();
    return true;
  }
  const key = call.arg(found);
  const list = getList(call, key) as ListValue;
  replyPopMany(call, key, list, options.head, options.count, true);
  return true;
}

export function lmPop(call: Call): void {
  const options = multiPopArguments(call, 0);
  if (options !== undefined && !multiPopFrom(call, 1, options)) call.nil();
}
