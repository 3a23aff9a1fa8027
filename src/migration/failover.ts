// Slot moves across a failover (workers/migration/durability.ts has the shards' side). The replica
// sets tell the coordinator of each failover after the promoted replica took the dead worker's
// slots and before the death is announced; the moves with the dead worker go on with the promoted
// one, and the announcement (peer-down) then finds no move with the dead worker left:
//
//   - the target died: its source links to the new target and is told (peer-failover); it sends
//     IMPORT again, then what was in flight (its keys still locked there), and the move completes;
//   - the source died: its promoted replica holds the keys not moved yet (deletions of moved keys
//     are journaled) and the slot's requests wait there (held-slot.ts); it gets the move's plan
//     again, marked resumed, and goes on as the source; the target is told, and takes keys it
//     already has again. A move cancelled before goes on as a cancel: the keys come back there.

import type { ShardPool } from '../shard-pool.js';
import type { MigrationPlan, MoveOrder } from '../shared/control-messages.js';

/** What the coordinator knows of a move under way. */
export interface MoveInFlight {
  readonly plan: MigrationPlan;
  readonly order: MoveOrder;
  /** Worker seats; they change when either fails over. */
  source: number;
  target: number;
  /** The caller cancelled it. */
  cancelled: boolean;
}

/** The worker in seat `from` died and the one in seat `to` took over its shard. */
export function failoverMoves(
  pool: ShardPool,
  moves: Iterable<MoveInFlight>,
  from: number,
  to: number,
): void {
  if (to < 0) return;
  const told = new Set<number>();
  const resumed = new Map<MoveOrder, MigrationPlan[]>();
  for (const move of moves) {
    if (move.target === from) {
      move.target = to;
      void pool.peerRings.link(move.source, to).catch(() => undefined);
      told.add(move.source);
    } else if (move.source === from) {
      // The dead worker had flipped the slot already: the move reports completed, nothing to resume.
      if (pool.control.owner[move.plan.slot] !== to) continue;
      move.source = to;
      void pool.peerRings.link(to, move.target).catch(() => undefined);
      told.add(move.target);
      const plans = resumed.get(move.order) ?? [];
      const returning = move.cancelled ? { returning: true } : {};
      plans.push({ ...move.plan, target: move.target, resumed: true, ...returning });
      resumed.set(move.order, plans);
    }
  }
  for (const [order, plans] of resumed) {
    const migrate = { type: 'migrate', plans, ...order } as const;
    void pool.request(to, migrate).catch(() => undefined);
  }
  for (const worker of told) {
    if (pool.live(worker)) {
      void pool.request(worker, { type: 'peer-failover', from, to }).catch(() => undefined);
    }
  }
}
