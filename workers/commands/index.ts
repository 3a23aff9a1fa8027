// Opcode → handler, built from the command table (src/commands/table.ts). Each family file exports
// its handlers keyed by command name; every command a shard executes has exactly one handler, and
// commands the client answers itself (SplitPolicy.Local) have none. The compiler checks that every
// shard command is covered; the checks below catch a handler named twice or naming no command.

import {
  COMMANDS,
  OP_COUNT,
  type ShardCommandName,
  SplitPolicy,
} from '../../src/commands/table.js';
import { InvariantError } from '../../src/errors.js';
import type { CommandHandler } from './call.js';
import * as expire from './expire.js';
import * as hashes from './hashes.js';
import * as keys from './keys.js';
import * as lists from './lists.js';
import * as persistence from './persistence.js';
import * as replication from './replication.js';
import * as sets from './sets.js';
import * as strings from './strings.js';
import * as transactions from './transactions.js';
import * as zsets from './zsets.js';

const FAMILIES: readonly Partial<Record<ShardCommandName, CommandHandler>>[] = [
  strings.handlers,
  keys.handlers,
  expire.handlers,
  hashes.handlers,
  lists.handlers,
  sets.handlers,
  zsets.handlers,
  transactions.handlers,
  replication.handlers,
  persistence.handlers,
];

const BY_NAME = new Map<string, CommandHandler>();
for (const family of FAMILIES) {
  for (const [name, handler] of Object.entries(family)) {
    if (BY_NAME.has(name)) throw new InvariantError(`two handlers for command ${name}`);
    BY_NAME.set(name, handler);
  }
}

export const HANDLERS: (CommandHandler | undefined)[] = new Array(OP_COUNT).fill(undefined);
for (const command of COMMANDS) {
  const handler = BY_NAME.get(command.name);
  const local = command.split === SplitPolicy.Local;
  if (local && handler !== undefined) {
    throw new InvariantError(`${command.name} is answered by the client, not by a shard handler`);
  }
  if (!local && handler === undefined) {
    throw new InvariantError(`no shard handler for command ${command.name}`);
  }
  HANDLERS[command.op] = handler;
  BY_NAME.delete(command.name);
}
const stray = [...BY_NAME.keys()];
if (stray.length > 0) {
  throw new InvariantError(`handlers ${stray.join(', ')} name no declared command`);
}

// Every shard command has a handler: a family file that drops one fails to compile here, and the
// error names the command.
type Covered =
  | keyof typeof strings.handlers
  | keyof typeof keys.handlers
  | keyof typeof expire.handlers
  | keyof typeof hashes.handlers
  | keyof typeof lists.handlers
  | keyof typeof sets.handlers
  | keyof typeof zsets.handlers
  | keyof typeof transactions.handlers
  | keyof typeof replication.handlers
  | keyof typeof persistence.handlers;
type Uncovered = Exclude<ShardCommandName, Covered>;
const EVERY_COMMAND_COVERED: [Uncovered] extends [never] ? true : Uncovered = true;
void EVERY_COMMAND_COVERED;
