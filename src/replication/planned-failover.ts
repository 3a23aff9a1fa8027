// Planned failover, as the opening thread runs it (`db.failover(shard)`): the shard's primary hands
// its slots to a replica without losing a write, and callers see no error, only a pause. The
// workers' part, and why the order of its steps keeps every write and every caller's order, is in
// workers/replication/hand-over.ts. Here:
//
//   1. Check the request: the shard, the options, a streaming replica to promote, no failover of
//      the shard running, no migration of it under way (its slots' owners and keys would change
//      under the failover: refused, the caller retries once the move ended).
//   2. 'hand-over' to the primary: it holds every request from now on and answers its final offset.
//   3. Wait until the replica acknowledged that offset (or give up after timeoutMs: the primary
//      executes what it held, nothing is lost, and the failover rejects).
//   4. Take the ticket, then 'take-over' to the replica: it becomes the primary and takes the slots
//      in a new epoch; the old primary sees it and forwards what it held to it. None of this needs
//      this thread's event loop once the ticket is taken, so a sync call made here meanwhile
//      cannot block it.
//   5. The old primary follows the new one from the final offset (it holds the same data: no full
//      copy, so the shard keeps a streaming replica throughout); the others get full copies.

import { ClientClosedError, OptionError, PlannedFailoverError } from '../errors.js';
import { checkOptionNames, integerOption } from '../options.js';
import type { ShardPool } from '../shard-pool.js';
import { ReplicaState, SlotState } from '../shared/control-block.js';
import { Ticket } from '../shared/control-messages.js';
import { REPLICATION_RING_BYTES, SLOT_COUNT } from '../shared/limits.js';
import { createRingStorage } from '../shared/ring.js';
import type { FailoverRecord, ReplicaSets } from './replica-sets.js';

export interface FailoverOptions {
  /**
   * How long the shard's requests may wait for a replica to hold every write (ms, default 5000);
   * past it the failover is given up and the primary goes on.
   */
  readonly timeoutMs?: number;
  /** The replica to promote: its index among the shard's live replicas, in seat order (as
   * `replicaWorker` counts). Default: the one that acknowledged the most. */
  readonly replica?: number;
}

const OPTION_NAMES: ReadonlySet<string> = new Set(['timeoutMs', 'replica']);
const TIMEOUT_DEFAULT_MS = 5000;
const TIMEOUT_MAX_MS = 600_000;

/** How much longer than timeoutMs the primary holds requests before it gives up on its own. */
const HOLD_GRACE_MS = 500;

/** How often the opening thread looks whether the replica caught up (it has no wake-up for it). */
const POLL_MS = 1;

export class PlannedFailovers {
  /** Shards failing over now. */
  private readonly running = new Set<number>();
  /** Per shard: the replica told to take over that has not answered yet (settles, never fails). */
  readonly takingOver = new Map<number, Promise<unknown>>();

  constructor(
    private readonly pool: ShardPool,
    private readonly sets: ReplicaSets,
  ) {}

  /** Hands `shard` to a replica; resolves with the failover's record (see the top of this file). */
  async run(shard: number, options: FailoverOptions = {}): Promise<FailoverRecord> {
    const { from, to, timeoutMs } = this.check(shard, options);
    this.running.add(shard);
    try {
      return await this.failOver(shard, from, to, timeoutMs);
    } finally {
      this.running.delete(shard);
    }
  }

  private check(
    shard: number,
    options: FailoverOptions,
  ): { from: number; to: number; timeoutMs: number } {
    checkOptionNames(options, OPTION_NAMES);
    const record = options as Record<string, unknown>;
    const { control, options: opened } = this.pool;
    if (!Number.isInteger(shard) || shard < 0 || shard >= opened.shards) {
      throw new OptionError('shard', `an integer from 0 to ${opened.shards - 1}`, shard);
    }
    const timeoutMs = integerOption(record, 'timeoutMs', 1, TIMEOUT_MAX_MS, TIMEOUT_DEFAULT_MS);
    if (opened.replicas === 0) {
      throw new PlannedFailoverError(shard, 'the database has no replicas (the replicas option)');
    }
    const index = integerOption(record, 'replica', 0, opened.replicas - 1, -1);
    if (this.running.has(shard)) {
      throw new PlannedFailoverError(shard, 'a failover of this shard is already running');
    }
    const from = control.primaryOf(shard);
    if (!this.pool.live(from) || this.sets.exited.has(from)) {
      throw new PlannedFailoverError(shard, `its primary, worker ${from}, is down`);
    }
    const moving = this.movingSlot(from);
    if (moving >= 0) {
      throw new PlannedFailoverError(
        shard,
        `it takes part in a migration (slot ${moving} is moving): fail it over once the move ended`,
      );
    }
    return { from, to: this.candidate(shard, index), timeoutMs };
  }

  /** The replica to promote: number `index`, or the most advanced streaming one. */
  private candidate(shard: number, index: number): number {
    const control = this.pool.control;
    if (index < 0) {
      const best = this.sets.mostAdvanced(shard, new Set());
      if (best < 0) {
        throw new PlannedFailoverError(
          shard,
          'none of its replicas is streaming (each is down or getting a full copy)',
        );
      }
      return best;
    }
    const seats = this.sets.replicasOf(shard);
    const seat = seats[index];
    if (seat === undefined) {
      throw new PlannedFailoverError(shard, `it has no replica ${index} (${seats.length} live)`);
    }
    if (control.replicaState(seat) !== ReplicaState.Streaming) {
      throw new PlannedFailoverError(
        shard,
        `its replica ${index} (worker ${seat}) is not streaming: it is getting a full copy`,
      );
    }
    return seat;
  }

  /** A slot moving from or to worker `seat`, or -1. */
  private movingSlot(seat: number): number {
    const control = this.pool.control;
    for (let slot = 0; slot < SLOT_COUNT; slot++) {
      if (control.slotState[slot] !== SlotState.Migrating) continue;
      if (control.owner[slot] === seat || control.migrationTarget[slot] === seat) return slot;
    }
    return -1;
  }

  private async failOver(
    shard: number,
    from: number,
    to: number,
    timeoutMs: number,
  ): Promise<FailoverRecord> {
    const { pool, sets } = this;
    const startedAt = performance.now();
    await this.ask(shard, from, () => pool.peerRings.link(from, to));
    const ticket = new Int32Array(new SharedArrayBuffer(Int32Array.BYTES_PER_ELEMENT));
    // The new primary's stream to the old one, which holds the same data: no full copy.
    const ring = createRingStorage(REPLICATION_RING_BYTES);
    // The primary's own deadline comes later: it only matters if this thread is kept busy.
    const holdMs = timeoutMs + HOLD_GRACE_MS;
    const handOver = { type: 'hand-over', to, ticket: ticket.buffer, holdMs, ring } as const;
    const reply = await this.ask(shard, from, () => pool.request(from, handOver));
    const final = reply?.offset ?? 0;
    await this.caughtUp(shard, from, to, final, ticket, startedAt + timeoutMs);
    if (Atomics.compareExchange(ticket, 0, Ticket.Open, Ticket.Taken) !== Ticket.Open) {
      throw new PlannedFailoverError(
        shard,
        `its primary stopped waiting after ${timeoutMs} ms and went on; nothing was lost`,
      );
    }
    const offset = await this.takeOver(shard, { from, to, final, ring }, ticket);
    // The old primary forwards what it held before it follows the new one (its port's order).
    await pool.request(from, { type: 'release' }).catch(() => undefined);
    const record = sets.record({ shard, from, to, startedAt, offset, planned: true });
    await sets.afterPromotion(shard, to, from).catch((error) => sets.report(error));
    return record;
  }

  /** Waits until `to` acknowledged `final`; gives the failover up on a death, a move or timeout. */
  private async caughtUp(
    shard: number,
    from: number,
    to: number,
    final: number,
    ticket: Int32Array,
    deadline: number,
  ): Promise<void> {
    const { pool, sets } = this;
    const control = pool.control;
    const giveUp = (reason: string): PlannedFailoverError => {
      if (Atomics.compareExchange(ticket, 0, Ticket.Open, Ticket.Abandoned) === Ticket.Open) {
        control.wakeShard(from);
      }
      return new PlannedFailoverError(shard, `${reason}; its primary went on, nothing was lost`);
    };
    for (;;) {
      if (pool.stopping) throw new ClientClosedError('The database is closed');
      if (sets.exited.has(from) || !pool.live(from)) {
        throw new PlannedFailoverError(
          shard,
          `its primary, worker ${from}, died during the failover (the automatic failover takes over)`,
        );
      }
      if (sets.exited.has(to) || !pool.live(to)) throw giveUp(`worker ${to}, the replica, died`);
      const moving = this.movingSlot(from);
      if (moving >= 0) throw giveUp(`a move of slot ${moving} began during the failover`);
      const needed = Math.max(final, control.offset(from));
      const acked = control.offset(to);
      if (control.replicaState(to) === ReplicaState.Streaming && acked >= needed) return;
      if (performance.now() >= deadline) {
        throw giveUp(
          `worker ${to} did not catch up in time (it acknowledged offset ${acked} of ${needed})`,
        );
      }
      if (Atomics.load(ticket, 0) === Ticket.Abandoned) {
        throw giveUp(
          'its primary stopped waiting on its own (this thread was kept busy past timeoutMs)',
        );
      }
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
  }

  /** Tells `to` to take the shard over; if it cannot, the old primary goes on. */
  private async takeOver(
    shard: number,
    seats: { from: number; to: number; final: number; ring: SharedArrayBuffer },
    ticket: Int32Array,
  ): Promise<number> {
    const { pool } = this;
    const control = pool.control;
    const { from, to, final, ring } = seats;
    // With a data directory, a snapshot commit under way ends first: the new primary takes over
    // the log the manifest names (the old primary finishes no snapshot while it holds).
    const taking = (async () => {
      const files = await pool.store?.filesForPromotion(shard);
      try {
        return await pool.request(to, { type: 'take-over', from, offset: final, ring, files });
      } finally {
        pool.store?.promotionEnded(shard);
      }
    })();
    // Gone from the map before anyone chained on it runs (a death noticed meanwhile looks again).
    const settled = taking.then(
      () => this.takingOver.delete(shard),
      () => this.takingOver.delete(shard),
    );
    this.takingOver.set(shard, settled);
    try {
      return (await taking).offset ?? final;
    } catch (error) {
      // It never took the slots (they are still the old primary's): the old primary goes on.
      if (control.primaryOf(shard) === from) {
        Atomics.compareExchange(ticket, 0, Ticket.Taken, Ticket.Abandoned);
        control.wakeShard(from);
      }
      throw new PlannedFailoverError(
        shard,
        `worker ${to} could not take over (${(error as Error).message}); its primary went on, nothing was lost`,
      );
    }
  }

  /** Runs a request to the primary; its refusal or death becomes a PlannedFailoverError. */
  private async ask<T>(shard: number, from: number, send: () => Promise<T>): Promise<T> {
    try {
      return await send();
    } catch (error) {
      const reason = (error as Error).message;
      throw new PlannedFailoverError(shard, `its primary, worker ${from}, refused: ${reason}`);
    }
  }
}
