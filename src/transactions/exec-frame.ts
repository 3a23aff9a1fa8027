// The arguments of an EXEC frame: a whole transaction, as an isolated client (or a db.multi()
// builder) sends it to the shard that owns its slot. The client writes them here; the shard reads
// them in workers/commands/transactions.ts.
//
//   0          watch token: the isolated client's watch session, '' when nothing is watched
//   1          WATCH frames the client sent in that session (the shard's record must count as many)
//   2          '1' when a slot changed owner since the session's first WATCH, else '0'
//   3          numkeys: how many keys follow
//   4 ..       the keys: every watched key and every key of a queued command, once each (the
//              command table's key spec for EXEC; a migrating slot waits or forwards by them)
//   4+numkeys  count: how many queued commands follow
//   then, per queued command: its opcode, its argument count, its arguments (name excluded)

import type { Argument } from '../shared/codec.js';

export const EXEC_TOKEN = 0;
export const EXEC_WATCH_FRAMES = 1;
export const EXEC_SLOT_MAP_CHANGED = 2;
export const EXEC_NUMKEYS = 3;
export const EXEC_KEYS = 4;
/** An EXEC frame has at least its five header arguments. */
export const EXEC_HEADER_ARGS = 5;

/** A queued command as the frame carries it. */
export interface QueuedFrameCommand {
  readonly op: number;
  readonly args: readonly Argument[];
}

/** What an EXEC frame says about the watch session. */
export interface ExecWatch {
  readonly token: string;
  readonly frames: number;
  readonly slotMapChanged: boolean;
}

export const NO_WATCH: ExecWatch = { token: '', frames: 0, slotMapChanged: false };

/** The arguments of an EXEC frame for `commands` (shard-executed ones only) and `keys`. */
export function execArguments(
  watch: ExecWatch,
  keys: readonly Argument[],
  commands: readonly QueuedFrameCommand[],
): Argument[] {
  const args: Argument[] = [
    watch.token,
    watch.frames,
    watch.slotMapChanged ? 1 : 0,
    keys.length,
    ...keys,
    commands.length,
  ];
  for (const command of commands) {
    args.push(command.op, command.args.length);
    for (const arg of command.args) args.push(arg);
  }
  return args;
}
