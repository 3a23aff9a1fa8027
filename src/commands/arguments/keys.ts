// Argument lists of the keyspace methods that take an options object (COPY).

import { OptionError } from '../../errors.js';
import type { RedisArgument } from '../methods/base.js';

/** COPY's options, as node-redis v5 takes them. slotdb has one database: DB is 0 or absent. */
export interface CopyOptions {
  DB?: number;
  REPLACE?: boolean;
}

export function copyArguments(
  source: RedisArgument,
  destination: RedisArgument,
  options: CopyOptions,
): RedisArgument[] {
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw new OptionError('options', 'an object', options);
  }
  const args: RedisArgument[] = [source, destination];
  // As node-redis: DB 0 (falsy) is not sent; any other index is, and the shard answers it.
  if (options.DB) args.push('DB', options.DB);
  if (options.REPLACE) args.push('REPLACE');
  return args;
}
