// The database as a Redis Cluster client sees it: CLUSTER SLOTS and CLUSTER SHARDS, answered by
// the client from the control block. Each shard is one cluster shard: its primary (the node
// `shard-<n>`, port n, whichever worker holds it now) and its live replicas (the nodes
// `shard-<n>-replica-<worker>`, port the worker's seat), as Redis lists them: primary first.

import {
  type ControlBlock,
  ReplicaState,
  ShardState,
  WorkerRole,
} from '../shared/control-block.js';
import { SLOT_COUNT } from '../shared/limits.js';

/** The shard's primary as a cluster node: its name stands for the host, its shard for the port. */
export const primaryName = (shard: number): string => `shard-${shard}`;

/** A replica as a cluster node: named by its shard and its worker seat (the port). */
export const replicaName = (shard: number, seat: number): string =>
  `shard-${shard}-replica-${seat}`;

/** The live replica seats of `shard` (its worker runs), in seat order. */
export function liveReplicas(control: ControlBlock, shard: number): number[] {
  const seats: number[] = [];
  for (let seat = 0; seat < control.workerCount; seat++) {
    if (control.workerRole(seat) !== WorkerRole.Replica || control.workerShard(seat) !== shard) {
      continue;
    }
    if (control.shardState(seat) === ShardState.Running) seats.push(seat);
  }
  return seats;
}

/** Contiguous runs of slots with one owning shard: [start, end, shard][]. */
function slotRanges(control: ControlBlock): [number, number, number][] {
  const ranges: [number, number, number][] = [];
  const owner = control.owner;
  for (let slot = 0; slot < SLOT_COUNT; slot++) {
    const shard = control.workerShard(owner[slot]!);
    const last = ranges[ranges.length - 1];
    if (last !== undefined && last[2] === shard && last[1] === slot - 1) last[1] = slot;
    else ranges.push([slot, slot, shard]);
  }
  return ranges;
}

/**
 * CLUSTER SLOTS: [start, end, primary, ...replicas] per range, each node [host, port, id], host
 * and id naming the node.
 */
export function clusterSlots(control: ControlBlock): unknown[] {
  return slotRanges(control).map(([start, end, shard]) => {
    const primary = primaryName(shard);
    const replicas = liveReplicas(control, shard).map((seat) => {
      const name = replicaName(shard, seat);
      return [name, seat, name];
    });
    return [start, end, [primary, shard, primary], ...replicas];
  });
}

/** How CLUSTER SHARDS reports a replica: online while it streams, loading during a full copy. */
function replicaHealth(control: ControlBlock, seat: number): string {
  return control.replicaState(seat) === ReplicaState.Streaming ? 'online' : 'loading';
}

function node(name: string, port: number, role: string, offset: number, health: string): unknown[] {
  return [
    'id',
    name,
    'port',
    port,
    'ip',
    name,
    'endpoint',
    name,
    'role',
    role,
    'replication-offset',
    offset,
    'health',
    health,
  ];
}

/** CLUSTER SHARDS: per shard, its slot ranges and its nodes (primary, then replicas), as Redis 7. */
export function clusterShards(control: ControlBlock): unknown[] {
  const ranges = slotRanges(control);
  return Array.from({ length: control.shardCount }, (_, shard) => {
    const primary = control.primaryOf(shard);
    const running = control.shardState(primary) === ShardState.Running;
    const nodes = [
      node(
        primaryName(shard),
        shard,
        'master',
        control.offset(primary),
        running ? 'online' : 'failed',
      ),
      ...liveReplicas(control, shard).map((seat) =>
        node(
          replicaName(shard, seat),
          seat,
          'replica',
          control.offset(seat),
          replicaHealth(control, seat),
        ),
      ),
    ];
    return [
      'slots',
      ranges.filter((range) => range[2] === shard).flatMap((range) => [range[0], range[1]]),
      'nodes',
      nodes,
    ];
  });
}
