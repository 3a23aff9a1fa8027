// Arguments of the list commands as t_list.c reads them: integers (string2ll's rules) and the
// LEFT/RIGHT side of LMOVE and LMPOP.

import { type Int64, parseInt64 } from '../../../src/shared/numbers.js';
import type { Call } from '../call.js';

/**
 * Argument `i` as an integer, or NaN when it is not one within int64. Values past 2^53 come back
 * rounded: the list commands only compare them with lengths (under 2^32), which rounding cannot
 * reorder.
 */
export function integerArg(call: Call, i: number): number {
  const value = parseInt64(call.arg(i));
  return value === undefined ? Number.NaN : Number(value);
}

/** Argument `i` as an exact int64, or undefined when it is not one (LPOS's RANK). */
export function int64Arg(call: Call, i: number): Int64 | undefined {
  return parseInt64(call.arg(i));
}

/** Which end of a list a side names: the head (LEFT), the tail (RIGHT), or neither. */
export const Side = { Head: 0, Tail: 1, Invalid: 2 } as const;
export type Side = (typeof Side)[keyof typeof Side];

/** Argument `i` as LEFT or RIGHT (any case); Side.Invalid otherwise (Redis: syntax error). */
export function sideArg(call: Call, i: number): Side {
  if (call.argIs(i, 'LEFT')) return Side.Head;
  if (call.argIs(i, 'RIGHT')) return Side.Tail;
  return Side.Invalid;
}
