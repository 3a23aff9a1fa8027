// Sorted-set commands (t_zset.c): ZADD, ZRANGE, ZSCORE, ...

import type { ShardCommandName } from '../../src/commands/table.js';
import type { CommandHandler } from './call.js';

export const handlers = {} satisfies Partial<Record<ShardCommandName, CommandHandler>>;
