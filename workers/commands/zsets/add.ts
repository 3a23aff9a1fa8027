// ZADD and ZINCRBY (Redis's zaddGenericCommand and zsetAdd): options, then every score checked
// before anything changes, then the members added or moved one by one.

import {
  NOT_FLOAT,
  SYNTAX,
  ZADD_GT_LT_NX,
  ZADD_INCR_PAIRS,
  ZADD_NX_AND_XX,
  ZSCORE_NAN,
} from '../../../src/shared/reply-errors.js';
import { WRONG_TYPE } from '../../keyspace/value.js';
import { ZSetValue } from '../../keyspace/zset-value.js';
import type { Call } from '../call.js';
import { lookup } from './common.js';
import { formatScore, parseScore } from './score-text.js';

const AddOption = { NX: 1, XX: 2, GT: 4, LT: 8, CH: 16, Incr: 32 } as const;

/** What adding one member did. */
const Outcome = { Added: 0, Updated: 1, Unchanged: 2, Skipped: 3, NaN: 4 } as const;
type Outcome = (typeof Outcome)[keyof typeof Outcome];

/** The score a member ended with (ZADD INCR replies it). */
let newScore = 0;

/** Scores of the current call, parsed before any change (grown as needed, reused). */
let scores = new Float64Array(16);

/** The options before the first score; returns the flags and sets `optionsEnd`. */
let optionsEnd = 0;
function parseOptions(call: Call, flags: number): number {
  let at = 1;
  for (; at < call.argc; at++) {
    if (call.argIs(at, 'NX')) flags |= AddOption.NX;
    else if (call.argIs(at, 'XX')) flags |= AddOption.XX;
    else if (call.argIs(at, 'CH')) flags |= AddOption.CH;
    else if (call.argIs(at, 'INCR')) flags |= AddOption.Incr;
    else if (call.argIs(at, 'GT')) flags |= AddOption.GT;
    else if (call.argIs(at, 'LT')) flags |= AddOption.LT;
    else break;
  }
  optionsEnd = at;
  return flags;
}

/** Redis's checks of the options against each other, in its order; true when they are fine. */
function optionsCompatible(call: Call, flags: number, pairs: number): boolean {
  const nx = (flags & AddOption.NX) !== 0;
  const gt = (flags & AddOption.GT) !== 0;
  const lt = (flags & AddOption.LT) !== 0;
  if (nx && flags & AddOption.XX) call.error(ZADD_NX_AND_XX);
  else if ((gt && nx) || (lt && nx) || (gt && lt)) call.error(ZADD_GT_LT_NX);
  else if (flags & AddOption.Incr && pairs > 1) call.error(ZADD_INCR_PAIRS);
  else return true;
  return false;
}

/** Adds or moves one member as zsetAdd does; sets newScore unless the outcome is Skipped. */
function addOne(value: ZSetValue, member: string, score: number, flags: number): Outcome {
  const current = value.score(member);
  if (current === undefined) {
    if (flags & AddOption.XX) return Outcome.Skipped;
    value.set(member, score);
    newScore = score;
    return Outcome.Added;
  }
  if (flags & AddOption.NX) return Outcome.Skipped;
  if (flags & AddOption.Incr) {
    score += current;
    if (Number.isNaN(score)) return Outcome.NaN;
  }
  if ((flags & AddOption.LT && score >= current) || (flags & AddOption.GT && score <= current)) {
    return Outcome.Skipped;
  }
  newScore = score;
  // -0 and 0 are the same score: no move, the stored one stays.
  if (score === current) return Outcome.Unchanged;
  value.set(member, score);
  return Outcome.Updated;
}

function zaddGeneric(call: Call, flags: number): void {
  flags = parseOptions(call, flags);
  const first = optionsEnd;
  const left = call.argc - first;
  if (left % 2 !== 0 || left === 0) {
    call.error(SYNTAX);
    return;
  }
  const pairs = left / 2;
  if (!optionsCompatible(call, flags, pairs)) return;
  if (scores.length < pairs) scores = new Float64Array(pairs * 2);
  for (let j = 0; j < pairs; j++) {
    const score = parseScore(call.arg(first + j * 2));
    if (score === undefined) {
      call.error(NOT_FLOAT);
      return;
    }
    scores[j] = score;
  }
  const found = lookup(call, 0);
  if (found === WRONG_TYPE) {
    call.wrongType();
    return;
  }
  if (found === undefined && flags & AddOption.XX) {
    reply(call, flags, 0, 0);
    return;
  }
  const value = found ?? new ZSetValue();
  let added = 0;
  let updated = 0;
  let processed = 0;
  for (let j = 0; j < pairs; j++) {
    const outcome = addOne(value, call.arg(first + j * 2 + 1), scores[j]!, flags);
    if (outcome === Outcome.NaN) {
      call.error(ZSCORE_NAN);
      return;
    }
    if (outcome === Outcome.Added) added++;
    else if (outcome === Outcome.Updated) updated++;
    if (outcome !== Outcome.Skipped) processed++;
  }
  if (found === undefined) {
    if (value.size > 0) call.keyspace.set(call.slot, call.arg(0), value);
  } else if (added + updated > 0) call.keyspace.modified(call.slot, call.arg(0));
  reply(call, flags, processed, flags & AddOption.CH ? added + updated : added);
}

function reply(call: Call, flags: number, processed: number, count: number): void {
  if (!(flags & AddOption.Incr)) call.int(count);
  else if (processed > 0) call.bulk(formatScore(newScore));
  else call.nil();
}

/** ZADD key [NX|XX] [GT|LT] [CH] [INCR] score member [score member ...] */
export function zadd(call: Call): void {
  zaddGeneric(call, 0);
}

/**
 * ZINCRBY key increment member: ZADD with INCR, options parsing included, as in Redis (so
 * `ZINCRBY key nx member` is a syntax error there too).
 */
export function zincrby(call: Call): void {
  zaddGeneric(call, AddOption.Incr);
}
