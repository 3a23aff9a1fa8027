// SlotDB: the database as a client thread sees it. `SlotDB.open()` starts the shards and makes the
// calling thread client 0; `db.handle()` prepares rings for another thread, which calls
// `SlotDB.attach(handle)` there. Commands come from CommandMethods, transactions (multi(),
// isolated()) from SharedCommands (src/transactions/shared.ts); this file adds the lifecycle, the
// blocking and Buffer views, scanning, and introspection.

import { EventEmitter } from 'node:events';
import { Client, type ClientRings, type ClientTuning, Mode } from './client/client.js';
import type { CommandMethods, ScanOptions } from './commands/methods.js';
import { COMMAND } from './commands/table.js';
import { ClientClosedError, NotOpenerError, OptionError, SlotRangeError } from './errors.js';
import { Executor } from './executor.js';
import { checkHandle, claimSeat, startHeartbeat } from './handle.js';
import { MigrationCoordinator } from './migration/coordinator.js';
import type {
  MigrateOptions,
  MigrateSlotsOptions,
  MigrationEvent,
  MigrationSummary,
  RebalanceOptions,
} from './migration/options.js';
import { type OpenOptions, resolveOptions } from './options.js';
import { Profile, type ProfileOptions } from './profiler/profile.js';
import type { FailoverOptions } from './replication/planned-failover.js';
import type { FailoverRecord } from './replication/replica-sets.js';
import { ShardPool } from './shard-pool.js';
import { ClientState, type ControlBlock } from './shared/control-block.js';
import type { MigrationReport } from './shared/control-messages.js';
import { CLOSE_DRAIN_MS_MAX, SLOT_COUNT } from './shared/limits.js';
import { readStats, type SlotDBStats } from './stats.js';
import { SharedCommands } from './transactions/shared.js';

/** What another thread needs to attach: plain data and SharedArrayBuffers, safe to postMessage. */
export interface SlotDBHandle {
  readonly control: SharedArrayBuffer;
  readonly rings: ClientRings;
  readonly tuning: ClientTuning;
}

/** Key of the shard pool on a SlotDB, for tests (src/testing.ts). */
export const kPool = Symbol('slotdb.pool');
export const kClient = Symbol('slotdb.client');

/** The blocking API: `db.sync.get(key)` returns the value after one round trip. */
export class SyncCommands<S extends string | Buffer = string> extends SharedCommands<false, S> {
  protected readonly executor: Executor;

  constructor(executor: Executor) {
    super();
    this.executor = executor;
  }

  /** Iterates the keyspace in SCAN steps, yielding each step's keys (as node-redis v5). */
  *scanIterator(options?: ScanOptions): Generator<S[]> {
    let cursor = '0';
    do {
      const reply = this.scan(cursor, options);
      cursor = reply.cursor;
      if (reply.keys.length > 0) yield reply.keys;
    } while (cursor !== '0');
  }
}

/** An async view whose bulk replies are Buffers: `db.withBuffers().get(key)`. */
export class BufferCommands extends SharedCommands<true, Buffer> {
  protected readonly executor: Executor;
  readonly sync: SyncCommands<Buffer>;

  constructor(client: Client, replicaReads: boolean) {
    super();
    this.executor = new Executor(client, Mode.Async, true, replicaReads);
    this.sync = new SyncCommands<Buffer>(new Executor(client, Mode.Sync, true, replicaReads));
  }

  scanIterator(options?: ScanOptions): AsyncGenerator<Buffer[]> {
    return scanSteps(this, options);
  }
}

/** Where the reads of a view go: the primary of a key's shard, or one of its replicas. */
export type ReadFrom = 'primary' | 'replica';

/**
 * An async view whose reads go where `db.withReadFrom(readFrom)` said (with its own `.sync` and
 * Buffer view). With 'replica', read-only commands go to a replica of the key's shard that holds
 * a full copy and has every write this thread may have seen there (src/client/replica-reads.ts),
 * the primary otherwise; writes, blocking commands, transactions and WAIT go to the primary.
 */
export class ReadFromCommands extends SharedCommands<true> {
  protected readonly executor: Executor;
  readonly sync: SyncCommands;
  private buffersView: BufferCommands | undefined;

  constructor(
    private readonly client: Client,
    private readonly replicaReads: boolean,
  ) {
    super();
    this.executor = new Executor(client, Mode.Async, false, replicaReads);
    this.sync = new SyncCommands(new Executor(client, Mode.Sync, false, replicaReads));
  }

  /** This view with Buffer replies (and its own `.sync`). */
  withBuffers(): BufferCommands {
    this.buffersView ??= new BufferCommands(this.client, this.replicaReads);
    return this.buffersView;
  }

  scanIterator(options?: ScanOptions): AsyncGenerator<string[]> {
    return scanSteps(this, options);
  }
}

async function* scanSteps<S extends string | Buffer>(
  commands: CommandMethods<true, S>,
  options: ScanOptions | undefined,
): AsyncGenerator<S[]> {
  let cursor = '0';
  do {
    const reply = await commands.scan(cursor, options);
    cursor = reply.cursor;
    if (reply.keys.length > 0) yield reply.keys;
  } while (cursor !== '0');
}

export class SlotDB extends SharedCommands<true> {
  protected readonly executor: Executor;
  /** Blocking variants of every command. */
  readonly sync: SyncCommands;
  private readonly client: Client;
  private readonly control: ControlBlock;
  /** Set on the thread that opened the database; attached threads have none. */
  private readonly pool: ShardPool | undefined;
  private readonly tuning: ClientTuning;
  private buffersView: BufferCommands | undefined;
  /** The views of withReadFrom: reads from the primary, reads from replicas. */
  private readonly readFromViews: (ReadFromCommands | undefined)[] = [undefined, undefined];
  private keepAlive: ReturnType<typeof setInterval> | undefined;
  private readonly events = new EventEmitter();
  /** Set on the thread that opened the database. */
  private readonly coordinator: MigrationCoordinator | undefined;
  private closing: Promise<void> | undefined;

  private constructor(
    control: ControlBlock,
    rings: ClientRings,
    tuning: ClientTuning,
    pool: ShardPool | undefined,
  ) {
    super();
    this.control = control;
    this.pool = pool;
    this.tuning = tuning;
    this.client = new Client(control, rings, tuning);
    const replicaReads = control.readFromReplicas;
    this.executor = new Executor(this.client, Mode.Async, false, replicaReads);
    this.sync = new SyncCommands(new Executor(this.client, Mode.Sync, false, replicaReads));
    this.coordinator =
      pool === undefined
        ? undefined
        : new MigrationCoordinator(pool, (event) => this.events.emit('migration', event));
  }

  /** Starts the shard workers and returns the database, with the calling thread as a client. */
  static async open(options?: OpenOptions): Promise<SlotDB> {
    const resolved = resolveOptions(options);
    const pool = await ShardPool.start(resolved);
    try {
      const rings = await pool.attachClient(ClientState.Active);
      const tuning = { spinMicros: resolved.clientSpinMicros, pendingMax: resolved.pendingMax };
      return new SlotDB(pool.control, rings, tuning, pool);
    } catch (error) {
      await pool.stop();
      throw error;
    }
  }

  /**
   * Attaches the current thread with a handle made by `db.handle()` on the opening thread. Like a
   * connected node-redis client, an attached database keeps its thread alive until `close()`.
   * A handle serves one thread: a second attach, a forged or damaged handle, or a stale one (its
   * seat was reclaimed) throws a HandleError.
   */
  static attach(handle: SlotDBHandle): SlotDB {
    const { control, rings, tuning } = checkHandle(handle);
    claimSeat(control, rings);
    const db = new SlotDB(control, rings, tuning, undefined);
    // Replies arrive through Atomics.waitAsync, which does not keep an event loop alive by itself
    // (on the opening thread the shard workers do): the heartbeat's timer does, and tells the
    // opener this thread is alive.
    db.keepAlive = startHeartbeat(control, rings, (error) => db.client.evict(error));
    return db;
  }

  /** Rings for one more client thread; send the handle to it (postMessage or workerData). */
  async handle(): Promise<SlotDBHandle> {
    if (this.pool === undefined) throw new NotOpenerError('make handles');
    if (this.client.closed) throw new ClientClosedError();
    const rings = await this.pool.attachClient();
    return { control: this.control.sab, rings, tuning: this.tuning };
  }

  /** An async view whose bulk replies are Buffers (with its own `.sync`). */
  withBuffers(): BufferCommands {
    this.buffersView ??= new BufferCommands(this.client, this.control.readFromReplicas);
    return this.buffersView;
  }

  /**
   * A view whose reads go to `readFrom` ('primary' or 'replica'), whatever the `readFrom` option
   * says: `db.withReadFrom('replica').get(key)` (node-redis's cluster `useReplicas`, per call).
   * With 'replica', a read goes to a replica of its shard that streams and holds every write this
   * thread may have seen there, the primary otherwise, so a thread's reads never go backwards.
   */
  withReadFrom(readFrom: ReadFrom): ReadFromCommands {
    if (readFrom !== 'primary' && readFrom !== 'replica') {
      throw new OptionError('readFrom', "'primary' or 'replica'", readFrom);
    }
    const index = readFrom === 'replica' ? 1 : 0;
    this.readFromViews[index] ??= new ReadFromCommands(this.client, index === 1);
    return this.readFromViews[index];
  }

  /** Iterates the keyspace in SCAN steps, yielding each step's keys (as node-redis v5). */
  scanIterator(options?: ScanOptions): AsyncGenerator<string[]> {
    return scanSteps(this, options);
  }

  get shardCount(): number {
    return this.control.shardCount;
  }

  /** The shard (0..shards-1) that serves `slot` now. */
  slotOwner(slot: number): number {
    if (!Number.isInteger(slot) || slot < 0 || slot >= SLOT_COUNT) {
      throw new SlotRangeError(slot, SLOT_COUNT);
    }
    return this.control.workerShard(this.control.owner[slot]!);
  }

  // ---- migration ------------------------------------------------------------------------

  /**
   * Moves `slot` to shard `targetShard` while the database serves load, and resolves with what the
   * move measured. Callers never see an error caused by the move: requests for keys that moved are
   * served by the target, requests for keys in flight wait for their batch only (or, with
   * `lock: 'slot'`, every request for the slot waits for the whole move). `signal` cancels: the
   * keys that moved come back and the promise rejects with an AbortError.
   */
  async migrateSlot(
    slot: number,
    targetShard: number,
    options?: MigrateOptions,
  ): Promise<MigrationReport> {
    return this.migrations().migrateSlot(slot, targetShard, options);
  }

  /** Moves several slots to one shard, `parallel` (default 4) at a time. */
  async migrateSlots(
    slots: readonly number[],
    targetShard: number,
    options?: MigrateSlotsOptions,
  ): Promise<MigrationSummary> {
    return this.migrations().migrateSlots(slots, targetShard, options);
  }

  /** Spreads slots so keys (or slots, or a weighted share) are even over the shards. */
  async rebalance(options?: RebalanceOptions): ReturnType<MigrationCoordinator['rebalance']> {
    return this.migrations().rebalance(options);
  }

  /** The coordinator; throws on an attached thread or a closed database (its callers reject). */
  private migrations(): MigrationCoordinator {
    if (this.coordinator === undefined) throw new NotOpenerError('move slots');
    if (this.client.closed) throw new ClientClosedError();
    return this.coordinator;
  }

  /**
   * Planned failover: hands `shard` to one of its replicas without losing a write (Valkey's
   * FAILOVER). The shard's requests wait (they are not refused) until the replica holds every
   * write, then go to it; the old primary becomes a replica. Options: `timeoutMs` (default 5000):
   * past it the failover is given up and the primary goes on; `replica`: the index of the replica
   * to promote (default: the most advanced). Resolves with the failover's record.
   */
  async failover(shard: number, options?: FailoverOptions): Promise<FailoverRecord> {
    if (this.pool === undefined) throw new NotOpenerError('fail a shard over');
    if (this.client.closed) throw new ClientClosedError();
    return this.pool.replicaSets.planned.run(shard, options);
  }

  /** `db.on('migration', (event) => ...)`: started, batch (progress), completed, cancelled, failed. */
  on(event: 'migration', listener: (event: MigrationEvent) => void): this {
    this.events.on(event, listener);
    return this;
  }

  once(event: 'migration', listener: (event: MigrationEvent) => void): this {
    this.events.once(event, listener);
    return this;
  }

  off(event: 'migration', listener: (event: MigrationEvent) => void): this {
    this.events.off(event, listener);
    return this;
  }

  /**
   * Starts the migration stall profiler: every thread's operations are timed and explained, every
   * shard records what it did, until `await profile.stop()` returns the report (JSON-ready; see
   * `renderProfileHtml` for the HTML page). One profile at a time; opening thread only.
   */
  profile(options?: ProfileOptions): Profile {
    if (this.pool === undefined) throw new NotOpenerError('profile it');
    if (this.client.closed) throw new ClientClosedError();
    return new Profile(this.pool, this.control, options);
  }

  /**
   * WAIT ALL: resolves once every configured replica of each shard this thread wrote to since its
   * last WAIT acknowledged its writes there, or after `timeoutMs` (0: no timeout). A replica that
   * is down, disconnected or getting a full copy counts as not acknowledged, so
   * `acknowledged === configured` means every replica holds the writes.
   */
  async waitAll(timeoutMs: number): Promise<{ acknowledged: number; configured: number }> {
    const acknowledged: number = await this.executor.run(COMMAND.wait, ['ALL', timeoutMs]);
    return { acknowledged, configured: this.control.replicasPerShard };
  }

  /** Keys and commands per shard, read from shared memory (no round trip). */
  stats(): SlotDBStats {
    return readStats(this.control);
  }

  /**
   * Waits for the commands in flight (CLOSE_DRAIN_MS_MAX at most; those still waiting then fail
   * with ClientClosedError, as do moves still running), then (on the opening thread) stops every
   * shard, or (on an attached thread) gives its rings back. Later calls fail with
   * ClientClosedError.
   */
  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  private async shutdown(): Promise<void> {
    this.client.close();
    if (!(await this.drainWithin(CLOSE_DRAIN_MS_MAX))) {
      const error = new ClientClosedError(
        `The client is closed: the command was still waiting after ${CLOSE_DRAIN_MS_MAX} ms`,
      );
      this.client.evict(error);
    }
    // Moves still running will never report once the shards stop: their promises fail now.
    this.coordinator?.close();
    if (this.pool !== undefined) await this.pool.stop();
    else this.client.detach();
    clearInterval(this.keepAlive);
  }

  /** Waits for the commands in flight to reply, for `ms` at most; false when some still wait. */
  private async drainWithin(ms: number): Promise<boolean> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const late = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), ms);
    });
    const drained = await Promise.race([this.client.drain().then(() => true), late]);
    clearTimeout(timer);
    return drained;
  }

  /** This thread's client; for slotdb's own tests, not part of the API. */
  get [kClient](): Client {
    return this.client;
  }

  /** The shard pool (opening thread only); for slotdb's own tests, not part of the API. */
  get [kPool](): ShardPool | undefined {
    return this.pool;
  }
}
