// The argument lists of the list methods whose parameters are not the command's arguments as they
// stand: LPUSH's one-or-many elements, LPOS's options, LMPOP's keys with their count. Shaped as
// node-redis v5 builds them (LPOS.js, LPOS_COUNT.js, LMPOP.js), checked where a caller's mistake
// would otherwise surface as an internal TypeError.

import { ErrorReply, OptionError } from '../../errors.js';
import { NUMKEYS_NOT_POSITIVE } from '../../shared/reply-errors.js';
import { variadic } from '../arguments.js';
import type { RedisArgument, RedisVariadicArgument } from '../methods/base.js';

/** An end of a list: LEFT is the head, RIGHT the tail. */
export type ListSide = 'LEFT' | 'RIGHT';

/** Where LINSERT puts the element, relative to the pivot. */
export type ListInsertPosition = 'BEFORE' | 'AFTER';

export interface LPosOptions {
  /** Which match to start from: 1 the first, 2 the second, -1 the last... */
  RANK?: number;
  /** Compare at most this many elements (0: all). */
  MAXLEN?: number;
}

export interface LMPopOptions {
  /** Pop up to this many elements (default 1). */
  COUNT?: number;
}

/** `[key, ...elements]`: elements are one argument or an array of them (LPUSH, RPUSH...). */
export function keyAndElements(
  key: RedisArgument,
  elements: RedisVariadicArgument,
): RedisArgument[] {
  return [key, ...variadic(elements)];
}

/** Throws an OptionError unless a method's options are an object (not null, not an array). */
function checkOptions(options: unknown): void {
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw new OptionError('options', 'an object', options);
  }
}

/** LPOS key element [RANK rank] [MAXLEN len], then COUNT count when `count` is given. */
export function lposArguments(
  key: RedisArgument,
  element: RedisArgument,
  options: LPosOptions | undefined,
  count?: number,
): RedisArgument[] {
  const args: RedisArgument[] = [key, element];
  if (options !== undefined) {
    checkOptions(options);
    if (options.RANK !== undefined) args.push('RANK', options.RANK);
    if (options.MAXLEN !== undefined) args.push('MAXLEN', options.MAXLEN);
  }
  if (count !== undefined) args.push('COUNT', count);
  return args;
}

/**
 * `numkeys key [key ...] LEFT|RIGHT [COUNT count]` (LMPOP; BLMPOP puts its timeout first). No key
 * is Redis's numkeys error: sent, it would name no slot.
 */
export function lmpopArguments(
  keys: RedisVariadicArgument,
  side: ListSide,
  options?: LMPopOptions,
): RedisArgument[] {
  const keyList = variadic(keys);
  // No key: `LMPOP 0 LEFT` is short of LMPOP's arity, and the arity check that follows answers it
  // as Redis does; with a COUNT the arity holds, and Redis answers the numkeys error.
  if (keyList.length === 0 && options?.COUNT !== undefined) {
    throw new ErrorReply(NUMKEYS_NOT_POSITIVE);
  }
  const args: RedisArgument[] = [keyList.length, ...keyList, side];
  if (options !== undefined) {
    checkOptions(options);
    if (options.COUNT !== undefined) args.push('COUNT', options.COUNT);
  }
  return args;
}

/** `key [key ...] timeout` (BLPOP, BRPOP): one key or several, then the timeout in seconds. */
export function keysAndTimeout(keys: RedisVariadicArgument, timeout: number): RedisArgument[] {
  return [...variadic(keys), timeout];
}

/** `timeout numkeys key [key ...] LEFT|RIGHT [COUNT count]` (BLMPOP). */
export function blmpopArguments(
  timeout: number,
  keys: RedisVariadicArgument,
  side: ListSide,
  options?: LMPopOptions,
): RedisArgument[] {
  return [timeout, ...lmpopArguments(keys, side, options)];
}
