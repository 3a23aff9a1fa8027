// Which opcodes block (BLPOP, BLMOVE, ...): read by the client (a blocked call is not fenced by
// slot) and by a migration source (where a blocked request waits while its slot comes back).

import { BLOCKING_LIST_COMMANDS } from './lists.js';
import { COMMAND, OP_COUNT } from './table.js';

/** 1 at the opcode of each blocking command, one typed-array read per call. */
export const BLOCKING_OPS = new Uint8Array(OP_COUNT);
for (const name of BLOCKING_LIST_COMMANDS) BLOCKING_OPS[COMMAND[name].op] = 1;
