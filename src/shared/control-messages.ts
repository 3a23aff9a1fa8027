// Control messages between the opening thread and its shards. They travel by postMessage on a
// dedicated MessageChannel (never on the data path) and are rare: start, attach and detach a client
// thread, link two shards, order and cancel a migration, count keys per slot, stop. A shard reads its
// port synchronously (receiveMessageOnPort) when the control counter in its doorbell line changes,
// so its loop never has to yield to an event loop.
//
// A request carries an id; the shard answers it with a Reply of the same id. Migration progress
// and outcomes are Events, sent by the source shard when they happen.

import type { MessagePort } from 'node:worker_threads';
import type {
  PersistenceInit,
  RecoveryFailure,
  RecoveryReport,
  ShardFiles,
  SnapshotWritten,
} from './persistence-messages.js';
import type { ShardProfileDump } from './timing-layout.js';

/** workerData of a shard worker. */
export interface ShardInit {
  readonly shard: number;
  readonly control: SharedArrayBuffer;
  readonly port: MessagePort;
  readonly shardSpinMicros: number;
  /** WorkerRole of the worker: a primary, or a replica that waits for a 'follow'. */
  readonly role: number;
  readonly replication: {
    /** Replicas each shard is meant to have. */
    readonly replicas: number;
    readonly minReplicasToWrite: number;
    readonly minReplicasMaxLagMs: number;
  };
  /** With `dir`: how the shard keeps its data on disk (src/shared/persistence-messages.ts). */
  readonly persistence?: PersistenceInit;
}

export type LockMode = 'key' | 'slot';

/**
 * Faults a shard can be told to inject, for slotdb's own tests and for rehearsing stalls: a source
 * that stops sending batches, a target that holds its acknowledgements, a slow batch apply.
 */
export interface ShardFaults {
  readonly pauseSending?: boolean;
  readonly holdAcks?: boolean;
  readonly applyDelayMs?: number;
  /**
   * A primary: the bytes staged for a replica past which it counts as lagging (dropped from the
   * stream, then a new full copy), for the replicas it has now; REPLICA_BACKLOG_BYTES_MAX if unset.
   */
  readonly replicaBacklogBytes?: number;
  /** On a replica: stop applying its primary's stream (it lags, and acknowledges nothing new). */
  readonly holdStream?: boolean;
  /** A primary with a log: its log writes fail with this error (a full disk: 'ENOSPC: ...'). */
  readonly logWriteError?: string;
}

/** How a source shard moves one slot; checked by the coordinator before it is sent. */
export interface MigrationPlan {
  readonly migration: number;
  readonly slot: number;
  readonly target: number;
  readonly lock: LockMode;
  readonly batchKeys: number;
  readonly batchBytes: number;
  /** Batches sent and not yet acknowledged, at most. */
  readonly window: number;
  /** A collection whose byte form passes this travels in pieces (PIECE_BYTES_DEFAULT if unset). */
  readonly pieceBytes?: number;
  /**
   * Replicas that must hold a batch before the receiving shard acknowledges it (and hold a moved
   * key's deletion before the source forwards its requests); unset: every streaming replica.
   */
  readonly replicas?: number;
  /**
   * The move goes on after a failover: the source (a promoted replica) sends what it holds again,
   * and the target takes keys it already has (workers/migration/durability.ts).
   */
  readonly resumed?: boolean;
  /** With `resumed`: the move had been cancelled; its keys come back to the source. */
  readonly returning?: boolean;
  /**
   * The caller chose none of batchKeys, batchBytes and window: the source picks them for the load
   * (workers/migration/pacing/adaptive-pace.ts); the fields above are then the unloaded limits.
   */
  readonly pacedBatches?: boolean;
}

/** How a caller's order moves its slots: how many at once, how fast. */
export interface MoveOrder {
  readonly parallel: number;
  /** Keys per second this order may move, over all its slots; 0 for no limit. */
  readonly keysPerSecond: number;
  /** Bytes per second this order may move, over all its slots; 0 for no limit. */
  readonly bytesPerSecond: number;
  /** 'adaptive': as fast as the clients leave room for; 'max': unpaced (under the limits above). */
  readonly pace: Pace;
}

export type Pace = 'adaptive' | 'max';

export type ShardRequest =
  | {
      readonly type: 'attach';
      readonly client: number;
      /** The generation the seat is handed out under (src/handle.ts). */
      readonly generation: number;
      readonly requests: SharedArrayBuffer;
      readonly replies: SharedArrayBuffer;
    }
  | { readonly type: 'detach'; readonly client: number }
  | {
      readonly type: 'link';
      readonly peer: number;
      readonly out: SharedArrayBuffer;
      readonly in: SharedArrayBuffer;
    }
  | ({
      readonly type: 'migrate';
      /** Slots to move away, in order; at most `parallel` move at once, the rest wait their turn. */
      readonly plans: readonly MigrationPlan[];
    } & MoveOrder)
  | { readonly type: 'cancel'; readonly migration: number }
  | { readonly type: 'peer-down'; readonly peer: number }
  /** The worker in seat `from` died and the one in seat `to` took over its shard (failover). */
  | { readonly type: 'peer-failover'; readonly from: number; readonly to: number }
  | { readonly type: 'count-slots' }
  | { readonly type: 'faults'; readonly faults: ShardFaults }
  | { readonly type: 'heap' }
  | { readonly type: 'profile-start'; readonly startAbs: number; readonly bucketMs: number }
  | { readonly type: 'profile-stop'; readonly endAbs: number }
  /** To a primary: stream the journal to `replica` over `ring` (after a full copy). */
  | { readonly type: 'add-replica'; readonly replica: number; readonly ring: SharedArrayBuffer }
  /** To a primary: `replica` died or left; stop streaming to it. */
  | { readonly type: 'drop-replica'; readonly replica: number }
  /** To a replica: follow `primary`, whose stream arrives over `ring` (a full copy first). */
  | { readonly type: 'follow'; readonly primary: number; readonly ring: SharedArrayBuffer }
  /**
   * To a replica: become its shard's primary; answers the offset it holds. With `files`, it takes
   * over the shard's log on disk first (applying what the old primary wrote and it lacks).
   */
  | { readonly type: 'promote'; readonly files?: ShardFiles }
  /** The manifest names snapshot `generation`: switch to its log. */
  | { readonly type: 'snapshot-commit'; readonly generation: number }
  /** Snapshot `generation` could not be committed: keep the old log. */
  | { readonly type: 'snapshot-abandon'; readonly generation: number }
  /** Write and fsync the log now. */
  | { readonly type: 'sync' }
  /** At open, an interrupted move's keys: answer the slot's keys as snapshot records. */
  | { readonly type: 'slot-export'; readonly slot: number }
  /** At open: store these records' keys in `slot` (journaled), then fsync. */
  | { readonly type: 'slot-import'; readonly slot: number; readonly records: Uint8Array }
  /** At open: drop every key of `slot` (journaled), then fsync. */
  | { readonly type: 'slot-drop'; readonly slot: number }
  /** For slotdb's tests: the worker's keys in canonical form, and the journal offset they are at. */
  | {
      readonly type: 'digest';
      /** Leave out keys whose deadline is at or before this (Unix ms): for tests. */
      readonly expiredBy?: number;
    }
  /**
   * Planned failover (workers/replication/hand-over.ts). To the primary: stop executing requests
   * and hold them in order, until `ticket` says whether `to` took the shard over or the failover
   * was abandoned (or `holdMs` passed); answers its final journal offset.
   */
  | {
      readonly type: 'hand-over';
      readonly to: number;
      readonly ticket: SharedArrayBuffer;
      readonly holdMs: number;
      /** The new primary's stream, which the old primary follows once handed over. */
      readonly ring: SharedArrayBuffer;
    }
  /**
   * To the replica picked: become the primary and take the slots of `from`, which holds `offset`;
   * stream to `from` over `ring` from there (it holds the data: no full copy).
   */
  | {
      readonly type: 'take-over';
      readonly from: number;
      readonly offset: number;
      readonly ring: SharedArrayBuffer;
      /** With a data directory: the shard's files, whose log the new primary takes over. */
      readonly files?: ShardFiles;
    }
  /** To the old primary, after the take-over: pass what it held to the new primary now. */
  | { readonly type: 'release' }
  | { readonly type: 'stop' };

/**
 * The word a planned failover's opening thread and old primary share (an Int32Array of one): it
 * leaves Open once, by compare-and-exchange, so the new primary taking over and the old one going
 * back to work can never both happen.
 */
export const Ticket = {
  Open: 0,
  /** The replica picked is told to take the shard over. */
  Taken: 1,
  /** The failover was given up: the old primary executes what it held and goes on. */
  Abandoned: 2,
} as const;

/** A request as posted: with the id its reply will carry. */
export type ToShard = ShardRequest & { readonly id: number };

export interface Reply {
  readonly type: 'reply';
  readonly id: number;
  /** Set when the shard refused the request. */
  readonly error?: string;
  /** count-slots: keys per slot, for the slots this shard holds. */
  readonly counts?: Uint32Array;
  /** profile-stop: what the shard recorded. */
  readonly profile?: ShardProfileDump;
  /** heap: bytes of the shard's JavaScript heap in use, after a full collection when possible. */
  readonly heapUsedBytes?: number;
  /** promote, take-over: the journal offset the new primary holds; hand-over: the final one. */
  readonly offset?: number;
  /** digest: the keyspace listed by workers/replication/digest.ts. */
  readonly digest?: KeyspaceDigest;
  /** slot-export: the slot's keys as snapshot records. */
  readonly records?: Uint8Array;
}

/** A worker's keys in canonical form (one line per key, sorted) and where its journal stands. */
export interface KeyspaceDigest {
  /** A primary's journal offset; a replica's applied offset. */
  readonly offset: number;
  /** A replica: whether it streams (holds a full copy); a primary: true. */
  readonly streaming: boolean;
  /** A primary: the full copies it sent its replicas so far (first copies included). */
  readonly copies: number;
  readonly lines: readonly string[];
}

/** What a source shard measured while moving a slot. Times in ms. */
export interface MigrationReport {
  readonly slot: number;
  readonly source: number;
  readonly target: number;
  readonly lock: LockMode;
  readonly keys: number;
  readonly bytes: number;
  readonly batches: number;
  /** Keys that travelled in pieces (big collections), and the PIECE frames sent for them. */
  readonly keysInPieces: number;
  readonly pieces: number;
  readonly durationMs: number;
  /** Longest time any batch's keys stayed locked (sent → acknowledged). */
  readonly keyLockMsMax: number;
  /** Requests the source handed to the target (the ASK rule) or to the new owner. */
  readonly redirections: number;
  /** Requests that waited (for a batch in flight, for keys to meet, for the whole slot). */
  readonly waits: { readonly count: number; readonly maxMs: number; readonly p99Ms: number };
}

/** The report of a move that moved nothing (the slot was already there, or it never started). */
export function emptyMigrationReport(
  slot: number,
  source: number,
  target: number,
  lock: LockMode,
): MigrationReport {
  return {
    slot,
    source,
    target,
    lock,
    keys: 0,
    bytes: 0,
    batches: 0,
    keysInPieces: 0,
    pieces: 0,
    durationMs: 0,
    keyLockMsMax: 0,
    redirections: 0,
    waits: { count: 0, maxMs: 0, p99Ms: 0 },
  };
}

export type MigrationOutcome = 'completed' | 'cancelled' | 'failed';

export type ShardEvent =
  | {
      readonly type: 'ready';
      /** A primary opened on a data directory: what recovery found, or why it failed. */
      readonly recovery?: RecoveryReport;
      readonly failed?: RecoveryFailure;
    }
  | { readonly type: 'snapshot-written'; readonly snapshot: SnapshotWritten }
  | { readonly type: 'snapshot-failed'; readonly error: string }
  | { readonly type: 'migration-start'; readonly migration: number }
  | {
      readonly type: 'migration-progress';
      readonly migration: number;
      readonly keys: number;
      readonly bytes: number;
      readonly batches: number;
      readonly keysLeft: number;
    }
  | {
      readonly type: 'migration-end';
      readonly migration: number;
      readonly outcome: MigrationOutcome;
      readonly report: MigrationReport;
      readonly error?: string;
    };

/**
 * Replies and events go out together, once per shard loop turn: a single-slot move then costs the
 * opening thread one message from its source, not one for the reply and more for the events.
 * The opening thread handles the replies first (they answer requests posted before the events).
 */
export interface Events {
  readonly type: 'events';
  readonly replies: readonly Reply[];
  readonly events: readonly ShardEvent[];
}

export type FromShard = Events;
