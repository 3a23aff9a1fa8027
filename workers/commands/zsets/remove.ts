// The sorted-set commands that remove members: ZREM, ZREMRANGEBYSCORE, ZREMRANGEBYRANK, ZPOPMIN,
// ZPOPMAX. A set they empty is deleted.

import { parseInt64 } from '../../../src/shared/numbers.js';
import { NOT_POSITIVE, SYNTAX } from '../../../src/shared/reply-errors.js';
import { WRONG_TYPE } from '../../keyspace/value.js';
import type { ZSetValue } from '../../keyspace/zset-value.js';
import type { Call } from '../call.js';
import { integerArg, lookup, removed } from './common.js';
import { parseScoreRange, scoreHigh, scoreLow } from './ranges.js';
import { formatScore } from './score-text.js';

/** ZREM key member [member ...] */
export function zrem(call: Call): void {
  const value = lookup(call, 0);
  if (value === WRONG_TYPE) {
    call.wrongType();
    return;
  }
  let count = 0;
  if (value !== undefined) {
    for (let i = 1; i < call.argc && value.size > 0; i++) {
      if (value.remove(call.arg(i))) count++;
    }
    if (count > 0) removed(call, 0, value);
  }
  call.int(count);
}

/** Removes the members of ranks [low, high) and replies how many. */
function removeBlock(call: Call, value: ZSetValue, low: number, high: number): void {
  const members: string[] = [];
  value.walk(low, high - low, false, (member) => members.push(member));
  for (const member of members) value.remove(member);
  if (members.length > 0) removed(call, 0, value);
  call.int(members.length);
}

/** ZREMRANGEBYSCORE key min max */
export function zremrangebyscore(call: Call): void {
  if (!parseScoreRange(call, 1, 2)) return;
  const value = lookup(call, 0);
  if (value === WRONG_TYPE) call.wrongType();
  else if (value === undefined) call.int(0);
  else removeBlock(call, value, scoreLow(value), scoreHigh(value));
}

/** ZREMRANGEBYRANK key start stop */
export function zremrangebyrank(call: Call): void {
  let start = integerArg(call, 1);
  if (start === undefined) return;
  let end = integerArg(call, 2);
  if (end === undefined) return;
  const value = lookup(call, 0);
  if (value === WRONG_TYPE) {
    call.wrongType();
    return;
  }
  const size = value?.size ?? 0;
  if (start < 0) start = size + start;
  if (end < 0) end = size + end;
  if (start < 0) start = 0;
  if (value === undefined || start > end || start >= size) {
    call.int(0);
    return;
  }
  removeBlock(call, value, start, Math.min(end, size - 1) + 1);
}

function popGeneric(call: Call, max: boolean): void {
  if (call.argc > 2) {
    call.error(SYNTAX);
    return;
  }
  let count = 1;
  if (call.argc === 2) {
    const parsed = parseInt64(call.arg(1));
    if (parsed === undefined || parsed < 0) {
      call.error(NOT_POSITIVE);
      return;
    }
    count = Number(parsed);
  }
  const value = lookup(call, 0);
  if (value === WRONG_TYPE) {
    call.wrongType();
    return;
  }
  if (value === undefined || count === 0) {
    call.array(0);
    return;
  }
  count = Math.min(count, value.size);
  const members: string[] = [];
  const scores: string[] = [];
  let bytes = 5;
  value.walk(max ? value.size - 1 : 0, count, max, (member, score) => {
    const text = formatScore(score);
    members.push(member);
    scores.push(text);
    bytes += 10 + member.length + text.length;
  });
  // Checked before anything is popped: a reply that cannot be sent must not lose members.
  if (!call.fitsReply(bytes)) return;
  for (const member of members) value.remove(member);
  removed(call, 0, value);
  call.array(count * 2);
  for (let i = 0; i < count; i++) {
    call.bulk(members[i]!);
    call.bulk(scores[i]!);
  }
}

/** ZPOPMIN key [count] */
export function zpopmin(call: Call): void {
  popGeneric(call, false);
}

/** ZPOPMAX key [count] */
export function zpopmax(call: Call): void {
  popGeneric(call, true);
}
