// The sorted-set commands that read one member or count some: ZSCORE, ZMSCORE, ZCARD, ZCOUNT,
// ZLEXCOUNT, ZRANK, ZREVRANK. Range arguments are checked before the key is looked up, as Redis
// does.

import { WRONG_TYPE } from '../../keyspace/value.js';
import type { Call } from '../call.js';
import { lookup } from './common.js';
import { lexRun, lexStart, parseLexRange, parseScoreRange, scoreHigh, scoreLow } from './ranges.js';
import { formatScore } from './score-text.js';

/** ZSCORE key member */
export function zscore(call: Call): void {
  const value = lookup(call, 0);
  if (value === WRONG_TYPE) {
    call.wrongType();
    return;
  }
  const score = value?.score(call.arg(1));
  if (score === undefined) call.nil();
  else call.bulk(formatScore(score));
}

/** ZMSCORE key member [member ...] */
export function zmscore(call: Call): void {
  const value = lookup(call, 0);
  if (value === WRONG_TYPE) {
    call.wrongType();
    return;
  }
  call.array(call.argc - 1);
  for (let i = 1; i < call.argc; i++) {
    const score = value?.score(call.arg(i));
    if (score === undefined) call.nil();
    else call.bulk(formatScore(score));
  }
}

/** ZCARD key */
export function zcard(call: Call): void {
  const value = lookup(call, 0);
  if (value === WRONG_TYPE) call.wrongType();
  else call.int(value?.size ?? 0);
}

/** ZCOUNT key min max */
export function zcount(call: Call): void {
  if (!parseScoreRange(call, 1, 2)) return;
  const value = lookup(call, 0);
  if (value === WRONG_TYPE) call.wrongType();
  else call.int(value === undefined ? 0 : scoreHigh(value) - scoreLow(value));
}

/** ZLEXCOUNT key min max */
export function zlexcount(call: Call): void {
  if (!parseLexRange(call, 1, 2)) return;
  const value = lookup(call, 0);
  if (value === WRONG_TYPE) {
    call.wrongType();
    return;
  }
  const start = value === undefined ? -1 : lexStart(value, false);
  call.int(start < 0 ? 0 : lexRun(value!, start, false, -1));
}

function rankGeneric(call: Call, reverse: boolean): void {
  const value = lookup(call, 0);
  if (value === WRONG_TYPE) {
    call.wrongType();
    return;
  }
  const rank = value === undefined ? -1 : value.rank(call.arg(1));
  if (rank < 0) call.nil();
  else call.int(reverse ? value!.size - 1 - rank : rank);
}

/** ZRANK key member */
export function zrank(call: Call): void {
  rankGeneric(call, false);
}

/** ZREVRANK key member */
export function zrevrank(call: Call): void {
  rankGeneric(call, true);
}
