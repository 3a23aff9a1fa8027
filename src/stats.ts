// db.stats(): keys, commands, slots, replicas and the log per shard, read from the control block
// (no round trip). A shard is reported by its primary; its replicas follow, each with its lag.

import {
  type ControlBlock,
  ShardStat,
  ShardState,
  SlotState,
  WorkerRole,
} from './shared/control-block.js';
import { SLOT_COUNT } from './shared/limits.js';
import { LogState } from './shared/log-words.js';

export interface ShardStats {
  readonly shard: number;
  readonly state: 'starting' | 'running' | 'stopped' | 'dead';
  /** Slots the slot map gives this shard. */
  readonly slots: number;
  readonly keys: number;
  /** Commands executed (frames: a multi-key command split over slots counts once per slot). */
  readonly ops: number;
  readonly expiredKeys: number;
  /** Requests this shard handed to another shard (migration, stragglers). */
  readonly redirected: number;
  /** Time the shard's loop has run, and the part of it spent parked (asleep), in ms. */
  readonly runningMs: number;
  readonly parkedMs: number;
  /**
   * Bytes of the shard's JavaScript heap in use (V8's used_heap_size: live data and garbage not
   * yet collected), read by the shard at most every 100 ms while it works.
   */
  readonly heapUsedBytes: number;
  /**
   * Bytes the shard holds for keys and string values outside its JS heap: its arena pages (in use
   * or free for reuse) and its slot indexes; read with heapUsedBytes. Collections and strings over
   * 8 KiB are JS objects, in heapUsedBytes.
   */
  readonly storeBytes: number;
  /** The worker seat of the shard's primary (seats are what shardWorker and failovers name). */
  readonly primary: number;
  /** The primary's journal offset: bytes of writes recorded for replicas (0 without replicas). */
  readonly offset: number;
  /** The shard's replicas, live ones first in seat order. */
  readonly replicas: readonly ReplicaStats[];
  /** The primary's log, in a database opened with `dir` (undefined without). */
  readonly persistence: PersistenceStats | undefined;
}

export interface PersistenceStats {
  /** The journal offset written to the log (in the page cache at least). */
  readonly written: number;
  /** The journal offset the log holds on disk (fsynced): what WAITAOF waits for. */
  readonly synced: number;
  /** Bytes of the log file. */
  readonly logBytes: number;
  /** A snapshot is being written or committed (BGSAVE, BGREWRITEAOF, an automatic rewrite). */
  readonly saving: boolean;
  /** The last write to the log failed: writes are refused until one succeeds (MISCONF). */
  readonly writeFailed: boolean;
}

/** The log of `primary` as it last published it (undefined: it keeps none). */
function persistenceStats(control: ControlBlock, primary: number): PersistenceStats | undefined {
  const logs = control.logs;
  const state = logs.logState(primary);
  if ((state & LogState.Open) === 0) return undefined;
  return {
    written: logs.written(primary),
    synced: logs.synced(primary),
    logBytes: logs.logBytes(primary),
    saving: (state & LogState.Saving) !== 0,
    writeFailed: (state & LogState.WriteFailed) !== 0,
  };
}

export interface ReplicaStats {
  readonly worker: number;
  readonly state: 'syncing' | 'streaming' | 'broken' | 'dead';
  /** The offset it acknowledged (meaningful while streaming). */
  readonly offset: number;
  /** Bytes of the primary's journal it has not acknowledged yet. */
  readonly lagBytes: number;
  /** ms since its last acknowledgement. */
  readonly lagMs: number;
}

const REPLICA_STATE_NAMES = ['syncing', 'syncing', 'streaming', 'broken'] as const;

/** The replicas of `shard` as the control block shows them. */
function replicaStats(control: ControlBlock, shard: number, now: number): ReplicaStats[] {
  const list: ReplicaStats[] = [];
  const primary = control.primaryOf(shard);
  for (let worker = 0; worker < control.workerCount; worker++) {
    if (control.workerRole(worker) !== WorkerRole.Replica) continue;
    if (control.workerShard(worker) !== shard) continue;
    const dead = control.shardState(worker) === ShardState.Dead;
    if (dead) continue;
    const offset = control.offset(worker);
    list.push({
      worker,
      state: REPLICA_STATE_NAMES[control.replicaState(worker)] ?? 'syncing',
      offset,
      lagBytes: Math.max(0, control.offset(primary) - offset),
      lagMs: control.ackAt(worker) === 0 ? 0 : Math.max(0, now - control.ackAt(worker)),
    });
  }
  return list;
}

export interface SlotDBStats {
  readonly shards: readonly ShardStats[];
  readonly keys: number;
  readonly ops: number;
  /**
   * The slot map's epoch: it grows by one each time a slot changes owner (as Redis Cluster's
   * config epoch), so two reads with the same epoch saw the same slot map.
   */
  readonly epoch: number;
  /** Slots moving now. */
  readonly migrations: readonly {
    readonly slot: number;
    readonly source: number;
    readonly target: number;
  }[];
  /** Unix seconds of the last snapshot any shard committed (LASTSAVE); 0 before any. */
  readonly lastSave: number;
}

const STATE_NAMES = ['starting', 'running', 'stopped', 'dead'] as const;

/** What db.stats() answers. */
export function readStats(control: ControlBlock): SlotDBStats {
  const slots = new Array<number>(control.shardCount).fill(0);
  const migrations: { slot: number; source: number; target: number }[] = [];
  for (let slot = 0; slot < SLOT_COUNT; slot++) {
    slots[control.workerShard(control.owner[slot]!)]!++;
    if (control.slotState[slot] === SlotState.Migrating) {
      migrations.push({
        slot,
        source: control.workerShard(control.owner[slot]!),
        target: control.workerShard(control.migrationTarget[slot]!),
      });
    }
  }
  const shards: ShardStats[] = [];
  const now = Date.now();
  for (let shard = 0; shard < control.shardCount; shard++) {
    const primary = control.primaryOf(shard);
    const stat = (which: ShardStat): number => control.stats[control.statIndex(primary, which)]!;
    shards.push({
      shard,
      primary,
      replicas: replicaStats(control, shard, now),
      persistence: persistenceStats(control, primary),
      offset: control.offset(primary),
      state: STATE_NAMES[control.shardState(primary)] ?? 'dead',
      slots: slots[shard]!,
      keys: stat(ShardStat.Keys),
      ops: stat(ShardStat.Ops),
      expiredKeys: stat(ShardStat.ExpiredKeys),
      redirected: stat(ShardStat.Redirected),
      runningMs: stat(ShardStat.RunningMs),
      heapUsedBytes: stat(ShardStat.HeapUsedBytes),
      storeBytes: stat(ShardStat.StoreBytes),
      parkedMs: stat(ShardStat.ParkedMs),
    });
  }
  return {
    shards,
    keys: shards.reduce((total, shard) => total + shard.keys, 0),
    ops: shards.reduce((total, shard) => total + shard.ops, 0),
    epoch: control.epoch,
    migrations,
    lastSave: control.logs.lastSave,
  };
}
