// Score and lex ranges, parsed as Redis parses them (zslParseRange, zslParseLexRange) and turned
// into ranks of a sorted set.
//
// A score range is always a block of ranks, found by two O(log n) searches. A lex range assumes
// equal scores, as Redis's does: on a set held in a tree it is found by two searches on member
// names; on a compact set it is found by scanning from the end the walk starts at, as Redis scans
// a listpack, so that a lex range over unequal scores (which Redis leaves undefined) still
// answers as Redis 7.0 answers it for small sets.

import { ZRANGE_NOT_FLOAT, ZRANGE_NOT_LEX } from '../../../src/shared/reply-errors.js';
import type { ZSetValue } from '../../keyspace/zset-value.js';
import type { Call } from '../call.js';
import { parseBoundScore } from './score-text.js';

export const scoreRange = { min: 0, max: 0, minExclusive: false, maxExclusive: false };

/** Reads one score bound into scoreRange; false when it is not a float. */
function readBound(text: string, isMin: boolean): boolean {
  const exclusive = text.charCodeAt(0) === 0x28; // '('
  const bound = parseBoundScore(text, exclusive ? 1 : 0);
  if (bound === undefined) return false;
  if (isMin) {
    scoreRange.min = bound;
    scoreRange.minExclusive = exclusive;
  } else {
    scoreRange.max = bound;
    scoreRange.maxExclusive = exclusive;
  }
  return true;
}

/** Parses arguments minIndex and maxIndex into scoreRange, or answers Redis's error. */
export function parseScoreRange(call: Call, minIndex: number, maxIndex: number): boolean {
  if (readBound(call.arg(minIndex), true) && readBound(call.arg(maxIndex), false)) return true;
  call.error(ZRANGE_NOT_FLOAT);
  return false;
}

/** The first rank in scoreRange. */
export function scoreLow(value: ZSetValue): number {
  return value.countByScore(scoreRange.min, scoreRange.minExclusive);
}

/** The rank past the last one in scoreRange (at least scoreLow). */
export function scoreHigh(value: ZSetValue): number {
  return Math.max(value.countByScore(scoreRange.max, !scoreRange.maxExclusive), scoreLow(value));
}

/** What a lex bound is: a member name, or '-' (below all) or '+' (above all). */
export const LexKind = { Name: 0, Lowest: -1, Highest: 1 } as const;
type LexKind = (typeof LexKind)[keyof typeof LexKind];

export const lexRange = {
  min: '',
  minKind: LexKind.Name as LexKind,
  minExclusive: false,
  max: '',
  maxKind: LexKind.Name as LexKind,
  maxExclusive: false,
};

/** Reads one lex bound ('-', '+', '[name' or '(name'); false when it is none of them. */
function readLexBound(text: string, isMin: boolean): boolean {
  const first = text.charCodeAt(0);
  let kind: LexKind = LexKind.Name;
  if (first === 0x2b || first === 0x2d) {
    // '+' or '-' alone (C reads the text up to a NUL byte).
    if (text.length > 1 && text.charCodeAt(1) !== 0) return false;
    kind = first === 0x2b ? LexKind.Highest : LexKind.Lowest;
  } else if (first !== 0x28 && first !== 0x5b) {
    return false;
  }
  const name = kind === LexKind.Name ? text.slice(1) : '';
  const exclusive = first !== 0x5b;
  if (isMin) {
    lexRange.min = name;
    lexRange.minKind = kind;
    lexRange.minExclusive = exclusive;
  } else {
    lexRange.max = name;
    lexRange.maxKind = kind;
    lexRange.maxExclusive = exclusive;
  }
  return true;
}

/** Parses arguments minIndex and maxIndex into lexRange, or answers Redis's error. */
export function parseLexRange(call: Call, minIndex: number, maxIndex: number): boolean {
  if (readLexBound(call.arg(minIndex), true) && readLexBound(call.arg(maxIndex), false)) {
    return true;
  }
  call.error(ZRANGE_NOT_LEX);
  return false;
}

/** Redis's sdscmplex: compares a name with a bound, '-' below and '+' above every name. */
function compareLex(name: string, bound: string, kind: LexKind): number {
  if (kind !== LexKind.Name) return -kind;
  return name < bound ? -1 : name > bound ? 1 : 0;
}

export function aboveLexMin(name: string): boolean {
  const c = compareLex(name, lexRange.min, lexRange.minKind);
  return lexRange.minExclusive ? c > 0 : c >= 0;
}

export function belowLexMax(name: string): boolean {
  const c = compareLex(name, lexRange.max, lexRange.maxKind);
  return lexRange.maxExclusive ? c < 0 : c <= 0;
}

/** Whether lexRange is empty whatever the set holds (min after max, or equal and exclusive). */
function lexRangeEmpty(): boolean {
  const { min, minKind, max, maxKind } = lexRange;
  let c: number;
  if (minKind === maxKind && minKind !== LexKind.Name) c = 0;
  else if (minKind === LexKind.Lowest || maxKind === LexKind.Highest) c = -1;
  else if (minKind === LexKind.Highest || maxKind === LexKind.Lowest) c = 1;
  else c = min < max ? -1 : min > max ? 1 : 0;
  return c > 0 || (c === 0 && (lexRange.minExclusive || lexRange.maxExclusive));
}

/**
 * Where a walk over lexRange starts: the first member in range (the last one with `reverse`),
 * or -1 when none is (Redis's zzlFirstInLexRange / zslFirstInLexRange and their Last twins).
 */
export function lexStart(value: ZSetValue, reverse: boolean): number {
  const size = value.size;
  if (size === 0 || lexRangeEmpty()) return -1;
  if (!aboveLexMin(value.memberAt(size - 1)) || !belowLexMax(value.memberAt(0))) return -1;
  if (!value.compact) {
    const rank = reverse ? lexTreeHigh(value) - 1 : lexTreeLow(value);
    if (rank < 0 || rank >= size) return -1;
    const name = value.memberAt(rank);
    return (reverse ? aboveLexMin(name) : belowLexMax(name)) ? rank : -1;
  }
  if (reverse) {
    for (let rank = size - 1; rank >= 0; rank--) {
      const name = value.memberAt(rank);
      if (belowLexMax(name)) return aboveLexMin(name) ? rank : -1;
    }
  } else {
    for (let rank = 0; rank < size; rank++) {
      const name = value.memberAt(rank);
      if (aboveLexMin(name)) return belowLexMax(name) ? rank : -1;
    }
  }
  return -1;
}

/** The first rank at or above the lex minimum, by search (a set held in a tree). */
function lexTreeLow(value: ZSetValue): number {
  if (lexRange.minKind !== LexKind.Name)
    return lexRange.minKind === LexKind.Lowest ? 0 : value.size;
  return value.countByMember(lexRange.min, lexRange.minExclusive);
}

/** The rank past the last one at or below the lex maximum, by search. */
function lexTreeHigh(value: ZSetValue): number {
  if (lexRange.maxKind !== LexKind.Name)
    return lexRange.maxKind === LexKind.Lowest ? 0 : value.size;
  return value.countByMember(lexRange.max, !lexRange.maxExclusive);
}

/**
 * How many members a walk from `start` takes while they stay in lexRange (below the maximum
 * going up, above the minimum going down), at most `limit` (negative: no limit).
 */
export function lexRun(value: ZSetValue, start: number, reverse: boolean, limit: number): number {
  if (!value.compact) {
    const end = reverse ? lexTreeLow(value) : lexTreeHigh(value);
    const run = Math.max(0, reverse ? start - end + 1 : end - start);
    return limit < 0 ? run : Math.min(run, limit);
  }
  let run = 0;
  for (let rank = start; rank >= 0 && rank < value.size; rank += reverse ? -1 : 1) {
    if (run === limit) break;
    const name = value.memberAt(rank);
    if (!(reverse ? aboveLexMin(name) : belowLexMax(name))) break;
    run++;
  }
  return run;
}
