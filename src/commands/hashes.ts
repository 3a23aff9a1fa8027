// Hash commands (t_hash.c): HSET, HGET, HGETALL, ...

import type { Declaration } from './declaration.js';

export const HASH_COMMANDS = [] as const satisfies readonly Declaration[];
