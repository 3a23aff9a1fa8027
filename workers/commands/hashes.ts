// Hash commands (t_hash.c), with Redis 7.0's replies and error texts. The value is a HashValue
// (workers/keyspace/hash-value.ts); the handlers are in hashes/, by concept: fields by name,
// counters, random fields, scanning.

import type { ShardCommandName } from '../../src/commands/table.js';
import type { CommandHandler } from './call.js';
import { hIncrBy, hIncrByFloat } from './hashes/counters.js';
import {
  hDel,
  hExists,
  hGet,
  hGetAll,
  hKeys,
  hLen,
  hmGet,
  hmSet,
  hSet,
  hSetNx,
  hStrLen,
  hVals,
} from './hashes/fields.js';
import { hRandField } from './hashes/random.js';
import { hScan } from './hashes/scan.js';

export const handlers = {
  hset: hSet,
  hmset: hmSet,
  hsetnx: hSetNx,
  hget: hGet,
  hmget: hmGet,
  hgetall: hGetAll,
  hdel: hDel,
  hexists: hExists,
  hlen: hLen,
  hkeys: hKeys,
  hvals: hVals,
  hincrby: hIncrBy,
  hincrbyfloat: hIncrByFloat,
  hstrlen: hStrLen,
  hrandfield: hRandField,
  hscan: hScan,
} satisfies Partial<Record<ShardCommandName, CommandHandler>>;
