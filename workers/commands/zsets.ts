// Sorted-set commands (t_zset.c): ZADD, ZRANGE, ZSCORE, ... One file per concept in zsets/.

import type { ShardCommandName } from '../../src/commands/table.js';
import type { CommandHandler } from './call.js';
import { zadd, zincrby } from './zsets/add.js';
import { zrandmember } from './zsets/random.js';
import { zrange, zrangestore } from './zsets/range.js';
import { zcard, zcount, zlexcount, zmscore, zrank, zrevrank, zscore } from './zsets/read.js';
import { zpopmax, zpopmin, zrem, zremrangebyrank, zremrangebyscore } from './zsets/remove.js';
import { zscan } from './zsets/scan.js';
import { zinterstore, zunionstore } from './zsets/store.js';

export const handlers = {
  zadd,
  zincrby,
  zrem,
  zscore,
  zmscore,
  zcard,
  zcount,
  zlexcount,
  zrange,
  zrangestore,
  zrank,
  zrevrank,
  zpopmin,
  zpopmax,
  zrandmember,
  zremrangebyscore,
  zremrangebyrank,
  zunionstore,
  zinterstore,
  zscan,
} satisfies Partial<Record<ShardCommandName, CommandHandler>>;
