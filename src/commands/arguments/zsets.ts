// The argument lists of the sorted-set methods, built as node-redis v5 builds them (ZADD.js,
// ZRANGE.js, generic-transformers.js parseZKeysArguments...), and checked where a caller's mistake
// would otherwise surface as an internal TypeError.

import { ArgumentTypeError, OptionError } from '../../errors.js';
import type { RedisArgument } from '../methods/base.js';

/** A member and its score, as node-redis takes them (zAdd) and gives them (zRangeWithScores). */
export interface SortedSetMember {
  value: RedisArgument;
  score: number;
}

export interface ZAddOptions {
  condition?: 'NX' | 'XX';
  NX?: boolean;
  XX?: boolean;
  comparison?: 'LT' | 'GT';
  LT?: boolean;
  GT?: boolean;
  CH?: boolean;
}

export interface ZRangeOptions {
  BY?: 'SCORE' | 'LEX';
  REV?: boolean;
  LIMIT?: { offset: number; count: number };
}

/** A source of ZUNIONSTORE / ZINTERSTORE with its weight. */
export interface ZKeyAndWeight {
  key: RedisArgument;
  weight: number;
}

/** One key or several, plain or each with a weight. */
export type ZKeys =
  | RedisArgument
  | ZKeyAndWeight
  | readonly RedisArgument[]
  | readonly ZKeyAndWeight[];

export interface ZStoreOptions {
  AGGREGATE?: 'SUM' | 'MIN' | 'MAX';
}

export interface ZScanOptions {
  MATCH?: string;
  COUNT?: number;
}

/** A score as node-redis sends it (transformDoubleArgument): '+inf', '-inf', or toString(). */
export function scoreArgument(score: unknown): string {
  if (typeof score !== 'number') {
    throw new ArgumentTypeError(score, 'a sorted-set score must be a number');
  }
  if (score === Infinity) return '+inf';
  if (score === -Infinity) return '-inf';
  return score.toString();
}

/** A range bound (transformStringDoubleArgument): numbers as scores, anything else as it is. */
function boundArgument(bound: RedisArgument | number): RedisArgument {
  return typeof bound === 'number' ? scoreArgument(bound) : bound;
}

function checkOptions(options: unknown): void {
  if (options !== undefined && (options === null || typeof options !== 'object')) {
    throw new OptionError('options', 'an object', options);
  }
}

function pushMember(args: RedisArgument[], member: SortedSetMember): void {
  if (member === null || typeof member !== 'object') {
    throw new ArgumentTypeError(member, 'a sorted-set member must be { value, score }');
  }
  args.push(scoreArgument(member.score), member.value);
}

function pushMembers(args: RedisArgument[], members: SortedSetMember | readonly SortedSetMember[]) {
  if (Array.isArray(members)) for (const member of members) pushMember(args, member);
  else pushMember(args, members as SortedSetMember);
}

/** ZADD's arguments after the key (ZADD.js). */
export function zAddArguments(
  key: RedisArgument,
  members: SortedSetMember | readonly SortedSetMember[],
  options: ZAddOptions | undefined,
): RedisArgument[] {
  checkOptions(options);
  const args: RedisArgument[] = [key];
  if (options?.condition) args.push(options.condition);
  else if (options?.NX) args.push('NX');
  else if (options?.XX) args.push('XX');
  if (options?.comparison) args.push(options.comparison);
  else if (options?.LT) args.push('LT');
  else if (options?.GT) args.push('GT');
  if (options?.CH) args.push('CH');
  pushMembers(args, members);
  return args;
}

/** ZADD ... INCR's arguments (ZADD_INCR.js: only condition and comparison, then CH, INCR). */
export function zAddIncrArguments(
  key: RedisArgument,
  members: SortedSetMember | readonly SortedSetMember[],
  options: Pick<ZAddOptions, 'condition' | 'comparison' | 'CH'> | undefined,
): RedisArgument[] {
  checkOptions(options);
  const args: RedisArgument[] = [key];
  if (options?.condition) args.push(options.condition);
  if (options?.comparison) args.push(options.comparison);
  if (options?.CH) args.push('CH');
  args.push('INCR');
  pushMembers(args, members);
  return args;
}

/** `min max [BYSCORE|BYLEX] [REV] [LIMIT offset count]` (ZRANGE.js zRangeArgument). */
export function zRangeArguments(
  keys: readonly RedisArgument[],
  min: RedisArgument | number,
  max: RedisArgument | number,
  options: ZRangeOptions | undefined,
): RedisArgument[] {
  checkOptions(options);
  const args: RedisArgument[] = [...keys, boundArgument(min), boundArgument(max)];
  if (options?.BY === 'SCORE') args.push('BYSCORE');
  else if (options?.BY === 'LEX') args.push('BYLEX');
  if (options?.REV) args.push('REV');
  const limit = options?.LIMIT;
  if (limit) {
    if (typeof limit !== 'object') throw new OptionError('LIMIT', '{ offset, count }', limit);
    args.push('LIMIT', String(limit.offset), String(limit.count));
  }
  return args;
}

/** Two range bounds after a key (ZCOUNT, ZREMRANGEBYSCORE). */
export function zBoundsArguments(
  key: RedisArgument,
  min: RedisArgument | number,
  max: RedisArgument | number,
): RedisArgument[] {
  return [key, boundArgument(min), boundArgument(max)];
}

/** A key as it is (node-redis: a string or Buffer; slotdb also takes numbers and Uint8Arrays). */
function isPlainKey(key: unknown): boolean {
  return typeof key === 'string' || typeof key === 'number' || key instanceof Uint8Array;
}

function pushKeyAndWeight(keys: RedisArgument[], weights: string[], source: unknown): void {
  if (source === null || typeof source !== 'object' || !('key' in source)) {
    throw new ArgumentTypeError(source, 'a weighted source must be { key, weight }');
  }
  const { key, weight } = source as ZKeyAndWeight;
  keys.push(key);
  weights.push(scoreArgument(weight));
}

/** `numkeys key... [WEIGHTS w...] [AGGREGATE how]` (parseZKeysArguments, ZINTER.js). */
export function zStoreArguments(
  destination: RedisArgument,
  keys: ZKeys,
  options: ZStoreOptions | undefined,
): RedisArgument[] {
  checkOptions(options);
  const args: RedisArgument[] = [destination];
  const list = (Array.isArray(keys) ? keys : [keys]) as readonly unknown[];
  args.push(String(list.length));
  if (list.length > 0) {
    // node-redis looks at the first source only to tell plain keys from weighted ones.
    if (isPlainKey(list[0])) {
      args.push(...(list as RedisArgument[]));
    } else {
      const weights: string[] = [];
      for (const source of list) pushKeyAndWeight(args, weights, source);
      args.push('WEIGHTS', ...weights);
    }
  }
  if (options?.AGGREGATE) args.push('AGGREGATE', options.AGGREGATE);
  return args;
}

/** `cursor [MATCH pattern] [COUNT count]` (SCAN.js parseScanArguments: truthy options only). */
export function zScanArguments(
  key: RedisArgument,
  cursor: RedisArgument,
  options: ZScanOptions | undefined,
): RedisArgument[] {
  checkOptions(options);
  const args: RedisArgument[] = [key, cursor];
  if (options?.MATCH) args.push('MATCH', options.MATCH);
  if (options?.COUNT) args.push('COUNT', String(options.COUNT));
  return args;
}
