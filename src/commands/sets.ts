// Set commands (t_set.c): SADD, SMEMBERS, SINTER, ...

import type { Declaration } from './declaration.js';

export const SET_COMMANDS = [] as const satisfies readonly Declaration[];
