// Hash commands (t_hash.c): HSET, HGET, HGETALL, ...

import type { ShardCommandName } from '../../src/commands/table.js';
import type { CommandHandler } from './call.js';

export const handlers = {} satisfies Partial<Record<ShardCommandName, CommandHandler>>;
