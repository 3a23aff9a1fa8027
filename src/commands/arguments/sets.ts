// The argument lists of the set methods whose parameters are not the command's arguments as they
// stand: a member or an array of them, SINTERCARD's key count and LIMIT, SSCAN's options. Built as
// node-redis v5 builds them (SINTERCARD.js, SSCAN.js), so the same call sends the same command.

import type { RedisArgument, RedisVariadicArgument } from '../methods/base.js';

/** SINTERCARD's options: `{ LIMIT }`, or (node-redis's older form) the limit as a number. */
export interface SInterCardOptions {
  LIMIT?: number;
}

/** SSCAN's options. node-redis sends MATCH and COUNT only when they are truthy. */
export interface SScanOptions {
  MATCH?: string;
  COUNT?: number;
}

function list(items: RedisVariadicArgument): readonly RedisArgument[] {
  return Array.isArray(items) ? items : [items as RedisArgument];
}

/** `key member [member ...]` (SADD, SREM, SMISMEMBER). */
export function keyAndMembers(key: RedisArgument, members: RedisVariadicArgument): RedisArgument[] {
  return [key, ...list(members)];
}

/** The keys of SINTER, SUNION, SDIFF. */
export function keyList(keys: RedisVariadicArgument): RedisArgument[] {
  return [...list(keys)];
}

/** `destination key [key ...]` (the *STORE forms). */
export function destinationAndKeys(
  destination: RedisArgument,
  keys: RedisVariadicArgument,
): RedisArgument[] {
  return [destination, ...list(keys)];
}

/** `numkeys key [key ...] [LIMIT limit]`. */
export function sInterCardArguments(
  keys: RedisVariadicArgument,
  options: SInterCardOptions | number | undefined,
): RedisArgument[] {
  const keyArgs = list(keys);
  const args: RedisArgument[] = [String(keyArgs.length), ...keyArgs];
  if (typeof options === 'number') args.push('LIMIT', String(options));
  else if (options?.LIMIT !== undefined) args.push('LIMIT', String(options.LIMIT));
  return args;
}

/** `key cursor [MATCH pattern] [COUNT count]`. */
export function sScanArguments(
  key: RedisArgument,
  cursor: RedisArgument,
  options: SScanOptions | undefined,
): RedisArgument[] {
  const args: RedisArgument[] = [key, cursor];
  if (options?.MATCH) args.push('MATCH', options.MATCH);
  if (options?.COUNT) args.push('COUNT', String(options.COUNT));
  return args;
}
