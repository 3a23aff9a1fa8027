// Commands the client answers without a round trip: one handler each, keyed by command name. The
// compiler checks that every command declared with SplitPolicy.Local has one.

import { ErrorReply, InvariantError } from '../errors.js';
import { slotOf } from '../router.js';
import { type Argument, checkArgument } from '../shared/codec.js';
import type { ControlBlock } from '../shared/control-block.js';
import { wrongArity } from '../shared/reply-errors.js';
import { type CommandSpec, SplitPolicy } from './declaration.js';
import { info } from './info.js';
import { COMMANDS, type LocalCommandName, OP_COUNT } from './table.js';
import { clusterShards, clusterSlots } from './topology.js';

/** What a local command may read of the client: the control block (slot map, workers). */
export interface ClusterView {
  readonly control: ControlBlock;
}

/** Answers a call (its arguments after the command name); throws an ErrorReply to refuse it. */
export type LocalHandler = (
  args: readonly Argument[],
  cluster: ClusterView,
  buffers: boolean,
) => unknown;

/** An argument echoed back as a bulk reply would decode. */
function echoed(arg: Argument, buffers: boolean): string | Buffer {
  checkArgument(arg);
  const bytes = typeof arg === 'number' ? Buffer.from(String(arg)) : Buffer.from(arg);
  return buffers ? bytes : bytes.toString('utf8');
}

const LOCAL_HANDLERS = {
  ping: (args, _cluster, buffers) => {
    if (args.length > 1) throw new ErrorReply(wrongArity('ping'));
    return args.length === 0 ? 'PONG' : echoed(args[0]!, buffers);
  },
  echo: (args, _cluster, buffers) => echoed(args[0]!, buffers),
  'cluster|keyslot': (args) => slotOf(args[0]!),
  'cluster|slots': (_args, cluster) => clusterSlots(cluster.control),
  'cluster|shards': (_args, cluster) => clusterShards(cluster.control),
  info: (args, cluster, buffers) => {
    const text = info(cluster.control, args);
    return buffers ? Buffer.from(text) : text;
  },
  // The Unix time of the last snapshot committed, shared by every thread (0: none yet).
  lastsave: (_args, cluster) => cluster.control.logs.lastSave,
} satisfies Record<LocalCommandName, LocalHandler>;

const BY_OP: (LocalHandler | undefined)[] = new Array(OP_COUNT).fill(undefined);
for (const command of COMMANDS) {
  if (command.split !== SplitPolicy.Local) continue;
  BY_OP[command.op] = (LOCAL_HANDLERS as Record<string, LocalHandler>)[command.name];
}
for (const name of Object.keys(LOCAL_HANDLERS)) {
  if (!COMMANDS.some((command) => command.name === name && command.split === SplitPolicy.Local)) {
    throw new InvariantError(`local handler ${name} names no command the client answers`);
  }
}

/** The handler of a SplitPolicy.Local command. */
export function localHandler(command: CommandSpec): LocalHandler {
  const handler = BY_OP[command.op];
  if (handler === undefined) throw new InvariantError(`no local handler for ${command.name}`);
  return handler;
}
