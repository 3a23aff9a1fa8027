// The argument lists of the hash methods whose parameters are not the command's arguments as they
// stand: HSET's pair shapes and HSCAN's options, built as node-redis v5 builds them.

import { ArgumentTypeError } from '../../errors.js';
import type { RedisArgument } from '../methods/base.js';

/** HSET's pairs as an object (`{ f: v }`). */
export type HSetObject = Record<string | number, RedisArgument>;
/** HSET's pairs as a Map. */
export type HSetMap = Map<RedisArgument, RedisArgument>;
/** HSET's pairs as `[[f, v], ...]` or `[f, v, f, v]`. */
export type HSetTuples =
  | readonly (readonly [RedisArgument, RedisArgument])[]
  | readonly RedisArgument[];

/** HSCAN's options, as node-redis's ScanCommonOptions. */
export interface HScanOptions {
  MATCH?: string;
  COUNT?: number;
}

/** Whether `value` is one command argument rather than a collection of pairs. */
export function isSingleArgument(value: unknown): value is RedisArgument {
  return typeof value === 'string' || typeof value === 'number' || value instanceof Uint8Array;
}

/** Nested arrays flattened in order, as node-redis's HSET does with its tuples. */
function pushTuples(args: unknown[], tuples: readonly unknown[]): void {
  for (const tuple of tuples) {
    if (Array.isArray(tuple)) pushTuples(args, tuple);
    else args.push(tuple);
  }
}

/**
 * HSET key followed by its pairs: a field and a value, or an object, a Map, `[[f, v], ...]` or
 * `[f, v, ...]`. A Uint8Array is a field here (node-redis would take it for an object). What is
 * not an argument fails when the frame is built, with ArgumentTypeError.
 */
export function hSetArguments(
  key: RedisArgument,
  value: RedisArgument | HSetObject | HSetMap | HSetTuples,
  fieldValue: RedisArgument | undefined,
): RedisArgument[] {
  const args: unknown[] = [key];
  if (isSingleArgument(value)) args.push(value, fieldValue);
  else if (value instanceof Map) for (const [field, v] of value) args.push(field, v);
  else if (Array.isArray(value)) pushTuples(args, value);
  else if (value !== null && typeof value === 'object') {
    for (const field of Object.keys(value)) args.push(field, (value as HSetObject)[field]);
  } else {
    throw new ArgumentTypeError(
      value,
      'hSet takes a field and a value, or pairs as { f: v }, a Map, [[f, v], ...] or [f, v, ...]',
    );
  }
  return args as RedisArgument[];
}

/** HSCAN key cursor [MATCH pattern] [COUNT count]: node-redis leaves out an empty MATCH or COUNT 0. */
export function hScanArguments(
  key: RedisArgument,
  cursor: RedisArgument,
  options: HScanOptions | undefined,
): RedisArgument[] {
  const args: RedisArgument[] = [key, cursor];
  if (options?.MATCH) args.push('MATCH', options.MATCH);
  if (options?.COUNT) args.push('COUNT', options.COUNT);
  return args;
}
