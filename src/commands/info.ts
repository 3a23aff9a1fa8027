// INFO, answered by the client from the control block. slotdb has two sections of Redis's INFO,
// persistence and replication, with Redis's field names (valkey src/server.c and
// src/replication.c, genValkeyInfoString), in Redis's order. INFO with no argument, `default`,
// `all` or `everything` includes both; a section slotdb does not have is answered with nothing,
// as Redis answers an unknown section.
//
// A database of several shards answers one section per shard, in shard order, each headed
// `# Persistence shard <n>` / `# Replication shard <n>`: each is Redis's section for that shard's
// primary. A database of one shard answers Redis's `# Persistence` and `# Replication`.
//
// Persistence: a slotdb snapshot is both Redis's RDB and its AOF rewrite (it replaces the log), so
// rdb_bgsave_in_progress and aof_rewrite_in_progress both say whether one is being written or
// committed; rdb_last_save_time is the last snapshot committed by any shard (LASTSAVE, 0 before
// any); aof_enabled is 1 with `dir`; aof_current_size is the bytes of the shard's log, as its
// primary last published them. Redis's fork, copy-on-write and counter fields have no slotdb
// counterpart and are left out.
//
// Replication, where slotdb differs: a replica's ip is its cluster node name and its port its
// worker seat (topology.ts); its state is online while it streams, send_bulk during a full copy
// and wait_bgsave when its copy broke and it waits for a new one; master_replid is derived from the
// shard and its primary's worker (a failover changes it, as in Redis); slotdb keeps no backlog
// for partial resynchronisation (a replica that falls behind gets a full copy), so the
// repl_backlog fields are zero.

import { createHash } from 'node:crypto';
import { type Argument, checkArgument } from '../shared/codec.js';
import { type ControlBlock, ReplicaState } from '../shared/control-block.js';
import { LogState } from '../shared/log-words.js';
import { liveReplicas, replicaName } from './topology.js';

/** The section names that include every section (lower case). */
const ALL_SECTIONS = new Set(['default', 'all', 'everything']);

const REPLICA_STATES: Record<number, string> = {
  [ReplicaState.None]: 'wait_bgsave',
  [ReplicaState.Syncing]: 'send_bulk',
  [ReplicaState.Streaming]: 'online',
  [ReplicaState.Broken]: 'wait_bgsave',
};

const NO_REPLID = '0'.repeat(40);
const MS_PER_SECOND = 1000;

/** A replication id, 40 hex digits as Redis's: the shard and the worker that is its primary. */
function replicationId(shard: number, seat: number): string {
  return createHash('sha1').update(`slotdb shard ${shard} primary ${seat}`).digest('hex');
}

/** The replication section of `shard`, its lines without the heading. */
function replicationLines(control: ControlBlock, shard: number, now: number): string[] {
  const primary = control.primaryOf(shard);
  const replicas = liveReplicas(control, shard);
  const lines = ['role:master', `connected_slaves:${replicas.length}`];
  replicas.forEach((seat, i) => {
    const ackAt = control.ackAt(seat);
    const lag = ackAt === 0 ? 0 : Math.max(0, Math.floor((now - ackAt) / MS_PER_SECOND));
    const state = REPLICA_STATES[control.replicaState(seat)] ?? 'wait_bgsave';
    const ip = replicaName(shard, seat);
    lines.push(
      `slave${i}:ip=${ip},port=${seat},state=${state},offset=${control.offset(seat)},lag=${lag}`,
    );
  });
  lines.push(
    'master_failover_state:no-failover',
    `master_replid:${replicationId(shard, primary)}`,
    `master_replid2:${NO_REPLID}`,
    `master_repl_offset:${control.offset(primary)}`,
    'second_repl_offset:-1',
    'repl_backlog_active:0',
    'repl_backlog_size:0',
    'repl_backlog_first_byte_offset:0',
    'repl_backlog_histlen:0',
  );
  return lines;
}

/** The persistence section of `shard`, its lines without the heading. */
function persistenceLines(control: ControlBlock, shard: number): string[] {
  const primary = control.primaryOf(shard);
  const state = control.logs.logState(primary);
  const saving = state & LogState.Saving ? 1 : 0;
  const enabled = state & LogState.Open ? 1 : 0;
  const lines = [
    'loading:0',
    'async_loading:0',
    `rdb_bgsave_in_progress:${saving}`,
    `rdb_last_save_time:${control.logs.lastSave}`,
    `aof_enabled:${enabled}`,
    `aof_rewrite_in_progress:${saving}`,
    'aof_rewrite_scheduled:0',
    `aof_last_write_status:${state & LogState.WriteFailed ? 'err' : 'ok'}`,
  ];
  if (enabled === 1) lines.push(`aof_current_size:${control.logs.logBytes(primary)}`);
  return lines;
}

/** One section per shard (see the top of this file), headed `# <title>[ shard <n>]`. */
function perShard(
  control: ControlBlock,
  title: string,
  lines: (shard: number) => string[],
): string[] {
  const shards = control.shardCount;
  const sections: string[] = [];
  for (let shard = 0; shard < shards; shard++) {
    const heading = shards === 1 ? `# ${title}` : `# ${title} shard ${shard}`;
    sections.push([heading, ...lines(shard), ''].join('\r\n'));
  }
  return sections;
}

/** INFO [section ...]: the text Redis would answer, for the sections slotdb has. */
export function info(control: ControlBlock, args: readonly Argument[]): string {
  const names = args.map((arg) => {
    checkArgument(arg);
    const text = typeof arg === 'string' ? arg : typeof arg === 'number' ? String(arg) : '';
    return (arg instanceof Uint8Array ? Buffer.from(arg).toString('utf8') : text).toLowerCase();
  });
  const every = names.length === 0 || names.some((name) => ALL_SECTIONS.has(name));
  const sections: string[] = [];
  if (every || names.includes('persistence')) {
    sections.push(...perShard(control, 'Persistence', (shard) => persistenceLines(control, shard)));
  }
  if (every || names.includes('replication')) {
    const now = Date.now();
    sections.push(
      ...perShard(control, 'Replication', (shard) => replicationLines(control, shard, now)),
    );
  }
  return sections.join('\r\n');
}
