// The source side of moving slot S from this shard (A) to a target shard (B), with the rules of
// live migration (docs/migration.md):
//
//   1. A serves every key of S that has not moved, reads and writes, at full speed.
//   2. Keys move in batches (BatchSender). While a key's batch is in flight, reads of it are
//      served here and writes to it wait; only that batch's keys wait.
//   3. A deletes a batch's keys only when B acknowledged applying them.
//   4. A request for keys of S that moved, or that A does not have, goes to B (FORWARD).
//   5. A command on several keys of S split between A and B waits until they are in one place
//      (its keys here are sent first), then runs here or goes to B.
//   6. When S is empty here, A forwards what still waits, sends FLIP, and gives S to B in the
//      slot map (new epoch).
//   7. Order: a request that names a key some waiting request names waits behind it, so a
//      client's commands on a key take effect in the order they arrived.
//   8. Cancel: A stops sending and tells B to RETURN the keys it has; until they are back, requests
//      for keys A lacks wait here (nothing more is forwarded), so none can run on B after B gave
//      their keys back. If B dies, A keeps what it has and serves S alone again.
//
// In 'slot' lock mode every request for S waits until the flip (the baseline).
//
// With replicas, see durability.ts: what a move waits for, and how it goes on when the target
// fails over (onPeerFailover) or this shard does (its promoted replica gets a `resumed` plan).
//
// State machine, in the order states change (OutgoingState; docs/migration.md draws it too):
//
//   Moving ──(S empty here, nothing in flight)──▶ Done (completed)
//     │  └──(target died)──▶ Done (failed)
//     └──(cancel, or a batch refused)──▶ Returning ──(RETURNED)──▶ Done (cancelled/failed)
//                                           └──(target died)──▶ Done (failed)

import { BLOCKING_OPS } from '../../src/commands/blocking-ops.js';
import { frameKeys } from '../../src/commands/frame-keys.js';
import { commandByOp } from '../../src/commands/table.js';
import { REQ_OP } from '../../src/shared/codec.js';
import { SlotState } from '../../src/shared/control-block.js';
import type {
  MigrationOutcome,
  MigrationPlan,
  MigrationReport,
} from '../../src/shared/control-messages.js';
import { PeerFrame } from '../../src/shared/peer-frames.js';
import { WaitReason } from '../../src/shared/timing-layout.js';
import type { ShardProfiler } from '../profiler.js';
import type { ShardContext } from '../shard-context.js';
import { journalOf, needOf, Settling } from './durability.js';
import type { ForwardLog } from './forward-log.js';
import { admitWhereKeysLost, lostKeysReply } from './lost-keys.js';
import { MoveLink } from './move-link.js';
import { moveReport, progressEvent } from './move-report.js';
import type { AdaptivePace } from './pacing/adaptive-pace.js';
import type { RateBudget } from './pacing/rate-budget.js';
import { Decision, Placement } from './placement.js';
import { ReturnedKeys } from './returned-keys.js';
import { RoleDefaults, RoleKind } from './role.js';
import { BatchSender } from './sender.js';
import { checkedMove, transitionTable } from './state-machine.js';
import { WaitQueue, WaitStats } from './waiting.js';

export const OutgoingState = { Moving: 0, Returning: 1, Done: 2 } as const;
export type OutgoingState = (typeof OutgoingState)[keyof typeof OutgoingState];

export const OUTGOING_MOVES = transitionTable('outgoing', OutgoingState, {
  Moving: ['Returning', 'Done'],
  Returning: ['Done'],
  Done: [],
});

/** Progress events go to the opening thread at most this often. */
const PROGRESS_INTERVAL_MS = 100;

export class OutgoingMigration extends RoleDefaults {
  readonly kind = RoleKind.Outgoing;
  #state: OutgoingState = OutgoingState.Moving;
  readonly migration: number;
  readonly slot: number;
  /** The target (it changes when the target fails over), forwards, notices. */
  private readonly link: MoveLink;
  private readonly sender: BatchSender;
  private readonly waiting = new WaitQueue();
  private readonly startedAt: number;
  private readonly waits = new WaitStats();
  private lastProgressAt = 0;
  private readonly placement: Placement;
  private endError: string | undefined;
  /** Set when the target died holding keys of the slot: the reply of a request naming one. */
  private lostReply: string | undefined;
  /** Keys coming back after a cancel. */
  private readonly back: ReturnedKeys;
  /** Keys deleted after their ack, until the replicas hold the deletion. */
  private readonly settling: Settling;

  constructor(
    protected readonly shard: ShardContext,
    plan: MigrationPlan,
    now: number,
    budget?: RateBudget,
    pace?: AdaptivePace,
  ) {
    super();
    this.migration = plan.migration;
    this.slot = plan.slot;
    this.startedAt = now;
    this.sender = new BatchSender(shard, plan.slot, plan.target, plan.migration, plan, {
      budget,
      pace,
      paceBatches: plan.lock === 'key',
    });
    const need = needOf(plan.replicas);
    this.back = new ReturnedKeys(shard, plan.slot, plan.migration, need, plan.resumed === true);
    this.settling = new Settling(shard, need);
    this.link = new MoveLink(shard, plan);
    this.placement = new Placement(shard.keyspace, plan.slot, this.sender, this.settling);
    Atomics.store(shard.control.slotState, plan.slot, SlotState.Migrating);
    // A move that goes on after a failover started long ago for its caller.
    if (!plan.resumed) shard.post({ type: 'migration-start', migration: plan.migration });
    if (shard.profiler !== undefined) this.profileStarted(shard.profiler);
  }

  /** Changed only by transition(). */
  get state(): OutgoingState {
    return this.#state;
  }

  /** The shard at the other end (MigrationRole): the target. */
  get peer(): number {
    return this.link.target;
  }

  get target(): number {
    return this.link.target;
  }

  /** Requests forwarded to the target and not reported done. */
  get forwarded(): ForwardLog {
    return this.link.forwarded;
  }

  /** A profile started while this slot moves: it records the move as started when it did. */
  override profileStarted(profiler: ShardProfiler): void {
    if (this.#state === OutgoingState.Done) return;
    const { migration, slot, target, lock } = this.link.plan;
    const startedAbs = performance.timeOrigin + this.startedAt;
    profiler.moveStarted(migration, slot, this.shard.id, target, lock, startedAbs);
  }

  // ---- requests -------------------------------------------------------------------------

  /** A request for the slot arrived (from a client, or forwarded). Runs, forwards or waits. */
  admit(buf: Buffer, at: number): void {
    const op = buf[at + REQ_OP]!;
    const spec = commandByOp(op);
    const wholeSlot = this.link.plan.lock === 'slot' || spec.slotWide;
    const keys = wholeSlot ? [] : frameKeys(buf, at, spec);
    if (wholeSlot || this.waiting.blocks(keys)) {
      const slotLock = wholeSlot || this.waiting.wholeSlot > 0;
      const reason = slotLock ? WaitReason.SlotLock : WaitReason.KeyLock;
      this.waiting.add(buf, at, keys, wholeSlot, reason);
      return;
    }
    const decision = this.decide(keys, spec.write, BLOCKING_OPS[op] === 1);
    if (decision === Decision.Execute) this.shard.execute(buf, at);
    else if (decision === Decision.Forward) this.forward(buf, at);
    else this.waiting.add(buf, at, keys, false, this.placement.waitReason);
  }

  /** Where a request on `keys` can run now. */
  private decide(keys: readonly string[], write: boolean, blocking = false): Decision {
    // Cancelled or failed: the slot is this shard's alone again.
    if (this.#state === OutgoingState.Done) return Decision.Execute;
    const returning = this.#state === OutgoingState.Returning;
    return this.placement.decide(returning, keys, write, blocking);
  }

  /**
   * Forwards a request to the target (rule 4; blocked requests when the move starts), remembered
   * until the target reports it done: if the target dies first, this shard answers it.
   */
  forward(buf: Buffer, at: number): void {
    this.link.forward(buf, at);
  }

  /**
   * Runs or forwards, in arrival order, every waiting request that can go now. A request stays if
   * it still cannot go or if a request before it that stays names one of its keys (or waits for
   * the whole slot).
   */
  private release(atFlip = false): void {
    const releasedAt = performance.now();
    this.waiting.drain(
      (request) => {
        let decision: Decision = Decision.Wait;
        if (atFlip) decision = Decision.Forward;
        else if (!request.wholeSlot) {
          const op = request.frame[REQ_OP]!;
          decision = this.decide(request.keys, commandByOp(op).write, BLOCKING_OPS[op] === 1);
        } else if (this.#state === OutgoingState.Done) decision = Decision.Execute;
        return decision === Decision.Wait ? undefined : decision;
      },
      (request, decision) => {
        this.waits.record(releasedAt - request.since, request, this.slot, this.shard.profiler);
        if (decision === Decision.Forward) this.forward(request.frame, 0);
        else if (this.lostReply === undefined) this.shard.execute(request.frame, 0);
        else admitWhereKeysLost(this.shard, this.slot, request.frame, 0, this.lostReply);
      },
    );
  }

  /** Whether a blocked request may write `keys` here now (all here, none in flight). */
  mayServe(keys: readonly string[]): boolean {
    return this.decide(keys, true) === Decision.Execute;
  }

  // ---- moving ---------------------------------------------------------------------------

  /** One step of work: a batch if the window allows, the flip when everything moved. */
  override step(now: number): number {
    let work = this.back.step();
    if (this.settling.size > 0 && this.settling.step()) {
      this.release();
      work++;
    }
    if (this.#state !== OutgoingState.Moving) return work;
    const sent = this.sender.sendBatch(now) + this.sender.sendPiece(now);
    if (sent === 0 && this.sender.done) {
      // Keys deleted and not settled yet: the replicas must hold their deletion before the flip.
      if (this.settling.size > 0) return work;
      if (this.sender.keysLeft() === 0) {
        this.flip(now);
        return 1;
      }
      // Keys the pass did not send (none should remain): sweep the table again.
      this.sender.restart();
    }
    if (now - this.lastProgressAt >= PROGRESS_INTERVAL_MS) this.progress(now);
    return work + sent;
  }

  /** An ack for a batch this sender does not know, or after the end, is ignored. */
  override onAck(batch: number, ok: boolean, now: number, receivedAbs = 0, applyMs = 0): void {
    if (this.#state === OutgoingState.Done) return;
    const keys = this.sender.onAck(batch, ok, now, receivedAbs, applyMs);
    if (keys === undefined) return;
    if (!ok) {
      // The target kept nothing of this batch and the keys are still here: take back what it has
      // and end as failed.
      this.endError = `shard ${this.target} refused batch ${batch}`;
      this.cancel(now);
      return;
    }
    this.settling.add(keys);
    this.release();
  }

  /** Rule 6: everything moved; hand the slot over. */
  private flip(now: number): void {
    const control = this.shard.control;
    this.release(true);
    this.link.notice(PeerFrame.Flip);
    // Forwards and FLIP are in the ring before the owner changes: a client that sees the new owner
    // can only overtake requests of other clients, never its own (the client fences those).
    Atomics.store(control.owner, this.slot, this.target);
    Atomics.store(control.slotState, this.slot, SlotState.Stable);
    control.bumpEpoch();
    this.shard.keyspace.dropSlot(this.slot);
    journalOf(this.shard)?.appendDropSlot(this.slot);
    this.shard.handedOver(this.slot, this.target);
    this.transition(OutgoingState.Done);
    this.end('completed', now);
  }

  /** FLUSHALL ran here: the slot's keys are gone; B must drop what it imported so far. */
  override onFlush(_now: number): void {
    if (this.#state === OutgoingState.Done) return;
    this.sender.restart();
    this.link.notice(PeerFrame.Drop);
    this.release();
  }

  // ---- cancel and failure ---------------------------------------------------------------

  /** Rule 8: stop, and have B send back what it has. */
  override cancel(_now: number): boolean {
    if (this.#state !== OutgoingState.Moving) return true;
    this.sender.stop();
    this.transition(OutgoingState.Returning);
    this.link.notice(PeerFrame.Return);
    this.release();
    return true;
  }

  /** A batch of keys coming back after a cancel: apply it and acknowledge. */
  override onBatch(buf: Buffer, view: DataView, at: number, batch: number): void {
    this.back.onBatch(this.target, buf, view, at, batch);
  }

  /** A piece of a big key coming back after a cancel: its copy is staged until the final one. */
  override onPiece(buf: Buffer, view: DataView, at: number): void {
    this.back.onPiece(this.target, buf, view, at);
  }

  /** The holdAcks fault was lifted: acknowledgements of keys that came back go. */
  override releaseAcks(): void {
    this.back.releaseAcks();
  }

  /** Every key came back: the slot is whole here again. */
  override onReturned(now: number): void {
    if (this.#state !== OutgoingState.Returning) return;
    this.restoreStable();
    this.transition(OutgoingState.Done);
    this.release();
    this.end(this.endError === undefined ? 'cancelled' : 'failed', now);
  }

  /**
   * The target failed over to `to`: the move goes on there (MoveLink.failover), with what was in
   * flight sent again (keys still locked here), or, after a cancel, RETURN: it sends back what it
   * holds, and keys that came back already, or were in flight, are not taken twice.
   */
  override onPeerFailover(to: number): void {
    if (this.#state === OutgoingState.Done) return;
    this.back.restart(this.link.target);
    this.link.failover(to);
    if (this.#state === OutgoingState.Moving) {
      this.sender.retarget(to);
    } else {
      this.sender.target = to;
      for (const key of this.sender.dropInFlight()) this.back.known.add(key);
      this.link.notice(PeerFrame.Return);
    }
    this.release();
  }

  /**
   * The target died: keep what is here and serve the slot alone. Keys it had (acknowledged
   * batches, keys forwarded requests created there) are lost with it: if any can be, the slot is
   * marked so that a key missing here answers SHARDDOWN, not nil (lost-keys.ts).
   */
  override onPeerDown(now: number): void {
    if (this.#state === OutgoingState.Done) return;
    this.forwarded.answerUnexecuted();
    const mayHaveLost = this.sender.keysAcknowledged > 0 || this.link.redirections > 0;
    // Set before the waiting requests are released: one that names a key lost with the target
    // must fail, not run here and read it as missing.
    if (mayHaveLost) this.lostReply = lostKeysReply(this.shard.id, this.slot, this.target);
    this.fail(`shard ${this.target} died`, now);
    if (mayHaveLost) this.shard.lostKeys(this.migration, this.slot, this.target);
  }

  private fail(reason: string, now: number): void {
    this.endError = reason;
    this.restoreStable();
    this.transition(OutgoingState.Done);
    this.release();
    this.end('failed', now);
  }

  /** The one place the state changes: refuses a move OUTGOING_MOVES does not list. */
  transition(next: OutgoingState): void {
    this.#state = checkedMove(OUTGOING_MOVES, this.slot, this.#state, next);
  }

  private restoreStable(): void {
    const control = this.shard.control;
    Atomics.store(control.slotState, this.slot, SlotState.Stable);
  }

  // ---- reporting ------------------------------------------------------------------------

  private progress(now: number): void {
    this.lastProgressAt = now;
    this.shard.post(progressEvent(this.migration, this.sender));
  }

  /** Reports the outcome and leaves the shard; the state is Done already. */
  private end(outcome: MigrationOutcome, now: number): void {
    if (outcome !== 'completed') this.release();
    this.sender.close();
    this.back.clear();
    this.settling.clear();
    const endedAbs = performance.timeOrigin + now;
    const { keys, bytes, batches } = this.sender.counts();
    this.shard.profiler?.moveEnded(this.migration, outcome, keys, bytes, batches, endedAbs);
    this.shard.post({
      type: 'migration-end',
      migration: this.migration,
      outcome,
      report: this.report(now),
      ...(this.endError !== undefined ? { error: this.endError } : {}),
    });
    this.shard.finished(this.migration);
  }

  report(now: number): MigrationReport {
    const { sender, waits } = this;
    const { plan, redirections } = this.link;
    return moveReport(plan, this.shard.id, sender, now - this.startedAt, redirections, waits);
  }
}
