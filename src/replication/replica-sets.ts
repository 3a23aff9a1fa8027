// The shards' replicas, as the opening thread manages them: connecting each replica to its
// primary (a ring for the journal), replacing a replica that died, and failover: when a primary's
// worker dies, its most advanced replica becomes the shard's primary.
//
// Failover, step by step:
//   1. Pick the live replica of the shard that acknowledged the highest offset (a streaming one:
//      a replica in the middle of a full copy holds part of the data and is never picked).
//   2. Promote it: it applies what its ring still holds from the dead primary, then journals from
//      there. Every write a WAIT counted is in what it acknowledged, so none is lost.
//   3. Give it the shard's slots in the slot map (a new epoch): new requests go to it.
//   4. Mark the dead worker dead: callers fail the requests they had sent it (they may or may not
//      have run), with an error that names the shard and the worker that took over.
//   5. The shard's other replicas follow the new primary (a full copy), and a replacement replica
//      starts in a free seat, so the shard has its replicas again.
// With no streaming replica left, the shard's slots fail fast with ShardDownError, as without
// replication.

import type { ShardPool } from '../shard-pool.js';
import { ReplicaState, ShardState, WorkerRole } from '../shared/control-block.js';
import { REPLICATION_RING_BYTES, SLOT_COUNT } from '../shared/limits.js';
import { createRingStorage } from '../shared/ring.js';
import { PlannedFailovers } from './planned-failover.js';

/** A failover, as stats and the profiler report it. */
export interface FailoverRecord {
  readonly shard: number;
  /** The worker seat that died, and the one that took over (-1: none could). */
  readonly from: number;
  readonly to: number;
  /** performance.now() of the death's notice and of the new primary's first moment. */
  readonly startedAt: number;
  readonly endedAt: number;
  /** The journal offset the new primary went on from. */
  readonly offset: number;
  readonly planned: boolean;
}

/** How long open() waits for the replicas' first (empty) copy. */
const REPLICAS_READY_MS = 10_000;

export class ReplicaSets {
  /** Failovers so far, oldest first. */
  readonly failovers: FailoverRecord[] = [];
  /**
   * Told of each failover, after the new primary took the slots and before the dead worker is
   * marked dead (so a listener can re-home what the dead worker was doing before its death is
   * announced): the profiler, the migration coordinator.
   */
  readonly failoverListeners = new Set<(record: FailoverRecord) => void>();

  /** Planned failovers (`db.failover(shard)`). */
  readonly planned: PlannedFailovers;
  /** Seats whose worker exited (a death noticed before the pool marks it dead). */
  readonly exited = new Set<number>();

  constructor(private readonly pool: ShardPool) {
    this.planned = new PlannedFailovers(pool, this);
  }

  /**
   * Connects every replica started with the pool to its primary, and waits until each holds its
   * (empty) full copy: open() resolves with every replica streaming.
   */
  async start(): Promise<void> {
    const { control, options } = this.pool;
    const connects: Promise<void>[] = [];
    const seats: number[] = [];
    for (let seat = 0; seat < options.workers; seat++) {
      if (control.workerRole(seat) !== WorkerRole.Replica) continue;
      seats.push(seat);
      connects.push(this.connect(control.primaryOf(control.workerShard(seat)), seat));
    }
    await Promise.all(connects);
    const deadline = performance.now() + REPLICAS_READY_MS;
    while (seats.some((seat) => control.replicaState(seat) !== ReplicaState.Streaming)) {
      if (performance.now() > deadline) {
        throw new Error(`slotdb: replicas did not get their first copy in ${REPLICAS_READY_MS} ms`);
      }
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
  }

  /** The live replica seats of `shard`, in seat order. */
  replicasOf(shard: number): number[] {
    const { control, options } = this.pool;
    const seats: number[] = [];
    for (let seat = 0; seat < options.workers; seat++) {
      if (control.workerRole(seat) !== WorkerRole.Replica) continue;
      if (control.workerShard(seat) === shard && this.pool.live(seat)) seats.push(seat);
    }
    return seats;
  }

  /**
   * A worker exited unexpectedly. Returns true when this took it over (a replica: replaced; a
   * primary with replicas: failover), false when the pool should mark it dead as without
   * replication.
   */
  onExit(seat: number, code: number): boolean {
    const { control, options } = this.pool;
    if (options.replicas === 0) return false;
    this.exited.add(seat);
    const shard = control.workerShard(seat);
    // A planned failover of its shard is moving the slots: what this death is depends on its end.
    const takingOver = this.planned.takingOver.get(shard);
    if (takingOver !== undefined) {
      void takingOver.then(() => this.onExit(seat, code));
      return true;
    }
    const role = control.workerRole(seat);
    if (role === WorkerRole.Replica) {
      this.pool.markDead(seat, code);
      const primary = control.primaryOf(shard);
      if (this.pool.live(primary)) {
        void this.pool.request(primary, { type: 'drop-replica', replica: seat }).catch(() => {});
      }
      void this.replace(shard).catch((error) => this.report(error));
      return true;
    }
    if (role === WorkerRole.Primary && control.primaryOf(shard) === seat) {
      void this.failover(seat, code, performance.now()).catch((error) => this.report(error));
      return true;
    }
    return false;
  }

  /** Promotes the most advanced replica of the dead primary's shard (see the top of this file). */
  private async failover(dead: number, code: number, startedAt: number): Promise<void> {
    const pool = this.pool;
    const control = pool.control;
    const shard = control.workerShard(dead);
    const tried = new Set<number>();
    for (;;) {
      const candidate = this.mostAdvanced(shard, tried);
      if (candidate < 0) {
        pool.markDead(dead, code);
        this.record({ shard, from: dead, to: -1, startedAt, offset: 0, planned: false });
        return;
      }
      tried.add(candidate);
      let offset: number;
      try {
        // With a data directory, the replica takes over the shard's log as the manifest names it.
        const files = await pool.store?.filesForPromotion(shard);
        const reply = await pool.request(candidate, { type: 'promote', files });
        offset = reply.offset ?? 0;
      } catch {
        pool.store?.promotionEnded(shard);
        continue; // it died too: the next one
      }
      this.takeOver(shard, dead, candidate);
      // The slot map names the new primary now: a late snapshot of the dead one is refused anyway.
      pool.store?.promotionEnded(shard);
      this.record({ shard, from: dead, to: candidate, startedAt, offset, planned: false });
      pool.markDead(dead, code);
      await this.afterPromotion(shard, candidate);
      return;
    }
  }

  /** The live streaming replica of `shard` with the highest acknowledged offset, or -1. */
  mostAdvanced(shard: number, skip: ReadonlySet<number>): number {
    const control = this.pool.control;
    let best = -1;
    for (const seat of this.replicasOf(shard)) {
      if (skip.has(seat) || control.replicaState(seat) !== ReplicaState.Streaming) continue;
      if (best < 0 || control.offset(seat) > control.offset(best)) best = seat;
    }
    return best;
  }

  /** Makes `primary` the owner of `shard`'s slots that `old` held, in a new epoch. */
  takeOver(shard: number, old: number, primary: number): void {
    const control = this.pool.control;
    control.setWorker(primary, WorkerRole.Primary, shard);
    Atomics.store(control.primaries, shard, primary);
    const owner = control.owner;
    for (let slot = 0; slot < SLOT_COUNT; slot++) if (owner[slot] === old) owner[slot] = primary;
    control.bumpEpoch();
  }

  /**
   * The shard's other replicas follow its new primary (but `following`, which does already); a
   * replacement restores the count.
   */
  async afterPromotion(shard: number, primary: number, following = -1): Promise<void> {
    const replicas = this.replicasOf(shard);
    const others = replicas.filter((seat) => seat !== following);
    await Promise.all(others.map((seat) => this.connect(primary, seat)));
    const missing = this.pool.options.replicas - replicas.length;
    for (let i = 0; i < missing; i++) await this.replace(shard);
  }

  /** Starts a replica for `shard` in a free seat (none left: the shard stays a replica short). */
  async replace(shard: number): Promise<void> {
    const pool = this.pool;
    const control = pool.control;
    if (pool.stopping) return;
    let seat = -1;
    for (let candidate = 0; candidate < pool.options.workers && seat < 0; candidate++) {
      const unused = control.workerRole(candidate) === WorkerRole.Unused;
      if (unused && control.shardState(candidate) === ShardState.Starting) seat = candidate;
    }
    if (seat < 0) {
      this.report(new Error(`no free worker seat for a replacement replica of shard ${shard}`));
      return;
    }
    control.setWorker(seat, WorkerRole.Replica, shard);
    await pool.spawn(seat);
    await pool.attachClients(seat);
    // The primary died meanwhile with no replica to take over: there is nothing to follow.
    if (!pool.live(control.primaryOf(shard))) return;
    await this.connect(control.primaryOf(shard), seat);
  }

  /** A new ring from `primary` to `replica`; the replica starts over with a full copy. */
  async connect(primary: number, replica: number): Promise<void> {
    // The replica hands its primary the reads it cannot serve itself (a slot that is moving).
    await this.pool.peerRings.link(primary, replica);
    const ring = createRingStorage(REPLICATION_RING_BYTES);
    await this.pool.request(replica, { type: 'follow', primary, ring });
    await this.pool.request(primary, { type: 'add-replica', replica, ring });
  }

  /** Records a failover (automatic or planned) and tells the listeners. */
  record(record: Omit<FailoverRecord, 'endedAt'>): FailoverRecord {
    const full = { ...record, endedAt: performance.now() };
    this.failovers.push(full);
    for (const listener of this.failoverListeners) listener(full);
    return full;
  }

  report(error: unknown): void {
    if (!this.pool.stopping) console.error('slotdb: replication:', error);
  }
}
