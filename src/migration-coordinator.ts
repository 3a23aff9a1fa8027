// Orders slot migrations from the opening thread: checks the request, links the two shards with a
// ring each way (once per pair), tells the target to import and the source to migrate, relays
// progress as 'migration' events, and settles the caller's promise with the source's report. The
// moving itself happens between the two shards (workers/migration/); no key passes through here.

import { ShardState } from './shared/control-block.js';
import { type LockMode, type MigrationOutcome, type MigrationPlan, type MigrationReport, type ShardEvent, emptyMigrationReport } from './shared/control-messages.js';
import { SLOT_COUNT } from './shared/limits.js';
import { createRingStorage } from './shared/ring.js';
import { OptionError, ShardDownError } from './errors.js';
import type { ShardPool } from './shard-pool.js';

/** Keys per batch: enough to amortise a batch's fixed cost, few enough to keep each lock short. */
export const BATCH_KEYS_DEFAULT = 256;
export const BATCH_KEYS_MAX = 1 << 16;
/** Bytes per batch (a batch holds at least one key, whatever its size). */
export const BATCH_BYTES_DEFAULT = 256 * 1024;
export const BATCH_BYTES_MIN = 1024;
export const BATCH_BYTES_MAX = 64 * 1024 * 1024;
/** Batches in flight per migration: lets the target apply one while the source builds the next. */
export const WINDOW_DEFAULT = 4;
export const WINDOW_MAX = 64;
/** Slots moving at once in migrateSlots and rebalance. */
export const PARALLEL_DEFAULT = 4;
export const PARALLEL_MAX = 64;
/** Highest throttle accepted, keys per second (far above what a shard moves). */
export const KEYS_PER_SECOND_MAX = 1e9;
/** Bytes of each ring between two shards. */
export const PEER_RING_BYTES = 4 * 1024 * 1024;

export interface MigrateOptions {
  /** Keys per batch (default 256). */
  batchKeys?: number;
  /** Bytes per batch (default 256 KiB). */
  batchBytes?: number;
  /** Unacknowledged batches at most (default 4). */
  window?: number;
  /** 'key' (default): only keys in flight wait. 'slot': every request for the slot waits (baseline). */
  lock?: LockMode;
  /** Cancels the migration: the promise rejects with an AbortError, as fetch does. */
  signal?: AbortSignal;
  /**
   * Keys per second each source shard may move (default: no limit). Throttling leaves the shards
   * more time for their clients while slots move; the move takes longer.
   */
  keysPerSecond?: number;
}

export interface MigrateSlotsOptions extends MigrateOptions {
  /** Slots moving at once (default 4). */
  parallel?: number;
}

export interface RebalanceOptions extends MigrateSlotsOptions {
  /** What to even out: keys per shard (default) or slots per shard. */
  by?: 'keys' | 'slots';
  /** Relative capacity per shard (default all 1): shard i gets weights[i] / sum of the total. */
  weights?: readonly number[];
}

export interface MigrationSummary {
  readonly slots: number;
  readonly keys: number;
  readonly bytes: number;
  readonly durationMs: number;
  readonly reports: readonly MigrationReport[];
}

export type MigrationEventType = 'started' | 'batch' | MigrationOutcome;

/** Progress of one slot's move, for `db.on('migration', ...)`. */
export interface MigrationEvent {
  readonly type: MigrationEventType;
  readonly slot: number;
  readonly source: number;
  readonly target: number;
  /** Keys moved (acknowledged by the target) so far. */
  readonly keys: number;
  /** Keys still on the source, when known. */
  readonly keysLeft?: number;
  readonly bytes: number;
  readonly batches: number;
  /** On completed, cancelled and failed. */
  readonly report?: MigrationReport;
  readonly error?: string;
}

interface Running {
  readonly slot: number;
  readonly source: number;
  readonly target: number;
  readonly settle: (outcome: MigrationOutcome, report: MigrationReport, error?: string) => void;
  readonly die: (error: Error) => void;
}

function integerOption(options: Record<string, unknown>, name: string, min: number, max: number, fallback: number): number {
  const value = options[name];
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new OptionError(name, `an integer from ${min} to ${max}`, value);
  }
  return value;
}

function abortError(signal: AbortSignal): unknown {
  return signal.reason ?? new DOMException('This operation was aborted', 'AbortError');
}

/** A migration that did not complete, with what it measured. */
export class MigrationError extends Error {
  constructor(
    message: string,
    readonly report: MigrationReport,
  ) {
    super(message);
    this.name = 'MigrationError';
  }
}

export class MigrationCoordinator {
  private nextMigration = 1;
  private readonly running = new Map<number, Running>();
  private readonly busySlots = new Set<number>();
  private readonly links = new Map<string, Promise<void>>();

  constructor(
    private readonly pool: ShardPool,
    private readonly emit: (event: MigrationEvent) => void,
  ) {
    pool.onEvent = (shard, event) => this.onEvent(shard, event);
    pool.onDeath = (shard) => this.onDeath(shard);
  }

  /** Moves one slot to `target` while it serves load. */
  async migrateSlot(slot: number, target: number, options: MigrateOptions = {}): Promise<MigrationReport> {
    const summary = await this.move([{ slot, target }], 1, options);
    return summary.reports[0]!;
  }

  /** Moves several slots to `target`, at most `parallel` at a time per source shard. */
  async migrateSlots(slots: readonly number[], target: number, options: MigrateSlotsOptions = {}): Promise<MigrationSummary> {
    const parallel = integerOption(options as Record<string, unknown>, 'parallel', 1, PARALLEL_MAX, PARALLEL_DEFAULT);
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
  async rebalance(options: RebalanceOptions = {}): Promise<MigrationSummary & { readonly moves: readonly { slot: number; source: number; target: number }[] }> {
    const parallel = integerOption(options as Record<string, unknown>, 'parallel', 1, PARALLEL_MAX, PARALLEL_DEFAULT);
    const shards = this.pool.options.shards;
    const weights = options.weights ?? new Array<number>(shards).fill(1);
    if (!Array.isArray(weights) || weights.length !== shards || weights.some((w) => typeof w !== 'number' || !(w >= 0)) || weights.every((w) => w === 0)) {
      throw new OptionError('weights', `an array of ${shards} non-negative numbers, not all zero`, options.weights);
    }
    const by = options.by ?? 'keys';
    if (by !== 'keys' && by !== 'slots') throw new OptionError('by', "'keys' or 'slots'", by);
    const owner = Array.from(this.pool.control.owner);
    const load = by === 'slots' ? new Uint32Array(SLOT_COUNT).fill(1) : await this.countKeysPerSlot();
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
  private async move(moves: readonly { slot: number; target: number }[], parallel: number, options: MigrateOptions): Promise<MigrationSummary> {
    const limits = this.checkOptions(options);
    const keysPerSecond = integerOption(options as Record<string, unknown>, 'keysPerSecond', 0, KEYS_PER_SECOND_MAX, 0);
    const signal = options.signal;
    const control = this.pool.control;
    const shards = this.pool.options.shards;
    const seen = new Set<number>();
    for (const { slot, target } of moves) {
      if (!Number.isInteger(slot) || slot < 0 || slot >= SLOT_COUNT) throw new OptionError('slot', `an integer from 0 to ${SLOT_COUNT - 1}`, slot);
      if (!Number.isInteger(target) || target < 0 || target >= shards) throw new OptionError('targetShard', `an integer from 0 to ${shards - 1}`, target);
      if (seen.has(slot)) throw new OptionError('slots', 'slots without repeats', slot);
      if (this.busySlots.has(slot)) throw new Error(`slotdb: slot ${slot} is already migrating`);
      seen.add(slot);
    }
    if (signal?.aborted) throw abortError(signal);
    const started = performance.now();
    const reports: MigrationReport[] = [];
    const bySource = new Map<number, MigrationPlan[]>();
    for (const { slot, target } of moves) {
      const source = control.owner[slot]!;
      if (source === target) {
        reports.push(emptyMigrationReport(slot, source, target, limits.lock));
        continue;
      }
      for (const shard of [source, target]) {
        if (control.shardState(shard) !== ShardState.Running) throw new ShardDownError(shard, 'it is not running');
      }
      const plans = bySource.get(source) ?? [];
      plans.push({ ...limits, migration: this.nextMigration++, slot, target });
      bySource.set(source, plans);
    }
    const planned = [...bySource.values()].flat();
    for (const plan of planned) this.busySlots.add(plan.slot);
    const cancel = (): void => {
      for (const [source, plans] of bySource) {
        for (const plan of plans) void this.pool.request(source, { type: 'cancel', migration: plan.migration }).catch(() => undefined);
      }
    };
    try {
      await Promise.all([...bySource].flatMap(([source, plans]) => [...new Set(plans.map((plan) => plan.target))].map((target) => this.link(source, target))));
      const endings = planned.map((plan) => this.track(plan, control.owner[plan.slot]!, signal));
      for (const [source, plans] of bySource) {
        await this.pool.request(source, { type: 'migrate', plans, parallel, keysPerSecond });
      }
      signal?.addEventListener('abort', cancel, { once: true });
      if (signal?.aborted) cancel();
      const settled = await Promise.allSettled(endings);
      const failure = settled.find((result): result is PromiseRejectedResult => result.status === 'rejected');
      if (failure !== undefined) throw signal?.aborted ? abortError(signal) : failure.reason;
      for (const result of settled) if (result.status === 'fulfilled') reports.push(result.value);
    } finally {
      signal?.removeEventListener('abort', cancel);
      for (const plan of planned) {
        this.busySlots.delete(plan.slot);
        this.running.delete(plan.migration);
      }
    }
    return {
      slots: reports.length,
      keys: reports.reduce((total, report) => total + report.keys, 0),
      bytes: reports.reduce((total, report) => total + report.bytes, 0),
      durationMs: performance.now() - started,
      reports,
    };
  }

  /** A promise for the end of one planned move. */
  private track(plan: MigrationPlan, source: number, signal: AbortSignal | undefined): Promise<MigrationReport> {
    return new Promise<MigrationReport>((resolve, reject) => {
      this.running.set(plan.migration, {
        slot: plan.slot,
        source,
        target: plan.target,
        settle: (outcome, report, error) => {
          if (outcome === 'completed') resolve(report);
          else if (outcome === 'cancelled' && signal?.aborted) reject(abortError(signal));
          else reject(new MigrationError(`slotdb: migration of slot ${plan.slot} ${outcome}${error ? `: ${error}` : ''}`, report));
        },
        die: reject,
      });
    });
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

  private checkOptions(options: MigrateOptions): Pick<MigrationPlan, 'lock' | 'batchKeys' | 'batchBytes' | 'window'> {
    if (options === null || typeof options !== 'object') throw new OptionError('options', 'an object', options);
    const record = options as Record<string, unknown>;
    const lock = options.lock ?? 'key';
    if (lock !== 'key' && lock !== 'slot') throw new OptionError('lock', "'key' or 'slot'", lock);
    if (options.signal !== undefined && !(options.signal instanceof AbortSignal)) throw new OptionError('signal', 'an AbortSignal', options.signal);
    return {
      lock,
      batchKeys: integerOption(record, 'batchKeys', 1, BATCH_KEYS_MAX, BATCH_KEYS_DEFAULT),
      batchBytes: integerOption(record, 'batchBytes', BATCH_BYTES_MIN, BATCH_BYTES_MAX, BATCH_BYTES_DEFAULT),
      window: integerOption(record, 'window', 1, WINDOW_MAX, WINDOW_DEFAULT),
    };
  }

  /** Creates the rings between two shards the first time they meet. */
  private link(a: number, b: number): Promise<void> {
    const key = a < b ? `${a}-${b}` : `${b}-${a}`;
    let linked = this.links.get(key);
    if (linked === undefined) {
      const ab = createRingStorage(PEER_RING_BYTES);
      const ba = createRingStorage(PEER_RING_BYTES);
      linked = Promise.all([
        this.pool.request(a, { type: 'link', peer: b, out: ab, in: ba }),
        this.pool.request(b, { type: 'link', peer: a, out: ba, in: ab }),
      ]).then(() => undefined);
      linked.catch(() => this.links.delete(key));
      this.links.set(key, linked);
    }
    return linked;
  }

  private onEvent(_shard: number, event: ShardEvent): void {
    if (event.type === 'ready') return;
    const running = this.running.get(event.migration);
    if (running === undefined) return;
    const where = { slot: running.slot, source: running.source, target: running.target };
    if (event.type === 'migration-start') {
      this.emit({ type: 'started', ...where, keys: 0, bytes: 0, batches: 0 });
      return;
    }
    if (event.type === 'migration-progress') {
      this.emit({ type: 'batch', ...where, keys: event.keys, keysLeft: event.keysLeft, bytes: event.bytes, batches: event.batches });
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

  /** A shard died: migrations it was the source of will never report; fail them now. */
  private onDeath(shard: number): void {
    for (const running of this.running.values()) {
      if (running.source !== shard) continue;
      running.die(new ShardDownError(shard, `it died while moving slot ${running.slot}`));
    }
  }
}

/**
 * A greedy plan: while the most overloaded shard (load above its share) has a slot whose move to
 * the most underloaded shard reduces the larger of their two deviations, move the best such slot.
 */
export function planRebalance(
  owner: readonly number[],
  load: ArrayLike<number>,
  weights: readonly number[],
): { slot: number; source: number; target: number }[] {
  const shards = weights.length;
  const totalWeight = weights.reduce((a, b) => a + b, 0);
  const perShard = new Array<number>(shards).fill(0);
  const slotsOf: number[][] = Array.from({ length: shards }, () => []);
  let total = 0;
  for (let slot = 0; slot < owner.length; slot++) {
    perShard[owner[slot]!]! += load[slot]!;
    slotsOf[owner[slot]!]!.push(slot);
    total += load[slot]!;
  }
  const share = weights.map((w) => (total * w) / totalWeight);
  const moves: { slot: number; source: number; target: number }[] = [];
  const owners = [...owner];
  for (let step = 0; step < owner.length; step++) {
    let over = 0;
    let under = 0;
    for (let s = 1; s < shards; s++) {
      if (perShard[s]! - share[s]! > perShard[over]! - share[over]!) over = s;
      if (perShard[s]! - share[s]! < perShard[under]! - share[under]!) under = s;
    }
    const excess = perShard[over]! - share[over]!;
    const room = share[under]! - perShard[under]!;
    if (over === under || excess <= 0 || room <= 0) break;
    // The slot whose load is closest to min(excess, room) without exceeding what helps.
    const ideal = Math.min(excess, room);
    let best = -1;
    let bestScore = Infinity;
    for (const slot of slotsOf[over]!) {
      if (owners[slot] !== over) continue;
      const l = load[slot]!;
      if (l === 0 || l >= 2 * ideal) continue;
      const score = Math.abs(ideal - l);
      if (score < bestScore) {
        bestScore = score;
        best = slot;
      }
    }
    if (best < 0) break;
    owners[best] = under;
    perShard[over]! -= load[best]!;
    perShard[under]! += load[best]!;
    moves.push({ slot: best, source: over, target: under });
  }
  return moves;
}
