// The list commands that change a list other than at its ends (t_list.c): LSET, LINSERT, LREM,
// LTRIM.

import {
  INDEX_OUT_OF_RANGE,
  NO_SUCH_KEY,
  NOT_INTEGER,
  SYNTAX,
} from '../../../src/shared/reply-errors.js';
import { WRONG_TYPE } from '../../keyspace/value.js';
import type { Call } from '../call.js';
import { integerArg } from './arguments.js';
import { afterRemoval, getList } from './ends.js';
import { resolveRange } from './read.js';

/** LSET key index element. Redis looks the key up before it reads the index. */
export function lSet(call: Call): void {
  const key = call.arg(0);
  const list = getList(call, key);
  if (list === WRONG_TYPE) {
    call.wrongType();
    return;
  }
  if (list === undefined) {
    call.error(NO_SUCH_KEY);
    return;
  }
  const index = integerArg(call, 1);
  if (Number.isNaN(index)) {
    call.error(NOT_INTEGER);
    return;
  }
  const at = index < 0 ? index + list.size : index;
  if (at < 0 || at >= list.size) {
    call.error(INDEX_OUT_OF_RANGE);
    return;
  }
  list.set(at, call.arg(2));
  call.keyspace.modified(call.slot, key);
  call.ok();
}

/**
 * LINSERT key BEFORE|AFTER pivot element: the new length, -1 when the pivot is not in the list, 0
 * when the key is missing.
 */
export function lInsert(call: Call): void {
  const after = call.argIs(1, 'AFTER');
  if (!after && !call.argIs(1, 'BEFORE')) {
    call.error(SYNTAX);
    return;
  }
  const key = call.arg(0);
  const list = getList(call, key);
  if (list === WRONG_TYPE) {
    call.wrongType();
    return;
  }
  if (list === undefined) {
    call.int(0);
    return;
  }
  const pivot = call.arg(2);
  const size = list.size;
  let at = 0;
  while (at < size && list.at(at) !== pivot) at++;
  if (at === size) {
    call.int(-1);
    return;
  }
  list.insert(after ? at + 1 : at, call.arg(3));
  call.keyspace.modified(call.slot, key);
  call.int(list.size);
}

/** LREM key count element: how many it removed (count > 0 from the head, < 0 from the tail). */
export function lRem(call: Call): void {
  const count = integerArg(call, 1);
  if (Number.isNaN(count)) {
    call.error(NOT_INTEGER);
    return;
  }
  const key = call.arg(0);
  const list = getList(call, key);
  if (list === WRONG_TYPE) {
    call.wrongType();
    return;
  }
  if (list === undefined) {
    call.int(0);
    return;
  }
  const removed = list.removeEqual(call.arg(2), count);
  if (removed > 0) afterRemoval(call, key, list);
  call.int(removed);
}

/**
 * LTRIM key start stop: keeps the range LRANGE would answer and deletes the key when it is
 * empty. Like Redis, it signals the key as modified even when the range covered the whole list.
 */
export function lTrim(call: Call): void {
  const start = integerArg(call, 1);
  const end = integerArg(call, 2);
  if (Number.isNaN(start) || Number.isNaN(end)) {
    call.error(NOT_INTEGER);
    return;
  }
  const key = call.arg(0);
  const list = getList(call, key);
  if (list === WRONG_TYPE) {
    call.wrongType();
    return;
  }
  if (list !== undefined) {
    const { first, count } = resolveRange(start, end, list.size);
    if (count === 0) call.keyspace.delete(call.slot, key);
    else {
      list.keep(first, count);
      call.keyspace.modified(call.slot, key);
    }
  }
  call.ok();
}
