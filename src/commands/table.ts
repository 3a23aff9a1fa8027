// The command table: every declaration of the family files, in one list. A command's opcode is
// its position in the list (from 1; 0 names no command, so a zeroed frame dispatches nowhere).
// Clients use the table to check arity, find keys and pick shards; shards use the opcode to
// dispatch. Adding a command is one declaration in a family file (docs/commands.md).

import { InvariantError } from '../errors.js';
import {
  type CommandSpec,
  type Declaration,
  Flag,
  ReplyPolicy,
  SplitPolicy,
} from './declaration.js';
import { EXPIRE_COMMANDS } from './expire.js';
import { HASH_COMMANDS } from './hashes.js';
import type { KeySpec } from './key-spec.js';
import { KEY_COMMANDS } from './keys.js';
import { LIST_COMMANDS } from './lists.js';
import { PERSISTENCE_COMMANDS } from './persistence.js';
import { REPLICATION_COMMANDS } from './replication.js';
import { SERVER_COMMANDS } from './server.js';
import { SET_COMMANDS } from './sets.js';
import { STRING_COMMANDS } from './strings.js';
import { TRANSACTION_COMMANDS } from './transactions.js';
import { ZSET_COMMANDS } from './zsets.js';

export { type CommandSpec, Flag, ReplyPolicy, SplitPolicy } from './declaration.js';

const DECLARATIONS = [
  ...STRING_COMMANDS,
  ...KEY_COMMANDS,
  ...EXPIRE_COMMANDS,
  ...SERVER_COMMANDS,
  ...HASH_COMMANDS,
  ...LIST_COMMANDS,
  ...SET_COMMANDS,
  ...ZSET_COMMANDS,
  ...TRANSACTION_COMMANDS,
  ...REPLICATION_COMMANDS,
  ...PERSISTENCE_COMMANDS,
] as const;

type Declared = (typeof DECLARATIONS)[number];
export type CommandName = Declared['name'];
/** Commands the client answers itself: local.ts has a handler for each. */
type LocalDeclared = Extract<Declared, { readonly split: typeof SplitPolicy.Local }>;
export type LocalCommandName = LocalDeclared['name'];
/** Commands a shard executes: workers/commands has a handler for each. */
export type ShardCommandName = Exclude<CommandName, LocalCommandName>;
/** The node-redis method names the declarations give (methods.ts has each). */
export type MethodName = Declared['methods'][number];

/** The opcode field of a request frame is a Uint8 (REQ_OP in codec.ts). */
const OP_MAX = 0xff;

/** Opcodes run from 1 to OP_COUNT - 1: arrays by opcode have OP_COUNT entries. */
export const OP_COUNT = DECLARATIONS.length + 1;
if (OP_COUNT - 1 > OP_MAX) {
  throw new InvariantError(`${DECLARATIONS.length} commands, opcodes stop at ${OP_MAX}`);
}

function resolve(declaration: Declaration, op: number): CommandSpec {
  const declared = declaration.keys;
  const keys: readonly KeySpec[] =
    declared === undefined ? [] : 'first' in declared ? [declared] : declared;
  const flags = declaration.flags;
  const command: CommandSpec = {
    name: declaration.name,
    op,
    arity: declaration.arity,
    keys,
    firstKey: keys.length === 0 ? -1 : keys[0]!.first,
    flags,
    write: (flags & Flag.Write) !== 0,
    slotWide: (flags & Flag.SlotWide) !== 0,
    flushes: (flags & Flag.Flushes) !== 0,
    split: declaration.split,
    reply: declaration.reply ?? ReplyPolicy.Single,
    slotCheck: declaration.slotCheck,
    methods: declaration.methods,
  };
  checkDeclaration(command);
  return command;
}

/** A declaration whose fields contradict each other is refused when the table loads. */
function checkDeclaration(command: CommandSpec): void {
  const fail = (why: string): never => {
    throw new InvariantError(`command ${command.name}: ${why}`);
  };
  const keyed = command.keys.length > 0;
  const split = command.split;
  const multiPart =
    split === SplitPolicy.PerSlot ||
    split === SplitPolicy.AllShards ||
    split === SplitPolicy.Written;
  if (command.write && (command.flags & Flag.ReadOnly) !== 0) fail('write and read-only');
  if (multiPart !== (command.reply !== ReplyPolicy.Single)) {
    fail('per-slot, all-shards and written splits, and only they, merge by a reply policy');
  }
  if ((split === SplitPolicy.SlotArgument) !== (command.slotCheck !== undefined)) {
    fail('a slot check goes with the slot-argument split, and only there');
  }
  const only = command.keys.length === 1 ? command.keys[0]! : undefined;
  switch (split) {
    case SplitPolicy.SingleKey:
      if (only === undefined || !('last' in only) || only.last !== only.first) {
        fail('a single-key command has one fixed key');
      }
      break;
    case SplitPolicy.PerSlot:
      // A split call sends each part its keys with the arguments that follow each key (its
      // value): every argument must belong to one key, so the one range runs from 0 to the end.
      if (only === undefined || !('last' in only) || only.first !== 0 || only.last !== -1) {
        fail('a per-slot split needs one key range over every argument');
      }
      break;
    case SplitPolicy.SameSlot:
      if (!keyed) fail('a same-slot command has keys');
      break;
    default:
      if (keyed) fail('only single-key, per-slot and same-slot commands have keys');
  }
}

export const COMMANDS: readonly CommandSpec[] = DECLARATIONS.map((declared, i) =>
  resolve(declared, i + 1),
);

/**
 * Each command by name: `COMMAND.get`, `COMMAND['cluster|keyslot']`. Built in one go: an object
 * given its properties one keyed store at a time turns into a hash table in V8, and the methods
 * read it on every call.
 */
export const COMMAND = Object.fromEntries(COMMANDS.map((command) => [command.name, command])) as {
  readonly [Name in CommandName]: CommandSpec;
};

const BY_NAME = new Map<string, CommandSpec>();
const BY_OP: (CommandSpec | undefined)[] = new Array(OP_COUNT).fill(undefined);
/** Flag bits by opcode: what a shard asks per request, one typed-array read. */
export const OP_FLAGS = new Uint8Array(OP_COUNT);
for (const command of COMMANDS) {
  if (BY_NAME.has(command.name)) throw new InvariantError(`command ${command.name} declared twice`);
  BY_NAME.set(command.name, command);
  BY_OP[command.op] = command;
  OP_FLAGS[command.op] = command.flags;
}

/** Commands that take a subcommand ('cluster'): their declarations are named 'parent|sub'. */
export const CONTAINER_COMMANDS: ReadonlySet<string> = new Set(
  COMMANDS.flatMap(({ name }) => (name.includes('|') ? [name.split('|')[0]!] : [])),
);

/** The spec of `name` (and `sub` for container commands), case-insensitive, or undefined. */
export function findCommand(name: string, sub?: string): CommandSpec | undefined {
  const lower = name.toLowerCase();
  if (CONTAINER_COMMANDS.has(lower)) {
    return sub === undefined ? undefined : BY_NAME.get(`${lower}|${sub.toLowerCase()}`);
  }
  return BY_NAME.get(lower);
}

export function commandByOp(op: number): CommandSpec {
  const command = BY_OP[op];
  if (!command) throw new InvariantError(`unknown opcode ${op}`);
  return command;
}

/** Whether `argc` arguments (command name included) satisfy the arity. */
export function arityAccepts(command: CommandSpec, argc: number): boolean {
  return command.arity >= 0 ? argc === command.arity : argc >= -command.arity;
}

/** Words of a command's name before its real arguments: 2 for 'cluster keyslot', else 1. */
export function nameWords(command: CommandSpec): number {
  return command.name.includes('|') ? 2 : 1;
}
