// Sorted-set commands (t_zset.c): ZADD, ZRANGE, ZSCORE, ...

import type { Declaration } from './declaration.js';

export const ZSET_COMMANDS = [] as const satisfies readonly Declaration[];
