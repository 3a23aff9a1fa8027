// Orders slot migrations from the opening thread: checks the request, links the two shards with a
// ring each way (once per pair), tells the target to import and the source to migrate, relays
// progress as 'migration' events, and settles the caller's promise with the source's report. The
// moving itself happens between the two shards (workers/migration/); no key passes through here.
// With replicas, a move goes on across a failover of either shard (failover.ts).

import {
  ClientClosedError,
  MigrationError,
  OptionError,
  ShardDownError,
  SlotBusyError,
} from '../errors.js';
import { checkOptionNames, integerOption } from '../options.js';
import type { ShardPool } from '../shard-pool.js';
import { ShardState } from '../shared/control-block.js';
import {
  emptyMigrationReport,
  type MigrationOutcome,
  type MigrationPlan,
  type MigrationReport,
  type MoveOrder,
  type ShardEvent,
} from '../shared/control-messages.js';
import { PARALLEL_DEFAULT, PARALLEL_MAX, SLOT_COUNT } from '../shared/limits.js';
import { failoverMoves, type MoveInFlight } from './failover.js';
import {
  checkMigrateOptions,
  checkMoveOrder,
  MIGRATE_OPTION_NAMES,
  MIGRATE_SLOTS_OPTION_NAMES,
  type MigrateOptions,
  type MigrateSlotsOptions,
  type MigrationEvent,
  type MigrationSummary,
  REBALANCE_OPTION_NAMES,
  type RebalanceOptions,
} from './options.js';
import { planRebalance } from './rebalance.js';

interface Running extends MoveInFlight {
  readonly slot: number;
  readonly settle: (outcome: MigrationOutcome, report: MigrationReport, error?: string) => void;
  readonly die: (error: Error) => void;
}

function abortError(signal: AbortSignal): unknown {
  return signal.reason ?? new DOMException('This operation was aborted', 'AbortError');
}

export class MigrationCoordinator {
  private nextMigration = 1;
  private readonly running = new Map<number, Running>();
  private readonly busySlots = new Set<number>();

  constructor(
    private readonly pool: ShardPool,
    private readonly emit: (event: MigrationEvent) => void,
  ) {
    pool.onEvent = (shard, event) => this.onEvent(shard, event);
    pool.onDeath = (shard) => this.onDeath(shard);
    pool.replicaSets.failoverListeners.add((record) =>
      failoverMoves(pool, this.running.values(), record.from, record.to),
    );
  }

  /** Moves one slot to `target` while it serves load. */
  async migrateSlot(
    slot: number,
    target: number,
    options: MigrateOptions = {},
  ): Promise<MigrationReport> {
    checkOptionNames(options, MIGRATE_OPTION_NAMES);
    const summary = await this.move([{ slot, target }], 1, options);
    return summary.reports[0]!;
  }

  /** Moves several slots to `target`, at most `parallel` at a time per source shard. */
  async migrateSlots(
    slots: readonly number[],
    target: number,
    options: MigrateSlotsOptions = {},
  ): Promise<MigrationSummary> {
    checkOptionNames(options, MIGRATE_SLOTS_OPTION_NAMES);
    const parallel = integerOption(
      options as Record<string, unknown>,
      'parallel',
      1,
      PARALLEL_MAX,
      PARALLEL_DEFAULT,
    );
    if (!Array.isArray(slots)) throw new OptionError('slots', 'an array of slot numbers', slots);
    return this.move(
      slots.map((slot) => ({ slot, target })),
      parallel,
      options,
    );
  }

  /**
   * Spreads slots so that keys (or slots) per shard follow `weights` (even by default), moving as
   * few slots as a greedy plan finds: from the most loaded shard to the least loaded, the slot that
   * brings them closest, until no move helps.
   */
  async rebalance(options: RebalanceOptions = {}): Promise<
    MigrationSummary & {
      readonly moves: readonly { slot: number; source: number; target: number }[];
    }
  > {
    checkOptionNames(options, REBALANCE_OPTION_NAMES);
    const parallel = integerOption(
      options as Record<string, unknown>,
      'parallel',
      1,
      PARALLEL_MAX,
      PARALLEL_DEFAULT,
    );
    const shards = this.pool.options.shards;
    const weights = options.weights ?? new Array<number>(shards).fill(1);
    if (
      !Array.isArray(weights) ||
      weights.length !== shards ||
      weights.some((w) => typeof w !== 'number' || !Number.isFinite(w) || w < 0) ||
      weights.every((w) => w === 0)
    ) {
      throw new OptionError(
        'weights',
        `an array of ${shards} finite non-negative numbers, not all zero`,
        options.weights,
      );
    }
    const by = options.by ?? 'keys';
    if (by !== 'keys' && by !== 'slots') throw new OptionError('by', "'keys' or 'slots'", by);
    const control = this.pool.control;
    const owner = Array.from(control.owner, (seat) => control.workerShard(seat));
    const load = by === 'slots' ? new Uint32Array(SLOT_COUNT).fill(1) : await this.countKeys();
    const moves = planRebalance(owner, load, weights);
    const summary = await this.move(moves, parallel, options);
    return { ...summary, moves };
  }

  /**
   * Moves every slot of `moves` to its target. The coordinator checks everything first (nothing is
   * sent if anything is wrong), links the shard pairs, then sends each source shard one order with
   * its slots; the source runs `parallel` of them at a time without asking back. Resolves once every
   * move ended; rejects with the first failure (an AbortError when cancelled).
   */
  private async move(
    moves: readonly { slot: number; target: number }[],
    parallel: number,
    options: MigrateOptions,
  ): Promise<MigrationSummary> {
    const limits = checkMigrateOptions(options, this.pool.options.replicas);
    const order = checkMoveOrder(options, parallel);
    const signal = options.signal;
    const control = this.pool.control;
    this.checkMoves(moves);
    if (signal?.aborted) throw abortError(signal);
    const started = performance.now();
    const reports: MigrationReport[] = [];
    const bySource = new Map<number, MigrationPlan[]>();
    for (const move of moves) {
      const slot = move.slot;
      // Moves name shards; the shard's primary (its worker seat now) is the target.
      const target = control.primaryOf(move.target);
      const source = control.owner[slot]!;
      if (source === target) {
        reports.push(emptyMigrationReport(slot, source, target, limits.lock));
        continue;
      }
      for (const shard of [source, target]) {
        if (control.shardState(shard) !== ShardState.Running)
          throw new ShardDownError(shard, 'it is not running');
      }
      const plans = bySource.get(source) ?? [];
      plans.push({ ...limits, migration: this.nextMigration++, slot, target });
      bySource.set(source, plans);
    }
    const planned = [...bySource.values()].flat();
    for (const plan of planned) this.busySlots.add(plan.slot);
    // To the move's source now: it may have failed over since the move started.
    const cancel = (): void => {
      for (const plan of planned) {
        const running = this.running.get(plan.migration);
        if (running === undefined) continue;
        running.cancelled = true;
        const request = { type: 'cancel', migration: plan.migration } as const;
        void this.pool.request(running.source, request).catch(() => undefined);
      }
    };
    try {
      await Promise.all(
        [...bySource].flatMap(([source, plans]) =>
          [...new Set(plans.map((plan) => plan.target))].map((target) =>
            this.pool.peerRings.link(source, target),
          ),
        ),
      );
      this.throwIfClosed();
      const endings = planned.map((plan) =>
        this.track(plan, control.owner[plan.slot]!, order, signal),
      );
      // An ending may reject before it is awaited (close(), a death): handled here, read below.
      for (const ending of endings) ending.catch(() => undefined);
      // An order the closing database refused: close() failed every move tracked above with what
      // was moving where, which the endings below report (the order's reply can come after the
      // move's first batch, since a shard answers at the end of its loop turn).
      await this.order(bySource, order).catch((error: unknown) => {
        if (!this.closed) throw error;
      });
      signal?.addEventListener('abort', cancel, { once: true });
      if (signal?.aborted) cancel();
      const settled = await Promise.allSettled(endings);
      const failure = settled.find(
        (result): result is PromiseRejectedResult => result.status === 'rejected',
      );
      if (failure !== undefined) throw signal?.aborted ? abortError(signal) : failure.reason;
      for (const result of settled) if (result.status === 'fulfilled') reports.push(result.value);
    } catch (error) {
      // Closing stops the shards under a move still being set up: the caller learns that the
      // database closed, not which stopping shard refused a request.
      if (this.closed && !(error instanceof ClientClosedError)) throw closedWhileMoving(moves);
      throw error;
    } finally {
      signal?.removeEventListener('abort', cancel);
      for (const plan of planned) {
        this.busySlots.delete(plan.slot);
        this.running.delete(plan.migration);
      }
    }
    return summarize(reports, started);
  }

  /** Sends each source its slots to move. */
  private async order(bySource: Map<number, MigrationPlan[]>, order: MoveOrder): Promise<void> {
    for (const [source, plans] of bySource) {
      const migrate = { type: 'migrate', plans, ...order } as const;
      await this.pool.request(source, migrate).catch((error: unknown) => {
        // The source died and failed over first: its promoted replica got the plans instead.
        if (!plans.every((plan) => this.running.get(plan.migration)?.source !== source))
          throw error;
      });
    }
  }

  /** Refuses a bad slot or target, a slot named twice, or a slot that is moving already. */
  private checkMoves(moves: readonly { slot: number; target: number }[]): void {
    const shards = this.pool.options.shards;
    const seen = new Set<number>();
    for (const { slot, target } of moves) {
      if (!Number.isInteger(slot) || slot < 0 || slot >= SLOT_COUNT)
        throw new OptionError('slot', `an integer from 0 to ${SLOT_COUNT - 1}`, slot);
      if (!Number.isInteger(target) || target < 0 || target >= shards)
        throw new OptionError('targetShard', `an integer from 0 to ${shards - 1}`, target);
      if (seen.has(slot)) throw new OptionError('slots', 'slots without repeats', slot);
      if (this.busySlots.has(slot)) throw new SlotBusyError(slot);
      seen.add(slot);
    }
  }

  /** A promise for the end of one planned move. */
  private track(
    plan: MigrationPlan,
    source: number,
    order: MoveOrder,
    signal: AbortSignal | undefined,
  ): Promise<MigrationReport> {
    return new Promise<MigrationReport>((resolve, reject) => {
      this.running.set(plan.migration, {
        plan,
        order,
        cancelled: false,
        slot: plan.slot,
        source,
        target: plan.target,
        settle: (outcome, report, error) => {
          if (outcome === 'completed') resolve(report);
          else if (outcome === 'cancelled' && signal?.aborted) reject(abortError(signal));
          else
            reject(
              new MigrationError(
                `slotdb: migration of slot ${plan.slot} ${outcome}${error ? `: ${error}` : ''}`,
                report,
              ),
            );
        },
        die: reject,
      });
    });
  }

  /** Set by close(): moves set up from then on fail with ClientClosedError. */
  private closed = false;

  private throwIfClosed(): void {
    if (this.closed) throw new ClientClosedError('The client is closed');
  }

  /** Keys per slot, for a rebalance; a close() meanwhile fails it with ClientClosedError. */
  private async countKeys(): Promise<Uint32Array> {
    try {
      const counts = await this.countKeysPerSlot();
      this.throwIfClosed();
      return counts;
    } catch (error) {
      this.throwIfClosed();
      throw error;
    }
  }

  private async countKeysPerSlot(): Promise<Uint32Array> {
    const counts = new Uint32Array(SLOT_COUNT);
    const replies = await Promise.all(
      Array.from({ length: this.pool.options.shards }, (_, shard) =>
        this.pool.live(shard) ? this.pool.request(shard, { type: 'count-slots' }) : undefined,
      ),
    );
    for (const reply of replies) {
      if (reply?.counts === undefined) continue;
      for (let slot = 0; slot < SLOT_COUNT; slot++) counts[slot]! += reply.counts[slot]!;
    }
    return counts;
  }
  private onEvent(_shard: number, event: ShardEvent): void {
    if (!('migration' in event)) return;
    const running = this.running.get(event.migration);
    if (running === undefined) return;
    const where = { slot: running.slot, source: running.source, target: running.target };
    if (event.type === 'migration-start') {
      this.emit({ type: 'started', ...where, keys: 0, bytes: 0, batches: 0 });
      return;
    }
    if (event.type === 'migration-progress') {
      this.emit({
        type: 'batch',
        ...where,
        keys: event.keys,
        keysLeft: event.keysLeft,
        bytes: event.bytes,
        batches: event.batches,
      });
      return;
    }
    const report = event.report;
    this.emit({
      type: event.outcome,
      ...where,
      keys: report.keys,
      keysLeft: event.outcome === 'completed' ? 0 : undefined,
      bytes: report.bytes,
      batches: report.batches,
      report,
      ...(event.error !== undefined ? { error: event.error } : {}),
    });
    running.settle(event.outcome, report, event.error);
  }

  /**
   * The database is closing: once the shards stop, no move reports again. Each one still running
   * fails now with ClientClosedError; its slot keeps the owner it had (a move flips only at its
   * end), so it is owned by exactly one shard.
   */
  close(): void {
    this.closed = true;
    for (const running of this.running.values()) {
      const where = `slot ${running.slot} was moving from shard ${running.source} to ${running.target}`;
      running.die(new ClientClosedError(`The client is closed: ${where}`));
    }
  }

  /** A shard died: migrations it was the source of will never report; fail them now. */
  private onDeath(shard: number): void {
    for (const running of this.running.values()) {
      if (running.source !== shard) continue;
      running.die(new ShardDownError(shard, `it died while moving slot ${running.slot}`));
    }
  }
}

/** The error of moves that the database's close() interrupted while they were being set up. */
function closedWhileMoving(moves: readonly { slot: number }[]): ClientClosedError {
  const slots = moves.length === 1 ? `slot ${moves[0]!.slot} was` : `${moves.length} slots were`;
  return new ClientClosedError(`The client is closed: ${slots} about to move`);
}

function summarize(reports: MigrationReport[], started: number): MigrationSummary {
  return {
    slots: reports.length,
    keys: reports.reduce((total, report) => total + report.keys, 0),
    bytes: reports.reduce((total, report) => total + report.bytes, 0),
    durationMs: performance.now() - started,
    reports,
  };
}
