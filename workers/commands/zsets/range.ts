// ZRANGE and ZRANGESTORE (Redis's zrangeGenericCommand): by rank, BYSCORE or BYLEX, REV, LIMIT,
// WITHSCORES. Options are read first, then checked against each other, then the range is parsed,
// then the key is looked up, each step answering its error in Redis's order. Every form comes down
// to a block of ranks walked up or down.

import {
  SYNTAX,
  ZRANGE_LIMIT_WITH_RANK,
  ZRANGE_WITHSCORES_WITH_LEX,
} from '../../../src/shared/reply-errors.js';
import { WRONG_TYPE } from '../../keyspace/value.js';
import { COMPACT_MEMBERS_MAX, ZSetValue } from '../../keyspace/zset-value.js';
import type { Call } from '../call.js';
import { integerArg, lookup, replyRange } from './common.js';
import { lexRun, lexStart, parseLexRange, parseScoreRange, scoreHigh, scoreLow } from './ranges.js';
import { storeResult } from './store-result.js';

const RangeBy = { Rank: 0, Score: 1, Lex: 2 } as const;
type RangeBy = (typeof RangeBy)[keyof typeof RangeBy];

/** The request being run (one at a time on a shard). */
const request = {
  by: RangeBy.Rank as RangeBy,
  reverse: false,
  withScores: false,
  offset: 0,
  limit: -1,
  start: 0,
  end: 0,
};

/** Reads the options after `source min max`; false after answering an error. */
function parseOptions(call: Call, source: number, store: boolean): boolean {
  let by: RangeBy | undefined;
  request.reverse = false;
  request.withScores = false;
  request.offset = 0;
  request.limit = -1;
  for (let j = source + 3; j < call.argc; j++) {
    const left = call.argc - j - 1;
    if (!store && call.argIs(j, 'WITHSCORES')) {
      request.withScores = true;
    } else if (call.argIs(j, 'LIMIT') && left >= 2) {
      const offset = integerArg(call, j + 1);
      if (offset === undefined) return false;
      const limit = integerArg(call, j + 2);
      if (limit === undefined) return false;
      request.offset = offset;
      request.limit = limit;
      j += 2;
    } else if (!request.reverse && call.argIs(j, 'REV')) {
      request.reverse = true;
    } else if (by === undefined && call.argIs(j, 'BYLEX')) {
      by = RangeBy.Lex;
    } else if (by === undefined && call.argIs(j, 'BYSCORE')) {
      by = RangeBy.Score;
    } else {
      call.error(SYNTAX);
      return false;
    }
  }
  request.by = by ?? RangeBy.Rank;
  return true;
}

/** Parses the whole request of a ZRANGE (source 0) or ZRANGESTORE (source 1). */
function parseRequest(call: Call, source: number, store: boolean): boolean {
  if (!parseOptions(call, source, store)) return false;
  if (request.limit !== -1 && request.by === RangeBy.Rank) {
    call.error(ZRANGE_LIMIT_WITH_RANK);
    return false;
  }
  if (request.withScores && request.by === RangeBy.Lex) {
    call.error(ZRANGE_WITHSCORES_WITH_LEX);
    return false;
  }
  // BYSCORE and BYLEX with REV take the range as max, min.
  const swap = request.reverse && request.by !== RangeBy.Rank;
  const min = source + (swap ? 2 : 1);
  const max = source + (swap ? 1 : 2);
  if (request.by === RangeBy.Score) return parseScoreRange(call, min, max);
  if (request.by === RangeBy.Lex) return parseLexRange(call, min, max);
  const start = integerArg(call, min);
  if (start === undefined) return false;
  const end = integerArg(call, max);
  if (end === undefined) return false;
  request.start = start;
  request.end = end;
  return true;
}

/** The block a request covers in `value`: `count` ranks from `from` (downwards when reversed). */
const block = { from: 0, count: 0 };

function resolveRanks(value: ZSetValue): void {
  const size = value.size;
  let start = request.start < 0 ? size + request.start : request.start;
  let end = request.end < 0 ? size + request.end : request.end;
  if (start < 0) start = 0;
  if (start > end || start >= size) {
    block.count = 0;
    return;
  }
  if (end >= size) end = size - 1;
  block.count = end - start + 1;
  block.from = request.reverse ? size - 1 - start : start;
}

/** Applies LIMIT to a block of ranks [low, high). */
function limited(low: number, high: number): void {
  const reverse = request.reverse;
  block.from = reverse ? high - 1 - request.offset : low + request.offset;
  let count = reverse ? block.from - low + 1 : high - block.from;
  if (request.offset < 0 || count < 0) count = 0;
  block.count = request.limit < 0 ? count : Math.min(count, request.limit);
}

function resolve(value: ZSetValue): void {
  if (request.by === RangeBy.Rank) {
    resolveRanks(value);
  } else if (request.by === RangeBy.Score) {
    limited(scoreLow(value), scoreHigh(value));
  } else {
    const start = lexStart(value, request.reverse);
    block.count = 0;
    if (start < 0 || request.offset < 0) return;
    block.from = request.reverse ? start - request.offset : start + request.offset;
    block.count = lexRun(value, block.from, request.reverse, request.limit);
  }
}

/** ZRANGE key min max [BYSCORE|BYLEX] [REV] [LIMIT offset count] [WITHSCORES] */
export function zrange(call: Call): void {
  if (!parseRequest(call, 0, false)) return;
  const value = lookup(call, 0);
  if (value === WRONG_TYPE) {
    call.wrongType();
    return;
  }
  if (value === undefined) {
    call.array(0);
    return;
  }
  resolve(value);
  replyRange(call, value, block.from, block.count, request.reverse, request.withScores);
}

/** ZRANGESTORE dst src min max [BYSCORE|BYLEX] [REV] [LIMIT offset count] */
export function zrangestore(call: Call): void {
  if (!parseRequest(call, 1, true)) return;
  const value = lookup(call, 1);
  if (value === WRONG_TYPE) {
    call.wrongType();
    return;
  }
  if (value === undefined) {
    storeResult(call, undefined);
    return;
  }
  resolve(value);
  const { from, count } = block;
  // Redis makes a rank range's destination a listpack when the count says it fits, and starts
  // any other one as a listpack; either converts as members are added (see zset-value.ts).
  let compact = request.by !== RangeBy.Rank || count <= COMPACT_MEMBERS_MAX;
  const members: string[] = [];
  const scores = new Float64Array(count);
  value.walk(from, count, request.reverse, (member, score) => {
    if (compact && !ZSetValue.fitsCompact(members.length + 1, member)) compact = false;
    scores[members.length] = compact && score === 0 ? 0 : score;
    members.push(member);
  });
  if (request.reverse) {
    members.reverse();
    scores.reverse();
  }
  storeResult(call, count === 0 ? undefined : ZSetValue.fromSorted(members, scores, compact));
}
