// List commands (t_list.c): LPUSH, LRANGE, the blocking BLPOP, ...

import type { Declaration } from './declaration.js';

export const LIST_COMMANDS = [] as const satisfies readonly Declaration[];
