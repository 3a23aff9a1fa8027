// Which commands the journal records as they ran: every write (Flag.Write) but EXEC, whose queued
// commands are recorded one by one as they run (so that each is recorded the way it alone must
// be: SPOP as the SREM of what it popped).

import { Flag } from '../../src/commands/declaration.js';
import { COMMAND, OP_COUNT, OP_FLAGS } from '../../src/commands/table.js';
import type { Call } from '../commands/call.js';

export const JOURNAL_OPS = new Uint8Array(OP_COUNT);
for (let op = 1; op < OP_COUNT; op++) JOURNAL_OPS[op] = OP_FLAGS[op]! & Flag.Write ? 1 : 0;
JOURNAL_OPS[COMMAND.exec.op] = 0;

/** After a queued command of opcode `op` ran inside EXEC: records it, unless it recorded itself. */
export function journalQueued(call: Call, op: number): void {
  const journal = call.journal;
  if (journal === undefined) return;
  if (JOURNAL_OPS[op] === 1 && !call.journaled) journal.appendCall(op, call);
  call.journaled = false;
}
