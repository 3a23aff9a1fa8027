// List commands (t_list.c): LPUSH, LRANGE, the blocking BLPOP, ...

import type { ShardCommandName } from '../../src/commands/table.js';
import type { CommandHandler } from './call.js';

export const handlers = {} satisfies Partial<Record<ShardCommandName, CommandHandler>>;
