// Which commands the journal records, and how. Every write (Flag.Write) is recorded as it ran,
// to be run again by a replica, but:
//   - EXEC, whose queued commands are recorded one by one as they run (so that each is recorded
//     the way it alone must be: SPOP as the SREM of what it popped);
//   - a blocked pop served later from the key that got a list (BLPOP, BLMPOP, BLMOVE...), which is
//     recorded as its non-blocking form on that key alone: run again as it came, it would pop from
//     the first of its keys that holds a list, which need not be the key it was served from.

import { Flag } from '../../src/commands/declaration.js';
import { COMMAND, OP_COUNT, OP_FLAGS } from '../../src/commands/table.js';
import { blockingSignal, SignalFlag } from '../blocking/signal.js';
import type { Call } from '../commands/call.js';
import type { Journal } from './journal.js';

const JOURNAL_OPS = new Uint8Array(OP_COUNT);
for (let op = 1; op < OP_COUNT; op++) JOURNAL_OPS[op] = OP_FLAGS[op]! & Flag.Write ? 1 : 0;
JOURNAL_OPS[COMMAND.exec.op] = 0;

/**
 * After a command of opcode `op` ran (the call still holds its arguments): records it as it ran,
 * unless it recorded itself, parked (a blocked request records what it does once served), or was
 * served from a ready key.
 */
export function journalWrite(journal: Journal, call: Call, op: number): void {
  if (JOURNAL_OPS[op] === 1 && !call.journaled && !(blockingSignal.flags & SignalFlag.Park)) {
    const ready = blockingSignal.readyKey;
    if (ready === undefined) journal.appendCall(op, call);
    else journalServed(journal, call, op, ready);
  }
  call.journaled = false;
}

/** After a queued command of opcode `op` ran inside EXEC: records it, unless it recorded itself. */
export function journalQueued(call: Call, op: number): void {
  const journal = call.journal;
  if (journal === undefined) return;
  if (JOURNAL_OPS[op] === 1 && !call.journaled) journal.appendCall(op, call);
  call.journaled = false;
}

/**
 * After a blocked request of opcode `op` was served from `key` (the call holds its arguments):
 * records what it did, as the non-blocking command that does exactly that on a copy holding the
 * same data.
 */
function journalServed(journal: Journal, call: Call, op: number, key: string): void {
  const slot = call.slot;
  switch (op) {
    case COMMAND.blpop.op:
      journal.appendArgs(COMMAND.lpop.op, slot, [key]);
      return;
    case COMMAND.brpop.op:
      journal.appendArgs(COMMAND.rpop.op, slot, [key]);
      return;
    case COMMAND.blmove.op:
      // BLMOVE source destination from to timeout: served from its source, the only key it waits on.
      journal.appendArgs(
        COMMAND.lmove.op,
        slot,
        [0, 1, 2, 3].map((i) => call.arg(i)),
      );
      return;
    case COMMAND.brpoplpush.op:
      journal.appendArgs(COMMAND.rpoplpush.op, slot, [call.arg(0), call.arg(1)]);
      return;
    case COMMAND.blmpop.op: {
      // BLMPOP timeout numkeys key... LEFT|RIGHT [COUNT n] → LMPOP 1 key LEFT|RIGHT [COUNT n].
      const args = ['1', key];
      const numkeys = Number(call.arg(1));
      for (let i = 2 + numkeys; i < call.argc; i++) args.push(call.arg(i));
      journal.appendArgs(COMMAND.lmpop.op, slot, args);
      return;
    }
    default:
      // Any other command a blocked request could be: recorded as it ran.
      journal.appendCall(op, call);
  }
}
