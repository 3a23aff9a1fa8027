// The control block: one SharedArrayBuffer that every thread of a database maps. It holds the slot
// map (owner of each slot, stamped with an epoch), one doorbell line per shard and per client
// thread, shard health, and per-shard counters. Field indices live here and nowhere else.
//
// Each doorbell line is 64 bytes so that a shard parking and a client waiting never write the same
// cache line.

import { InvariantError } from '../errors.js';
import { CLIENTS_MAX, SHARDS_MAX, SLOT_COUNT } from './limits.js';
import { LOG_WORDS_BYTES, LogWords } from './log-words.js';

/** Int32 words per cache line. */
const LINE_WORDS = 16;
const align8 = (n: number): number => (n + 7) & ~7;

// Header words.
const kEpoch = 0;
const kClosed = 1;
const kShardCount = 2;
/** Incremented each time a shard dies; clients compare it with the last value they handled. */
const kDeaths = 3;
/** The running profile session (0: none); clients and shards record timings while it is set. */
const kProfileSession = 4;
/** Worker seats with rings (primaries, replicas and seats kept for replacements). */
const kWorkerCount = 5;
/** Replicas each shard is meant to have (the `replicas` option). */
const kReplicasPerShard = 6;
/** 1 when the database reads from replicas by default (the `readFrom: 'replica'` option). */
const kReadFromReplicas = 7;

// Shard line words.
/**
 * 1 while the shard sleeps in Atomics.wait on this word; a producer that sees it non-zero notifies.
 * PARKED_WITH_BACKLOG means the shard also has replies waiting for ring space, so a client that
 * reads replies notifies it too.
 */
export const kShardParked = 0;
export const PARKED_WITH_BACKLOG = 2;
/** Count of control messages posted to the shard; the shard drains its port when it changes. */
export const kShardControl = 1;
export const kShardState = 2;
export const kShardExitCode = 3;
export const kWorkerRole = 4;
/** The shard (0..shards-1) the worker belongs to, as primary or replica. */
export const kWorkerShard = 5;
/** A replica's ReplicaState. */
export const kReplicaState = 6;
/** A replica's primary: the seat whose stream it applies. */
export const kReplicaOf = 7;

// Client line words.
/** 1 while the client waits (Atomics.wait or waitAsync) on this word for replies. */
export const kClientWaiting = 0;
/**
 * The seat's state word: its generation (bumped each time the seat is handed out) times 4, plus a
 * ClientState. A handle names the generation, so a stale handle never takes a later owner's seat.
 */
export const kClientState = 1;
/** Bumped by an attached thread's timer every HEARTBEAT_INTERVAL_MS; the opener reads it. */
export const kClientHeartbeat = 2;
/**
 * The seat state word (kClientState) its holder had when it closed, 0 before: a shard drops the
 * blocked requests of a holder that closed, before they could pop anything (workers/blocking).
 */
export const kClientClosing = 3;

/** Shard lifecycle, in the order states change. */
export const ShardState = { Starting: 0, Running: 1, Stopped: 2, Dead: 3 } as const;

/**
 * Client seat lifecycle, in the order states change: Handed (a handle was made, no thread attached
 * yet), Active (a thread uses it), Detached (the thread closed, or the opener reclaimed it).
 */
export const ClientState = { Free: 0, Handed: 1, Active: 2, Detached: 3 } as const;
/** The ClientState part of a seat's state word. */
export const CLIENT_STATE_MASK = 3;
/** Generations wrap within 29 bits, so a state word stays a non-negative Int32. */
export const GENERATION_MASK = 0x1fffffff;
/** The seat state word of generation `generation` in `state`. */
export function seatWord(generation: number, state: number): number {
  return ((generation & GENERATION_MASK) << 2) | state | 0;
}

/** A worker seat's role: a shard is a primary (its slots' owner) and replicas; Unused: no worker. */
export const WorkerRole = { Primary: 0, Replica: 1, Unused: 2 } as const;

/**
 * A replica's place in its primary's stream: Syncing while it receives a full copy (it counts for
 * no WAIT), Streaming once it holds everything up to its acknowledged offset.
 */
export const ReplicaState = { None: 0, Syncing: 1, Streaming: 2, Broken: 3 } as const;

/** Float64 words per worker seat in the replication area. */
const REPLICATION_WORDS = 2;
/** Replication area: a primary's journal offset, or the offset a replica acknowledged. */
const kOffset = 0;
/** Replication area: Date.now() of a replica's last acknowledgement. */
const kAckAt = 1;

/** Slot migration state in the slot map, in the order states change. */
export const SlotState = { Stable: 0, Migrating: 1 } as const;

/** Per-shard counters, Float64 each. */
export const ShardStat = {
  Keys: 0,
  Ops: 1,
  ExpiredKeys: 2,
  Slots: 3,
  Redirected: 4,
  ParkedMs: 5,
  RunningMs: 6,
  HeapUsedBytes: 7, // of the shard's JS heap in use, live and garbage
  StoreBytes: 8, // of the shard's arena and slot indexes (keys and strings, outside the heap)
} as const;
export type ShardStat = (typeof ShardStat)[keyof typeof ShardStat];
const STAT_WORDS = 9;

const HEADER_BYTES = LINE_WORDS * 4;
const SHARD_LINES_OFFSET = HEADER_BYTES;
const CLIENT_LINES_OFFSET = SHARD_LINES_OFFSET + SHARDS_MAX * LINE_WORDS * 4;
const OWNER_OFFSET = CLIENT_LINES_OFFSET + CLIENTS_MAX * LINE_WORDS * 4;
const SLOT_STATE_OFFSET = OWNER_OFFSET + SLOT_COUNT * 2;
const MIGRATION_TARGET_OFFSET = SLOT_STATE_OFFSET + SLOT_COUNT;
const PROFILE_OFFSET = align8(MIGRATION_TARGET_OFFSET + SLOT_COUNT * 2);
/**
 * Float64 words of the running profile: start (absolute ms), bucket width (ms), slow threshold
 * (ms), a spare word, then the last failover during it (PROFILE_FAILOVER_SHARD and the two words
 * after it: src/profiler/failover-window.ts).
 */
const PROFILE_WORDS = 8;
export const PROFILE_FAILOVER_SHARD = 4;
const FORWARDS_OFFSET = PROFILE_OFFSET + PROFILE_WORDS * 8;
const STATS_OFFSET = FORWARDS_OFFSET + SHARDS_MAX * SHARDS_MAX * 4;
const PRIMARIES_OFFSET = STATS_OFFSET + SHARDS_MAX * STAT_WORDS * 8;
const REPLICATION_OFFSET = align8(PRIMARIES_OFFSET + SHARDS_MAX * 4);
const LOG_WORDS_OFFSET = REPLICATION_OFFSET + SHARDS_MAX * REPLICATION_WORDS * 8;
export const CONTROL_BLOCK_BYTES = LOG_WORDS_OFFSET + LOG_WORDS_BYTES;

export class ControlBlock {
  readonly sab: SharedArrayBuffer;
  /** Header, shard lines and client lines, as Int32 words for Atomics. */
  readonly words: Int32Array;
  /** owner[slot] = shard that serves the slot. Written only at a flip, read by every thread. */
  readonly owner: Uint16Array;
  readonly slotState: Uint8Array;
  /** While a slot migrates: the shard it moves to. */
  readonly migrationTarget: Uint16Array;
  readonly stats: Float64Array;
  /**
   * forwardsDone[from * SHARDS_MAX + to]: FORWARD frames from shard `from` that shard `to` has
   * executed and whose replies it has pushed. If `to` dies, `from` answers the rest with an error.
   */
  readonly forwardsDone: Int32Array;
  /** The running profile's start (absolute ms), bucket width and slow threshold (ms). */
  readonly profile: Float64Array;
  /** primaries[shard]: the seat of the shard's primary (Atomics: a failover changes it). */
  readonly primaries: Int32Array;
  /** Per seat, REPLICATION_WORDS Float64 words: offset and last acknowledgement (see kOffset). */
  readonly replication: Float64Array;
  readonly logs: LogWords; // src/shared/log-words.ts

  constructor(sab?: SharedArrayBuffer) {
    this.sab = sab ?? new SharedArrayBuffer(CONTROL_BLOCK_BYTES);
    if (this.sab.byteLength !== CONTROL_BLOCK_BYTES) {
      throw new InvariantError(
        `control block must be ${CONTROL_BLOCK_BYTES} bytes, got ${this.sab.byteLength}`,
      );
    }
    this.words = new Int32Array(this.sab, 0, OWNER_OFFSET / 4);
    this.owner = new Uint16Array(this.sab, OWNER_OFFSET, SLOT_COUNT);
    this.slotState = new Uint8Array(this.sab, SLOT_STATE_OFFSET, SLOT_COUNT);
    this.migrationTarget = new Uint16Array(this.sab, MIGRATION_TARGET_OFFSET, SLOT_COUNT);
    this.stats = new Float64Array(this.sab, STATS_OFFSET, SHARDS_MAX * STAT_WORDS);
    this.forwardsDone = new Int32Array(this.sab, FORWARDS_OFFSET, SHARDS_MAX * SHARDS_MAX);
    this.profile = new Float64Array(this.sab, PROFILE_OFFSET, PROFILE_WORDS);
    this.primaries = new Int32Array(this.sab, PRIMARIES_OFFSET, SHARDS_MAX);
    this.replication = new Float64Array(
      this.sab,
      REPLICATION_OFFSET,
      SHARDS_MAX * REPLICATION_WORDS,
    );
    this.logs = new LogWords(this.sab, LOG_WORDS_OFFSET);
  }

  get profileSession(): number {
    return Atomics.load(this.words, kProfileSession);
  }

  /** Starts (session > 0) or stops (0) profiling; the parameters are written before the session. */
  setProfile(session: number, startAbs = 0, bucketMs = 0, thresholdMs = 0): void {
    this.profile[0] = startAbs;
    this.profile[1] = bucketMs;
    this.profile[2] = thresholdMs;
    this.profile[PROFILE_FAILOVER_SHARD] = -1;
    Atomics.store(this.words, kProfileSession, session);
  }

  forwardsIndex(from: number, to: number): number {
    return from * SHARDS_MAX + to;
  }

  /** Index in `words` of word `field` of shard `shard`'s line. */
  shardWord(shard: number, field: number): number {
    return SHARD_LINES_OFFSET / 4 + shard * LINE_WORDS + field;
  }

  clientWord(client: number, field: number): number {
    return CLIENT_LINES_OFFSET / 4 + client * LINE_WORDS + field;
  }

  statIndex(shard: number, stat: ShardStat): number {
    return shard * STAT_WORDS + stat;
  }

  get shardCount(): number {
    return Atomics.load(this.words, kShardCount);
  }

  set shardCount(n: number) {
    Atomics.store(this.words, kShardCount, n);
  }

  /** Worker seats with rings; equals shardCount when the database has no replicas. */
  get workerCount(): number {
    return Atomics.load(this.words, kWorkerCount);
  }

  set workerCount(n: number) {
    Atomics.store(this.words, kWorkerCount, n);
  }

  /** Replicas each shard is meant to have. */
  get replicasPerShard(): number {
    return Atomics.load(this.words, kReplicasPerShard);
  }

  set replicasPerShard(n: number) {
    Atomics.store(this.words, kReplicasPerShard, n);
  }

  /** Whether calls read from replicas unless a view says otherwise (the `readFrom` option). */
  get readFromReplicas(): boolean {
    return Atomics.load(this.words, kReadFromReplicas) === 1;
  }

  set readFromReplicas(on: boolean) {
    Atomics.store(this.words, kReadFromReplicas, on ? 1 : 0);
  }

  /** The seat of `shard`'s primary. */
  primaryOf(shard: number): number {
    return Atomics.load(this.primaries, shard);
  }

  workerRole(worker: number): number {
    return Atomics.load(this.words, this.shardWord(worker, kWorkerRole));
  }

  /** The shard the worker in `worker`'s seat belongs to. */
  workerShard(worker: number): number {
    return Atomics.load(this.words, this.shardWord(worker, kWorkerShard));
  }

  setWorker(worker: number, role: number, shard: number): void {
    Atomics.store(this.words, this.shardWord(worker, kWorkerShard), shard);
    Atomics.store(this.words, this.shardWord(worker, kWorkerRole), role);
  }

  /** The seat whose stream the replica in `worker` applies (set by the replica as it follows). */
  replicaOf(worker: number): number {
    return Atomics.load(this.words, this.shardWord(worker, kReplicaOf));
  }
  setReplicaOf(worker: number, primary: number): void {
    Atomics.store(this.words, this.shardWord(worker, kReplicaOf), primary);
  }

  replicaState(worker: number): number {
    return Atomics.load(this.words, this.shardWord(worker, kReplicaState));
  }

  setReplicaState(worker: number, state: number): void {
    Atomics.store(this.words, this.shardWord(worker, kReplicaState), state);
  }

  /**
   * A primary's journal offset, or the offset a replica acknowledged: written by the seat's worker
   * only, read without Atomics (an aligned 8-byte store is not torn where Node runs).
   */
  offset(worker: number): number {
    return this.replication[worker * REPLICATION_WORDS + kOffset]!;
  }

  setOffset(worker: number, offset: number): void {
    this.replication[worker * REPLICATION_WORDS + kOffset] = offset;
  }

  /** Date.now() of a replica's last acknowledgement (0: none yet). */
  ackAt(worker: number): number {
    return this.replication[worker * REPLICATION_WORDS + kAckAt]!;
  }

  setAckAt(worker: number, at: number): void {
    this.replication[worker * REPLICATION_WORDS + kAckAt] = at;
  }

  get epoch(): number {
    return Atomics.load(this.words, kEpoch);
  }

  /** Publishes a slot map change; returns the new epoch. */
  bumpEpoch(): number {
    return Atomics.add(this.words, kEpoch, 1) + 1;
  }

  get closed(): boolean {
    return Atomics.load(this.words, kClosed) !== 0;
  }

  markClosed(): void {
    Atomics.store(this.words, kClosed, 1);
  }

  get deaths(): number {
    return Atomics.load(this.words, kDeaths);
  }

  shardState(shard: number): number {
    return Atomics.load(this.words, this.shardWord(shard, kShardState));
  }

  /**
   * Moves a shard to `next`. States only advance (Starting → Running → Stopped | Dead); a Dead
   * shard stays dead. Returns false when the move is refused.
   */
  setShardState(shard: number, next: number, exitCode = 0): boolean {
    const index = this.shardWord(shard, kShardState);
    for (;;) {
      const current = Atomics.load(this.words, index);
      if (current === ShardState.Dead || next <= current) return false;
      if (Atomics.compareExchange(this.words, index, current, next) !== current) continue;
      if (next === ShardState.Dead) {
        Atomics.store(this.words, this.shardWord(shard, kShardExitCode), exitCode);
        Atomics.add(this.words, kDeaths, 1);
      }
      return true;
    }
  }

  shardExitCode(shard: number): number {
    return Atomics.load(this.words, this.shardWord(shard, kShardExitCode));
  }

  /** Wakes a parked shard. Called by a producer after it published data the shard should see. */
  wakeShard(shard: number): void {
    const index = this.shardWord(shard, kShardParked);
    const parked = Atomics.load(this.words, index);
    if (parked !== 0 && Atomics.compareExchange(this.words, index, parked, 0) === parked) {
      Atomics.notify(this.words, index);
    }
  }

  /** Wakes a shard only if it parked waiting for its replies to be read. */
  wakeShardWithBacklog(shard: number): void {
    const index = this.shardWord(shard, kShardParked);
    if (
      Atomics.load(this.words, index) === PARKED_WITH_BACKLOG &&
      Atomics.compareExchange(this.words, index, PARKED_WITH_BACKLOG, 0) === PARKED_WITH_BACKLOG
    ) {
      Atomics.notify(this.words, index);
    }
  }

  /** Wakes a client waiting for replies. Called by a shard after it published replies. */
  wakeClient(client: number): void {
    const index = this.clientWord(client, kClientWaiting);
    if (
      Atomics.load(this.words, index) === 1 &&
      Atomics.compareExchange(this.words, index, 1, 0) === 1
    ) {
      Atomics.notify(this.words, index);
    }
  }

  /** Wakes every waiting client, whatever it waits for (used when a shard dies or the db closes). */
  wakeAllClients(): void {
    for (let client = 0; client < CLIENTS_MAX; client++) {
      const index = this.clientWord(client, kClientWaiting);
      Atomics.store(this.words, index, 0);
      Atomics.notify(this.words, index);
    }
  }

  /** Posts a control notice to a shard: it will drain its control port on its next loop turn. */
  signalControl(shard: number): void {
    Atomics.add(this.words, this.shardWord(shard, kShardControl), 1);
    const parked = this.shardWord(shard, kShardParked);
    Atomics.store(this.words, parked, 0);
    Atomics.notify(this.words, parked);
  }
}
