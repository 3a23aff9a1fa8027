// Commands the client answers without a round trip: one handler each, keyed by command name. The
// compiler checks that every command declared with SplitPolicy.Local has one.

import { ErrorReply, InvariantError } from '../errors.js';
import { slotOf } from '../router.js';
import { type Argument, checkArgument } from '../shared/codec.js';
import { SLOT_COUNT } from '../shared/limits.js';
import { wrongArity } from '../shared/reply-errors.js';
import { type CommandSpec, SplitPolicy } from './declaration.js';
import { COMMANDS, type LocalCommandName, OP_COUNT } from './table.js';

/** What a local command may read of the client: the slot map and the shards' health. */
export interface ClusterView {
  readonly owner: Uint16Array;
  readonly shardCount: number;
  shardHealthy(shard: number): boolean;
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

/** Contiguous runs of slots with one owner: [start, end, owner][]. */
function slotRanges(owner: Uint16Array): [number, number, number][] {
  const ranges: [number, number, number][] = [];
  for (let slot = 0; slot < SLOT_COUNT; slot++) {
    const shard = owner[slot]!;
    const last = ranges[ranges.length - 1];
    if (last !== undefined && last[2] === shard && last[1] === slot - 1) last[1] = slot;
    else ranges.push([slot, slot, shard]);
  }
  return ranges;
}

/** A shard as a cluster node: its name stands for the host, its index for the port. */
const nodeName = (shard: number): string => `shard-${shard}`;

/** CLUSTER SLOTS: [start, end, [host, port, id]] per range, host and id naming the shard. */
function clusterSlots(owner: Uint16Array): unknown[] {
  return slotRanges(owner).map(([start, end, shard]) => {
    const node = nodeName(shard);
    return [start, end, [node, shard, node]];
  });
}

/** CLUSTER SHARDS: per shard, its slot ranges and its one node, in Redis 7's shape. */
function clusterShards(cluster: ClusterView): unknown[] {
  const ranges = slotRanges(cluster.owner);
  return Array.from({ length: cluster.shardCount }, (_, shard) => [
    'slots',
    ranges.filter((range) => range[2] === shard).flatMap((range) => [range[0], range[1]]),
    'nodes',
    [
      [
        'id',
        nodeName(shard),
        'port',
        shard,
        'ip',
        nodeName(shard),
        'endpoint',
        nodeName(shard),
        'role',
        'master',
        'replication-offset',
        0,
        'health',
        cluster.shardHealthy(shard) ? 'online' : 'failed',
      ],
    ],
  ]);
}

const LOCAL_HANDLERS = {
  ping: (args, _cluster, buffers) => {
    if (args.length > 1) throw new ErrorReply(wrongArity('ping'));
    return args.length === 0 ? 'PONG' : echoed(args[0]!, buffers);
  },
  echo: (args, _cluster, buffers) => echoed(args[0]!, buffers),
  'cluster|keyslot': (args) => slotOf(args[0]!),
  'cluster|slots': (_args, cluster) => clusterSlots(cluster.owner),
  'cluster|shards': (_args, cluster) => clusterShards(cluster),
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
