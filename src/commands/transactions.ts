// Transactions (multi.c): MULTI, EXEC, DISCARD, WATCH, UNWATCH.

import type { Declaration } from './declaration.js';

export const TRANSACTION_COMMANDS = [] as const satisfies readonly Declaration[];
