// Orders to move slots away, as the opening thread sent them ('migrate'): each runs up to
// `parallel` slot moves at once, the rest wait their turn here, and a throttled order pays its
// key budget for every slot it starts. Orders paced 'adaptive' share the shard's one AdaptivePace:
// it measures the clients for every move this shard makes.

import { ShardState, WorkerRole } from '../../src/shared/control-block.js';
import {
  emptyMigrationReport,
  type MigrationOutcome,
  type MigrationPlan,
  type ToShard,
} from '../../src/shared/control-messages.js';
import { HeldSlot } from '../migration/held-slot.js';
import { AdaptivePace, PaceMode } from '../migration/pacing/adaptive-pace.js';
import { RateBudget } from '../migration/pacing/rate-budget.js';
import type { Shard } from '../shard.js';

/** What starting and flipping one slot costs a throttled order, in keys of its budget. */
const SLOT_COST_KEYS = 32;

/** A throttled migration order waiting for its budget is looked at again at least this soon. */
const THROTTLE_PARK_MS_MAX = 5;

interface Order {
  readonly plans: MigrationPlan[];
  readonly parallel: number;
  readonly running: Set<number>;
  next: number;
  readonly batchKeys: number;
  readonly budget: RateBudget | undefined;
  readonly paced: boolean;
}

function isDone(order: Order): boolean {
  return order.next >= order.plans.length && order.running.size === 0;
}

export class MigrationOrders {
  private readonly orders: Order[] = [];
  /** The pace of adaptive orders, made by the first one (it keeps what it learned across orders). */
  pace: AdaptivePace | undefined;
  /** Whether a running order is paced adaptively (the shard then calls pace.beginTurn). */
  private pacedOrders = 0;

  constructor(private readonly shard: Shard) {}

  /** The pace to consult this turn, if an adaptive order runs. */
  get activePace(): AdaptivePace | undefined {
    return this.pacedOrders > 0 ? this.pace : undefined;
  }

  /** Whether some order still has slots to move or moves running. */
  get pending(): boolean {
    return this.orders.length > 0;
  }

  add(message: Extract<ToShard, { type: 'migrate' }>): void {
    const batchKeys = Math.max(1, ...message.plans.map((plan) => plan.batchKeys));
    const { keysPerSecond, bytesPerSecond } = message;
    const now = performance.now();
    // A move going on after this shard's promotion is not paced: its slots are held (held-slot.ts)
    // until they start again, and a held slot that waits too long is given up as lost.
    const paced = message.pace === 'adaptive' && !message.plans.some((plan) => plan.resumed);
    if (paced) {
      this.pace ??= this.newPace(now);
      this.pacedOrders++;
    }
    this.orders.push({
      plans: [...message.plans],
      parallel: message.parallel,
      running: new Set(),
      next: 0,
      batchKeys,
      paced,
      budget:
        keysPerSecond > 0 || bytesPerSecond > 0
          ? new RateBudget(keysPerSecond, bytesPerSecond, Math.max(batchKeys, SLOT_COST_KEYS), now)
          : undefined,
    });
    this.startQueued();
  }

  private newPace(now: number): AdaptivePace {
    const history = this.shard.stats.foreground;
    const pace = new AdaptivePace(this.shard.control, now, Date.now, (at) => history.rate(at));
    // A running profile shows the pace beside the clients' throughput.
    pace.onPeriod = (adjusted, at) =>
      this.shard.profiler?.addPace(
        adjusted.mode === PaceMode.Idle ? 1 : adjusted.duty,
        performance.timeOrigin + at,
      );
    return pace;
  }

  /** Starts queued slot moves while each order has fewer than `parallel` running. */
  startQueued(): void {
    const orders = this.orders;
    if (orders.length === 0) return;
    const pace = this.pace;
    for (const order of orders) {
      const paced = order.paced ? pace : undefined;
      const parallel = paced === undefined ? order.parallel : paced.parallel(order.parallel);
      while (order.running.size < parallel && order.next < order.plans.length) {
        if (paced !== undefined && !paced.mayStart(this.shard.clock)) break;
        // A throttled order pays for each slot it starts, as for SLOT_COST_KEYS keys: starting and
        // flipping a slot costs about that much, and an order of many small slots must not escape
        // its budget by moving few keys per slot.
        if (order.budget !== undefined) {
          if (!order.budget.allows(SLOT_COST_KEYS, this.shard.clock)) break;
          order.budget.take(SLOT_COST_KEYS, 0);
        }
        const plan = order.plans[order.next++]!;
        const refusal = this.refusal(plan);
        if (refusal !== undefined) {
          const held = this.shard.migrations.lost[plan.slot];
          if (plan.resumed && held instanceof HeldSlot) held.abandon(refusal);
          this.postEmptyEnd(plan, 'failed', refusal);
          continue;
        }
        order.running.add(plan.migration);
        paced?.started();
        this.shard.migrations.startOutgoing(
          plan,
          order.budget,
          order.paced ? this.pace : undefined,
        );
      }
    }
    // Orders with every slot started and none running are done.
    while (orders.length > 0 && isDone(orders[0]!)) {
      if (orders.shift()!.paced) this.pacedOrders--;
    }
  }

  /** The target `from` failed over to `to`: slots waiting their turn go there instead. */
  retarget(from: number, to: number): void {
    for (const order of this.orders) {
      const plans = order.plans;
      for (let i = order.next; i < plans.length; i++) {
        if (plans[i]!.target === from) plans[i] = { ...plans[i]!, target: to };
      }
    }
  }

  /** A slot move of some order ended: its order may start the next. */
  finished(migration: number): void {
    for (const order of this.orders) order.running.delete(migration);
    this.startQueued();
  }

  /** Why `plan` cannot start now, or undefined if it can. */
  private refusal(plan: MigrationPlan): string | undefined {
    const { id, control, migrations, peers } = this.shard;
    const { slot, target } = plan;
    if (control.owner[slot] !== id) return `shard ${id} does not own slot ${slot}`;
    if (migrations.outgoing[slot] !== undefined) return `slot ${slot} is already migrating`;
    const lost = migrations.lost[slot];
    // A slot held since this shard's promotion waits for exactly this: its move going on.
    if (lost !== undefined && !(lost instanceof HeldSlot && plan.resumed)) {
      return `slot ${slot} lost keys when shard ${lost.peer} died (the mark lasts until the database is reopened)`;
    }
    if (peers.byId[target] === undefined) return `shard ${id} has no ring to shard ${target}`;
    if (control.shardState(target) !== ShardState.Running) return `shard ${target} is not running`;
    // A primary that handed its shard over (a planned failover) takes no slot any more.
    if (control.workerRole(target) !== WorkerRole.Primary)
      return `worker ${target} is not a primary`;
    return undefined;
  }

  /** Removes a move that has not started yet (cancelled or refused). */
  dropQueued(migration: number, outcome: MigrationOutcome, reason: string): void {
    for (const order of this.orders) {
      const index = order.plans.findIndex(
        (plan, i) => i >= order.next && plan.migration === migration,
      );
      if (index < 0) continue;
      const [plan] = order.plans.splice(index, 1);
      this.postEmptyEnd(plan!, outcome, reason);
      return;
    }
  }

  private postEmptyEnd(plan: MigrationPlan, outcome: MigrationOutcome, reason: string): void {
    this.shard.post({
      type: 'migration-end',
      migration: plan.migration,
      outcome,
      error: reason,
      report: emptyMigrationReport(plan.slot, this.shard.id, plan.target, plan.lock),
    });
  }

  /** How long a parked shard may sleep, at most `timeoutMs`: a throttled order waits for budget. */
  parkTimeout(timeoutMs: number): number {
    const pace = this.activePace;
    if (pace !== undefined) timeoutMs = Math.min(timeoutMs, pace.parkMs(this.shard.clock));
    // A throttled order waits for its budget, not for a peer: wake up when the next batch may go.
    for (const order of this.orders) {
      if (order.budget?.starved) {
        const keys = Math.max(order.batchKeys, SLOT_COST_KEYS);
        timeoutMs = Math.min(timeoutMs, order.budget.msUntil(keys), THROTTLE_PARK_MS_MAX);
      }
    }
    return timeoutMs;
  }
}
