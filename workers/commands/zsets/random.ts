// ZRANDMEMBER key [count [WITHSCORES]] (Redis's zrandmemberCommand). A positive count asks for
// distinct members (the whole set when it has no more), a negative one for that many picks that
// may repeat. Picks are random ranks, each found in O(log n).

import { INT64_MIN, parseInt64 } from '../../../src/shared/numbers.js';
import {
  NOT_INTEGER,
  RANDOM_COUNT_RANGE,
  SYNTAX,
  VALUE_OUT_OF_RANGE,
} from '../../../src/shared/reply-errors.js';
import { WRONG_TYPE } from '../../keyspace/value.js';
import type { ZSetValue } from '../../keyspace/zset-value.js';
import type { Call } from '../call.js';
import { lookup, replyRange } from './common.js';
import { formatScore } from './score-text.js';

/** LONG_MAX / 2: WITHSCORES doubles the reply, so Redis refuses a count beyond this. */
const WITHSCORES_COUNT_MAX = 4611686018427387903n;

/** ZRANDMEMBER key [count [WITHSCORES]] */
export function zrandmember(call: Call): void {
  if (call.argc === 1) {
    const value = lookup(call, 0);
    if (value === WRONG_TYPE) call.wrongType();
    else if (value === undefined) call.nil();
    else call.bulk(value.memberAt(Math.floor(Math.random() * value.size)));
    return;
  }
  const parsed = parseInt64(call.arg(1));
  if (parsed === undefined) {
    call.error(NOT_INTEGER);
    return;
  }
  if (parsed === INT64_MIN) {
    call.error(RANDOM_COUNT_RANGE);
    return;
  }
  if (call.argc > 3 || (call.argc === 3 && !call.argIs(2, 'WITHSCORES'))) {
    call.error(SYNTAX);
    return;
  }
  const withScores = call.argc === 3;
  const big = BigInt(parsed);
  if (withScores && (big < -WITHSCORES_COUNT_MAX || big > WITHSCORES_COUNT_MAX)) {
    call.error(VALUE_OUT_OF_RANGE);
    return;
  }
  const value = lookup(call, 0);
  if (value === WRONG_TYPE) call.wrongType();
  else if (value === undefined || parsed === 0) call.array(0);
  else if (parsed < 0) picks(call, value, -Number(parsed), withScores);
  else if (parsed >= value.size) replyRange(call, value, 0, value.size, false, withScores);
  else distinct(call, value, Number(parsed), withScores);
}

/** `count` distinct random ranks (count < size), by Floyd's sampling. */
function distinct(call: Call, value: ZSetValue, count: number, withScores: boolean): void {
  const size = value.size;
  const chosen = new Set<number>();
  for (let j = size - count; j < size; j++) {
    const t = Math.floor(Math.random() * (j + 1));
    chosen.add(chosen.has(t) ? j : t);
  }
  const members: string[] = [];
  const scores: string[] = [];
  let bytes = 5;
  for (const rank of chosen) {
    const member = value.memberAt(rank);
    members.push(member);
    bytes += 5 + member.length;
    if (withScores) {
      const text = formatScore(value.scoreAt(rank));
      scores.push(text);
      bytes += 5 + text.length;
    }
  }
  if (!call.fitsReply(bytes)) return;
  call.array(withScores ? count * 2 : count);
  for (let i = 0; i < count; i++) {
    call.bulk(members[i]!);
    if (withScores) call.bulk(scores[i]!);
  }
}

/**
 * `count` picks that may repeat. The picks come from a generator seeded once, run twice: first to
 * size the reply (which may not fit a frame), then to write it, so nothing is held per pick.
 */
function picks(call: Call, value: ZSetValue, count: number, withScores: boolean): void {
  // Every entry takes at least 5 bytes, a score at least 6 ("$1" and one digit, in our framing).
  if (!call.fitsReply(5 + count * (withScores ? 11 : 5))) return;
  const seed = Math.floor(Math.random() * 2 ** 32);
  const size = value.size;
  let state = seed;
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return Math.floor((((t ^ (t >>> 14)) >>> 0) / 4294967296) * size);
  };
  let bytes = 5;
  for (let i = 0; i < count; i++) {
    const rank = next();
    bytes += 5 + value.memberAt(rank).length;
    if (withScores) bytes += 5 + formatScore(value.scoreAt(rank)).length;
  }
  if (!call.fitsReply(bytes)) return;
  state = seed;
  call.array(withScores ? count * 2 : count);
  for (let i = 0; i < count; i++) {
    const rank = next();
    call.bulk(value.memberAt(rank));
    if (withScores) call.bulk(formatScore(value.scoreAt(rank)));
  }
}
