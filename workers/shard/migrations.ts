// The migrations this shard takes part in, whatever its role in each (workers/migration/role.ts):
// by id for peer frames and control messages, and by slot for the request router (outgoing[] and
// incoming[]: plain arrays, looked up per request while any migration runs). With replicas, it
// also carries moves across failovers (workers/migration/durability.ts): a peer that failed over,
// and this shard's own promotion in the middle of a move (held-slot.ts).

import { ShardState, SlotState } from '../../src/shared/control-block.js';
import type { MigrationPlan } from '../../src/shared/control-messages.js';
import { SLOT_COUNT } from '../../src/shared/limits.js';
import { failedOver, shardDown } from '../../src/shared/reply-errors.js';
import type { ImportLimits } from '../migration/control-frames.js';
import type { ForwardLog } from '../migration/forward-log.js';
import { HeldSlot } from '../migration/held-slot.js';
import { IncomingMigration } from '../migration/incoming.js';
import { LostKeys } from '../migration/lost-keys.js';
import { OutgoingMigration } from '../migration/outgoing.js';
import type { AdaptivePace } from '../migration/pacing/adaptive-pace.js';
import type { RateBudget } from '../migration/pacing/rate-budget.js';
import { type MigrationRole, RoleKind } from '../migration/role.js';
import type { ShardProfiler } from '../profiler.js';
import type { Shard } from '../shard.js';

export class Migrations {
  readonly byId = new Map<number, MigrationRole>();
  /** Outgoing migrations by slot: the request-routing fast path looks here. */
  readonly outgoing: (OutgoingMigration | undefined)[] = new Array(SLOT_COUNT).fill(undefined);
  /** Migrations importing a slot here, by slot: requests their source forwards run here. */
  readonly incoming: (IncomingMigration | undefined)[] = new Array(SLOT_COUNT).fill(undefined);
  /**
   * Slots that lost keys when a shard died during their move (lost-keys.ts), until FLUSHALL. Each
   * is also in byId, so that the router leaves its fast path for them.
   */
  readonly lost: (LostKeys | undefined)[] = new Array(SLOT_COUNT).fill(undefined);
  /** Where each slot this shard gave away went, for stragglers when the owner is not a peer. */
  readonly handedTo: (number | undefined)[] = new Array(SLOT_COUNT).fill(undefined);
  /** Forwards of moves that flipped, until their target ran them all (forward-log.ts). */
  private flippedForwards: ForwardLog[] = [];

  constructor(private readonly shard: Shard) {}

  /** Starts moving a slot away (the plan was checked by MigrationOrders). */
  startOutgoing(
    plan: MigrationPlan,
    budget: RateBudget | undefined,
    pace: AdaptivePace | undefined,
  ): void {
    const held = this.lost[plan.slot];
    if (held instanceof HeldSlot) this.finished(held.migration);
    const now = performance.now();
    const migration = new OutgoingMigration(this.shard, plan, now, budget, pace);
    this.byId.set(plan.migration, migration);
    this.outgoing[plan.slot] = migration;
    if (plan.returning) migration.cancel(now);
    if (held instanceof HeldSlot) {
      if (held.flushed) migration.onFlush(now);
      for (const request of held.take()) migration.admit(request.frame, 0);
    }
    // Requests blocked on the slot's keys go to the target, after IMPORT: a push to a key this
    // shard lacks goes there from now on (rule 4), so they must wait there. A BLMOVE whose
    // destination is here first waits for it to move (rule 5), or it would create it there.
    const keyspace = this.shard.keyspace;
    this.shard.blocking.handOff(plan.slot, (frame, request) => {
      const destination = request.destination;
      if (destination !== undefined && keyspace.has(plan.slot, destination)) {
        migration.admit(frame, 0);
      } else {
        migration.forward(frame, 0);
      }
    });
  }

  /**
   * IMPORT from `source`: slot `slot` starts moving here, with these limits for a return; or,
   * for a move this shard takes part in already, its source failed over and goes on.
   */
  imported(id: number, slot: number, source: number, limits: ImportLimits): void {
    const role = this.byId.get(id);
    if (role !== undefined) {
      // From a promoted replica of the source before the news of the failover: it is the news.
      const control = this.shard.control;
      if (role.peer !== source && control.workerShard(role.peer) === control.workerShard(source))
        this.peerFailover(role.peer, source, performance.now());
      if (role.peer === source) role.onImport();
      return;
    }
    const incoming = new IncomingMigration(this.shard, id, slot, source, limits);
    this.byId.set(id, incoming);
    this.incoming[slot] = incoming;
  }

  /** `role` gave way to `next` (RETURN: the keys go back); requests are no longer imported. */
  handOver(role: MigrationRole, next: MigrationRole | undefined): void {
    if (next === undefined) return;
    if (this.incoming[role.slot] === role) this.incoming[role.slot] = undefined;
    this.byId.set(role.migration, next);
  }

  /** `dead` died during migration `id` of `slot`, holding keys of it; the first mark stays. */
  lostKeys(id: number, slot: number, dead: number): void {
    if (this.lost[slot] !== undefined || this.byId.has(id)) return;
    const lost = new LostKeys(this.shard, id, slot, dead);
    this.byId.set(id, lost);
    this.lost[slot] = lost;
  }

  /** Forgets a finished migration; a finished outgoing one makes room for its order's next. */
  finished(id: number): void {
    const role = this.byId.get(id);
    if (role === undefined) return;
    this.byId.delete(id);
    if (this.outgoing[role.slot] === role) this.outgoing[role.slot] = undefined;
    if (this.incoming[role.slot] === role) this.incoming[role.slot] = undefined;
    if (this.lost[role.slot] === role) this.lost[role.slot] = undefined;
    if (role.kind === RoleKind.Outgoing) {
      this.shard.orders.finished(id);
      // Blocked requests that waited for keys to come back (a cancelled move) look again.
      this.shard.blocking.slotSettled(role.slot);
    }
  }

  handedOver(slot: number, target: number): void {
    this.handedTo[slot] = target;
    // Requests that waited at the flip went to the target last: kept until it ran them.
    const forwarded = this.outgoing[slot]?.forwarded;
    this.flippedForwards = this.flippedForwards.filter((log) => !log.settled);
    if (forwarded !== undefined && !forwarded.settled) this.flippedForwards.push(forwarded);
  }

  /**
   * This worker, a replica of `old`, became its shard's primary. Slots `old` was moving away are
   * held (held-slot.ts) until their plans come: the slot map names this worker next.
   */
  promoted(old: number): void {
    const control = this.shard.control;
    for (let slot = 0; slot < SLOT_COUNT; slot++) {
      if (control.owner[slot] !== old || control.slotState[slot] !== SlotState.Migrating) continue;
      const held = new HeldSlot(this.shard, slot, old, control.migrationTarget[slot]!);
      this.byId.set(held.migration, held);
      this.lost[slot] = held;
    }
  }

  /**
   * `from` died and `to`, a replica of it, took over its shard: every move with it goes on with
   * `to`. What `from` sent before it died is read first, as for a death (control.ts, peer-down).
   */
  peerFailover(from: number, to: number, now: number): void {
    const peers = this.shard.peers;
    const link = peers.byId[from];
    if (link !== undefined) while (peers.serve(link) > 0);
    for (const role of [...this.byId.values()])
      if (role.peer === from) role.onPeerFailover(to, now);
    this.shard.orders.retarget(from, to);
    const control = this.shard.control;
    const code = control.shardExitCode(from);
    this.answerFlipped(from, failedOver(control.workerShard(from), from, to, code));
  }

  /** Answers the forwards of flipped moves that `peer`, dead, never ran. */
  private answerFlipped(peer: number, text: string): void {
    for (const log of this.flippedForwards) if (log.target === peer) log.answerUnexecuted(text);
    this.flippedForwards = this.flippedForwards.filter((log) => log.target !== peer);
  }

  /** One step of every migration that sends (queued orders start first). Returns work done. */
  step(now: number): number {
    let work = 0;
    const orders = this.shard.orders;
    orders.activePace?.beginTurn(now);
    orders.startQueued();
    for (const role of this.byId.values()) work += role.step(now);
    return work;
  }

  /** FLUSHALL dropped every key: migrations under way start over on empty tables. */
  afterFlush(now: number): void {
    for (const role of this.byId.values()) role.onFlush(now);
  }

  /** The opening thread cancelled migration `id`; false if no running migration took it. */
  cancel(id: number, now: number): boolean {
    return this.byId.get(id)?.cancel(now) ?? false;
  }

  /** `peer` died: every migration with it ends. */
  peerDown(peer: number, now: number): void {
    for (const role of [...this.byId.values()]) if (role.peer === peer) role.onPeerDown(now);
    // A move that flipped before `peer` failed over is no longer the opening thread's business.
    const control = this.shard.control;
    const successor = control.primaryOf(control.workerShard(peer));
    const code = control.shardExitCode(peer);
    const failover = successor !== peer && control.shardState(successor) === ShardState.Running;
    const shard = control.workerShard(peer);
    this.answerFlipped(peer, failover ? failedOver(shard, peer, successor, code) : shardDown(peer));
  }

  /** Slots already moving are part of a profile that starts now. */
  profileStarted(profiler: ShardProfiler): void {
    for (const role of this.byId.values()) role.profileStarted(profiler);
  }

  /** The holdAcks fault was lifted. */
  releaseAcks(): void {
    for (const role of this.byId.values()) role.releaseAcks();
  }
}
