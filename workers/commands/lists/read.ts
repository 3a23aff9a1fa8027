// The list commands that read (t_list.c): LLEN, LRANGE, LINDEX, LPOS.

import { REPLY_BYTES_MAX } from '../../../src/shared/limits.js';
import { INT64_MIN } from '../../../src/shared/numbers.js';
import {
  LPOS_COUNT_NEGATIVE,
  LPOS_MAXLEN_NEGATIVE,
  LPOS_RANK_ZERO,
  NOT_INTEGER,
  SYNTAX,
} from '../../../src/shared/reply-errors.js';
import type { ListValue } from '../../keyspace/list-value.js';
import { WRONG_TYPE } from '../../keyspace/value.js';
import type { Call } from '../call.js';
import { int64Arg, integerArg } from './arguments.js';
import { getList } from './ends.js';

/** Reply bytes of an array header, of a bulk string beyond its bytes, and of an integer. */
const ARRAY_HEADER_BYTES = 5;
const BULK_HEADER_BYTES = 5;
const INT_BYTES = 9;

export function lLen(call: Call): void {
  const list = getList(call, call.arg(0));
  if (list === WRONG_TYPE) call.wrongType();
  else call.int(list === undefined ? 0 : list.size);
}

/** A range of a list, as `resolveRange` answers it: `count` elements from index `first`. */
interface Range {
  first: number;
  count: number;
}

const resolved: Range = { first: 0, count: 0 };

/**
 * The elements LRANGE and LTRIM mean by `start` and `end` in a list of `size`: negative indexes
 * count from the tail, the range is clipped to the list, and an empty range has count 0. The
 * returned object is reused: read it before the next call.
 */
export function resolveRange(start: number, end: number, size: number): Range {
  let from = start < 0 ? start + size : start;
  let to = end < 0 ? end + size : end;
  if (from < 0) from = 0;
  if (from > to || from >= size) {
    resolved.first = 0;
    resolved.count = 0;
  } else {
    if (to >= size) to = size - 1;
    resolved.first = from;
    resolved.count = to - from + 1;
  }
  return resolved;
}

export function lRange(call: Call): void {
  const start = integerArg(call, 1);
  const end = integerArg(call, 2);
  if (Number.isNaN(start) || Number.isNaN(end)) {
    call.error(NOT_INTEGER);
    return;
  }
  const list = getList(call, call.arg(0));
  if (list === WRONG_TYPE) {
    call.wrongType();
    return;
  }
  if (list === undefined) {
    call.array(0);
    return;
  }
  const { first, count } = resolveRange(start, end, list.size);
  if (!call.fitsReply(rangeBytes(list, first, count))) return;
  call.array(count);
  for (let i = first; i < first + count; i++) call.bulk(list.at(i));
}

/** Reply bytes of `count` elements from index `first`, counted no further than the limit. */
function rangeBytes(list: ListValue, first: number, count: number): number {
  let bytes = ARRAY_HEADER_BYTES;
  for (let i = first; i < first + count && bytes <= REPLY_BYTES_MAX; i++) {
    bytes += BULK_HEADER_BYTES + list.at(i).length;
  }
  return bytes;
}

export function lIndex(call: Call): void {
  const list = getList(call, call.arg(0));
  if (list === WRONG_TYPE) {
    call.wrongType();
    return;
  }
  if (list === undefined) {
    call.nil();
    return;
  }
  const index = integerArg(call, 1);
  if (Number.isNaN(index)) {
    call.error(NOT_INTEGER);
    return;
  }
  const at = index < 0 ? index + list.size : index;
  if (at < 0 || at >= list.size) call.nil();
  else call.bulk(list.at(at));
}

// ---- LPOS ---------------------------------------------------------------------------------

/** LPOS's options: rank (negative: from the tail), count (-1: not given), maxlen (0: all). */
interface Search {
  rank: number;
  count: number;
  maxlen: number;
}

const search: Search = { rank: 1, count: -1, maxlen: 0 };

/** Reads LPOS's options from argument 2 on; answers the error and returns undefined if wrong. */
function searchOptions(call: Call): Search | undefined {
  search.rank = 1;
  search.count = -1;
  search.maxlen = 0;
  for (let i = 2; i < call.argc; i++) {
    const more = i + 1 < call.argc;
    if (more && call.argIs(i, 'RANK')) {
      const rank = int64Arg(call, ++i);
      if (rank === undefined) return failed(call, NOT_INTEGER);
      if (rank === 0) return failed(call, LPOS_RANK_ZERO);
      // Redis 7.0 negates the rank in a C long: -2^63 stays negative (it overflows), so the
      // search runs from the tail, every match qualifies and COUNT never stops it.
      search.rank = rank === INT64_MIN ? Number.NEGATIVE_INFINITY : Number(rank);
    } else if (more && call.argIs(i, 'COUNT')) {
      search.count = integerArg(call, ++i);
      if (!(search.count >= 0)) return failed(call, LPOS_COUNT_NEGATIVE);
    } else if (more && call.argIs(i, 'MAXLEN')) {
      search.maxlen = integerArg(call, ++i);
      if (!(search.maxlen >= 0)) return failed(call, LPOS_MAXLEN_NEGATIVE);
    } else {
      return failed(call, SYNTAX);
    }
  }
  return search;
}

function failed(call: Call, text: string): undefined {
  call.error(text);
  return undefined;
}

/**
 * LPOS key element [RANK rank] [COUNT count] [MAXLEN len]: the index of the rank-th match (nil
 * when none), or with COUNT an array of up to count matches from there (0: all of them).
 */
export function lPos(call: Call): void {
  const options = searchOptions(call);
  if (options === undefined) return;
  const list = getList(call, call.arg(0));
  if (list === WRONG_TYPE) {
    call.wrongType();
    return;
  }
  const withCount = options.count !== -1;
  if (list === undefined) {
    if (withCount) call.array(0);
    else call.nil();
    return;
  }
  const matches = findMatches(list, call.arg(1), options);
  if (!withCount) {
    if (matches.length === 0) call.nil();
    else call.int(matches[0]!);
  } else if (call.fitsReply(ARRAY_HEADER_BYTES + INT_BYTES * matches.length)) {
    call.array(matches.length);
    for (const index of matches) call.int(index);
  }
}

/** The indexes LPOS answers: from the rank-th match, up to count (without COUNT: one). */
function findMatches(list: ListValue, element: string, options: Search): number[] {
  const fromTail = options.rank < 0;
  const rank = fromTail ? -options.rank : options.rank;
  const limit = options.count === -1 ? 1 : rank === Number.POSITIVE_INFINITY ? 0 : options.count;
  const size = list.size;
  const scan = options.maxlen === 0 ? size : Math.min(size, options.maxlen);
  const found: number[] = [];
  let matches = 0;
  for (let i = 0; i < scan; i++) {
    const index = fromTail ? size - 1 - i : i;
    if (list.at(index) !== element) continue;
    matches++;
    if (rank !== Number.POSITIVE_INFINITY && matches < rank) continue;
    found.push(index);
    if (limit !== 0 && found.length >= limit) break;
  }
  return found;
}
