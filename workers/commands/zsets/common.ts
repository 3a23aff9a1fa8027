// What the sorted-set handlers share: the typed lookup, the rule that an emptied set deletes its
// key, integer arguments, and replies of members with scores that are checked against the reply
// limit before anything is written.

import { parseInt64 } from '../../../src/shared/numbers.js';
import { NOT_INTEGER } from '../../../src/shared/reply-errors.js';
import { ValueKind } from '../../../src/shared/value-types.js';
import type { WrongType } from '../../keyspace/value.js';
import type { ZSetValue } from '../../keyspace/zset-value.js';
import type { Call } from '../call.js';
import { formatScore, SCORE_CHARS_MAX } from './score-text.js';

/** The sorted set at argument `index`: undefined when missing, WRONG_TYPE for another type. */
export function lookup(call: Call, index: number): ZSetValue | undefined | WrongType {
  return call.keyspace.getCollection<ZSetValue>(call.slot, call.arg(index), ValueKind.ZSet);
}

/**
 * After members were removed from `value` at argument `index` (and only then): deletes the key
 * when the set is empty, as Redis never keeps an empty one, or signals the change.
 */
export function removed(call: Call, index: number, value: ZSetValue): void {
  const key = call.arg(index);
  if (value.size === 0) call.keyspace.delete(call.slot, key);
  else call.keyspace.modified(call.slot, key);
}

/**
 * Argument `index` as Redis's getLongFromObject reads it (an int64; values past 2^53 are rounded,
 * which no rank or count can tell apart), or undefined after answering the error.
 */
export function integerArg(call: Call, index: number): number | undefined {
  const value = parseInt64(call.arg(index));
  if (value === undefined) {
    call.error(NOT_INTEGER);
    return undefined;
  }
  return Number(value);
}

/** Bytes a reply entry for `member` takes, plus its score's at most when `withScores`. */
function entryBytes(member: string, withScores: boolean): number {
  return 5 + member.length + (withScores ? 5 + SCORE_CHARS_MAX : 0);
}

/**
 * Replies `count` members from rank `from` (downwards with `reverse`) as a flat array, each
 * followed by its score when `withScores` (RESP2's shape). Answers the reply-limit error instead
 * when the reply could not fit in one frame.
 */
export function replyRange(
  call: Call,
  value: ZSetValue,
  from: number,
  count: number,
  reverse: boolean,
  withScores: boolean,
): void {
  let bytes = 5;
  value.walk(from, count, reverse, (member) => {
    bytes += entryBytes(member, withScores);
  });
  if (!call.fitsReply(bytes)) return;
  call.array(withScores ? count * 2 : count);
  if (withScores) {
    value.walk(from, count, reverse, (member, score) => {
      call.bulk(member);
      call.bulk(formatScore(score));
    });
  } else {
    value.walk(from, count, reverse, (member) => call.bulk(member));
  }
}
