// The list operations at the ends: look a list up, push, pop one or many and answer them, move one
// element between lists. The non-blocking commands (LPUSH, LPOP, LMOVE, LMPOP...) are built from
// these, and so are the blocking ones (BLPOP, BLMOVE, BLMPOP): a blocked call that finds data,
// at once or when it arrives, answers through the same functions, so the replies, the key
// deletion of an emptied list and the modified-key signals are the same in both.
//
// Every list is created by `storeNewList` and every emptied list is deleted by `afterRemoval`:
// one place each to learn that a key became, or stopped being, a list.

import { REPLY_BYTES_MAX } from '../../../src/shared/limits.js';
import { ValueKind } from '../../../src/shared/value-types.js';
import { ListValue } from '../../keyspace/list-value.js';
import { WRONG_TYPE, type WrongType } from '../../keyspace/value.js';
import type { Call } from '../call.js';

/** Reply bytes of an array header, and of a bulk string beyond its bytes (codec.ts). */
const ARRAY_HEADER_BYTES = 5;
export const BULK_HEADER_BYTES = 5;

/** The list at `key` in the call's slot: undefined when missing, WRONG_TYPE for another type. */
export function getList(call: Call, key: string): ListValue | undefined | WrongType {
  return call.keyspace.getCollection<ListValue>(call.slot, key, ValueKind.List);
}

/** Stores a new, non-empty list at `key` (an LPUSH on a missing key, LMOVE's new destination). */
export function storeNewList(call: Call, key: string, list: ListValue): void {
  call.keyspace.set(call.slot, key, list);
}

/**
 * After elements left the list at `key`: deletes the key when the list is empty (no empty list is
 * ever stored), signals the change otherwise.
 */
export function afterRemoval(call: Call, key: string, list: ListValue): void {
  if (list.size === 0) call.keyspace.delete(call.slot, key);
  else call.keyspace.modified(call.slot, key);
}

/**
 * Pushes arguments `first`.. at the head or tail of the list at `key` (`list`, or a new list when
 * undefined), in argument order as LPUSH and RPUSH do. Returns the list's new length.
 */
export function pushArguments(
  call: Call,
  key: string,
  list: ListValue | undefined,
  head: boolean,
  first: number,
): number {
  const target = list ?? new ListValue(call.argc - first);
  for (let i = first; i < call.argc; i++) target.push(head, call.arg(i));
  if (list === undefined) storeNewList(call, key, target);
  else call.keyspace.modified(call.slot, key);
  return target.size;
}

/** Pops one element from the head or tail of the non-empty list at `key`. */
export function popOne(call: Call, key: string, list: ListValue, head: boolean): string {
  const value = list.pop(head);
  afterRemoval(call, key, list);
  return value;
}

/** Reply bytes of `count` elements taken from the head or tail of `list`. */
function endBytes(list: ListValue, head: boolean, count: number): number {
  const size = list.size;
  let bytes = ARRAY_HEADER_BYTES;
  for (let i = 0; i < count && bytes <= REPLY_BYTES_MAX; i++) {
    bytes += BULK_HEADER_BYTES + list.at(head ? i : size - 1 - i).length;
  }
  return bytes;
}

/**
 * Pops up to `count` (≥ 1) elements from the head or tail of the non-empty list at `key` and
 * answers them in pop order: as an array (LPOP key count), or with `withKey` as
 * `[key, [elements]]` (LMPOP, BLMPOP). When the reply could not fit in one frame, answers the
 * reply-limit error and pops nothing.
 */
export function replyPopMany(
  call: Call,
  key: string,
  list: ListValue,
  head: boolean,
  count: number,
  withKey: boolean,
): void {
  const popped = Math.min(count, list.size);
  let bytes = endBytes(list, head, popped);
  if (withKey) bytes += ARRAY_HEADER_BYTES + BULK_HEADER_BYTES + key.length;
  if (!call.fitsReply(bytes)) return;
  if (withKey) {
    call.array(2);
    call.bulk(key);
  }
  call.array(popped);
  for (let i = 0; i < popped; i++) call.bulk(list.pop(head));
  afterRemoval(call, key, list);
}

/**
 * Moves one element from an end of the non-empty list `source` to an end of `destination` (a
 * list, or undefined to create one), as LMOVE does; returns the element. Source and destination
 * may be the same key (a rotation): then `destination` is `source`, looked up before the pop.
 */
export function moveOne(
  call: Call,
  sourceKey: string,
  source: ListValue,
  destinationKey: string,
  destination: ListValue | undefined,
  fromHead: boolean,
  toHead: boolean,
): string {
  const value = source.pop(fromHead);
  if (destination === undefined) {
    const created = new ListValue();
    created.push(toHead, value);
    storeNewList(call, destinationKey, created);
  } else {
    destination.push(toHead, value);
    if (destination !== source) call.keyspace.modified(call.slot, destinationKey);
  }
  afterRemoval(call, sourceKey, source);
  return value;
}

/** What firstNonEmptyList finds when no key holds a list (all missing). */
export const NO_LIST = -1;

/**
 * The argument index of the first of the `count` keys from argument `first` that holds a list
 * (LMPOP, BLPOP, BLMPOP look in key order); NO_LIST when none does; WRONG_TYPE when a key before
 * the first list holds another type (Redis stops there with WRONGTYPE).
 */
export function firstNonEmptyList(call: Call, first: number, count: number): number | WrongType {
  for (let i = first; i < first + count; i++) {
    const list = getList(call, call.arg(i));
    if (list === WRONG_TYPE) return WRONG_TYPE;
    if (list !== undefined) return i;
  }
  return NO_LIST;
}

/**
 * BLPOP's and BRPOP's answer once data is there: pops one element from the first of the `count`
 * keys from argument `first` that holds a list and answers `[key, element]`, or answers WRONGTYPE
 * when a key before it holds another type. Returns false, having answered nothing, when no key
 * holds a list (the blocking command then blocks, or answers nil inside EXEC).
 */
export function popFirstWithKey(call: Call, first: number, count: number, head: boolean): boolean {
  const found = firstNonEmptyList(call, first, count);
  if (found === NO_LIST) return false;
  if (found === WRONG_TYPE) {
    call.wrongType();
    return true;
  }
  const key = call.arg(found);
  const list = getList(call, key) as ListValue;
  const element = list.at(head ? 0 : list.size - 1);
  const bytes = ARRAY_HEADER_BYTES + 2 * BULK_HEADER_BYTES + key.length + element.length;
  if (!call.fitsReply(bytes)) return true;
  call.array(2);
  call.bulk(key);
  call.bulk(popOne(call, key, list, head));
  return true;
}
