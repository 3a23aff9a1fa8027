// The source side of moving slot S from this shard (A) to a target shard (B), with the rules of
// DESIGN.md "Live migration":
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
// State machine, in the order states change:
//
//   Moving ──(S empty here, nothing in flight)──▶ Done (completed)
//     │  └──(target died)──▶ Done (failed)
//     └──(cancel)──▶ Returning ──(RETURNED)──▶ Done (cancelled)
//                        └──(target died)──▶ Done (failed)

import { REQ_CLIENT, REQ_FLAGS, REQ_HEADER_BYTES, REQ_ID, REQ_OP, RequestFlag, readU16, readU32 } from '../../src/shared/codec.js';
import { TIMING_WAIT_MS, TIMING_WAIT_REASON, WaitReason } from '../../src/shared/profile-layout.js';
import { shardDown } from '../../src/shared/reply-errors.js';
import { frameKeys } from '../../src/commands/frame-keys.js';
import { commandByOp } from '../../src/commands/table.js';
import { SlotState } from '../../src/shared/control-block.js';
import type { MigrationOutcome, MigrationPlan, MigrationReport } from '../../src/shared/control-messages.js';
import { PeerFrame } from '../../src/shared/peer-frames.js';
import type { ShardProfiler } from '../profiler.js';
import type { ShardContext } from '../shard-context.js';
import { applyBatch, putAck, putImport, putNotice } from './batch.js';
import type { KeyBudget } from './budget.js';
import { BatchSender } from './sender.js';

export const SourceState = { Moving: 0, Returning: 1, Done: 2 } as const;
export type SourceState = (typeof SourceState)[keyof typeof SourceState];

/** Progress events go to the opening thread at most this often. */
const PROGRESS_INTERVAL_MS = 100;

/** The forward log is trimmed of executed entries once it holds this many. */
const FORWARD_LOG_TRIM = 4096;

/** Wait times kept for the report's p99 (the maximum is kept exactly regardless). */
const WAIT_SAMPLES_MAX = 100_000;

/** A request that waits: its own copy of the frame, the keys it names, and since when. */
interface Waiting {
  readonly frame: Buffer;
  readonly keys: readonly string[];
  /** Waits for the flip (or the end of a cancel): slot-level commands, and everything in 'slot' mode. */
  readonly wholeSlot: boolean;
  readonly since: number;
  /** Why it waits first (profile-layout.ts WaitReason). */
  readonly reason: WaitReason;
}

const Decision = { Execute: 0, Forward: 1, Wait: 2 } as const;
type Decision = (typeof Decision)[keyof typeof Decision];

export class OutgoingMigration {
  state: SourceState = SourceState.Moving;
  readonly migration: number;
  readonly slot: number;
  readonly target: number;
  private readonly plan: MigrationPlan;
  private readonly sender: BatchSender;
  private waiting: Waiting[] = [];
  /** Keys named by waiting requests → how many of them name it. */
  private readonly blocked = new Map<string, number>();
  /** A waiting whole-slot request blocks every request behind it. */
  private wholeSlotWaiting = 0;
  private readonly startedAt: number;
  private redirections = 0;
  private waits = 0;
  private waitMsMax = 0;
  private readonly waitSamples: number[] = [];
  private lastProgressAt = 0;
  /** Forwards the target has not reported executed: [sequence, client, request id] triples. */
  private readonly forwarded: number[] = [];
  /** Why the last decide() said Wait. */
  private waitReason: WaitReason = WaitReason.KeyLock;
  private endError: string | undefined;

  constructor(
    private readonly shard: ShardContext,
    plan: MigrationPlan,
    now: number,
    budget?: KeyBudget,
  ) {
    this.plan = plan;
    this.migration = plan.migration;
    this.slot = plan.slot;
    this.target = plan.target;
    this.startedAt = now;
    this.sender = new BatchSender(shard, plan.slot, plan.target, plan.migration, plan, budget);
    // IMPORT goes first on the ring: the target knows the migration before any batch or forward.
    putImport(shard.peerWriter(plan.target), plan);
    shard.flushPeer(plan.target);
    const control = shard.control;
    Atomics.store(control.migrationTarget, plan.slot, plan.target);
    Atomics.store(control.slotState, plan.slot, SlotState.Migrating);
    control.bumpMigrations();
    shard.post({ type: 'migration-start', migration: plan.migration });
    shard.profiler?.moveStarted(plan.migration, plan.slot, shard.id, plan.target, plan.lock, performance.timeOrigin + now);
  }

  /** A profile started while this slot moves: it records the move as started when it did. */
  profileStarted(profiler: ShardProfiler): void {
    if (this.state === SourceState.Done) return;
    profiler.moveStarted(this.plan.migration, this.plan.slot, this.shard.id, this.plan.target, this.plan.lock, performance.timeOrigin + this.startedAt);
  }

  // ---- requests -------------------------------------------------------------------------

  /** A request for the slot arrived (from a client, or forwarded). Runs, forwards or waits. */
  admit(buf: Buffer, at: number, now: number): void {
    const op = buf[at + REQ_OP]!;
    const spec = commandByOp(op);
    const wholeSlot = this.plan.lock === 'slot' || spec.slotWide;
    const keys = wholeSlot ? [] : frameKeys(buf, at, spec);
    if (this.wholeSlotWaiting > 0 || wholeSlot || this.namesBlockedKey(keys)) {
      this.enqueue(buf, at, keys, wholeSlot, now, wholeSlot || this.wholeSlotWaiting > 0 ? WaitReason.SlotLock : WaitReason.KeyLock);
      return;
    }
    const decision = this.decide(keys, spec.write);
    if (decision === Decision.Execute) this.shard.execute(buf, at);
    else if (decision === Decision.Forward) this.forward(buf, at);
    else this.enqueue(buf, at, keys, false, now, this.waitReason);
  }

  /** Where a request on `keys` can run now. */
  private decide(keys: readonly string[], write: boolean): Decision {
    // Cancelled or failed: the slot is this shard's alone again.
    if (this.state === SourceState.Done) return Decision.Execute;
    const keyspace = this.shard.keyspace;
    let resident = 0;
    for (const key of keys) if (keyspace.has(this.slot, key)) resident++;
    if (this.state === SourceState.Returning) {
      // Keys come back from the target; a key not here yet may be on its way.
      if (resident < keys.length) {
        this.waitReason = WaitReason.Returning;
        return Decision.Wait;
      }
    } else if (resident === 0) {
      return Decision.Forward;
    } else if (resident < keys.length) {
      this.sender.prioritize(keys.filter((key) => keyspace.has(this.slot, key)));
      this.waitReason = WaitReason.KeysSplit;
      return Decision.Wait;
    }
    // A key in a batch still in flight (also after a cancel, until its ack arrives) is read here
    // but not written: the target holds a copy that would otherwise come back stale.
    if (write) {
      for (const key of keys) {
        if (this.sender.locked.has(key)) {
          this.waitReason = WaitReason.KeyLock;
          return Decision.Wait;
        }
      }
    }
    return Decision.Execute;
  }

  private namesBlockedKey(keys: readonly string[]): boolean {
    if (this.blocked.size === 0) return false;
    for (const key of keys) if (this.blocked.has(key)) return true;
    return false;
  }

  private enqueue(buf: Buffer, at: number, keys: readonly string[], wholeSlot: boolean, now: number, reason: WaitReason): void {
    const length = buf.readUInt32LE(at);
    const frame = Buffer.allocUnsafe(length);
    buf.copy(frame, 0, at, at + length);
    // The loop turn's clock (`now`) can be well behind after a batch was applied in this turn.
    this.waiting.push({ frame, keys, wholeSlot, since: performance.now(), reason });
    this.block(keys, wholeSlot, 1);
  }

  private block(keys: readonly string[], wholeSlot: boolean, delta: 1 | -1): void {
    if (wholeSlot) this.wholeSlotWaiting += delta;
    for (const key of keys) {
      const count = (this.blocked.get(key) ?? 0) + delta;
      if (count === 0) this.blocked.delete(key);
      else this.blocked.set(key, count);
    }
  }

  private forward(buf: Buffer, at: number): void {
    this.redirections++;
    const sequence = this.shard.forward(this.target, buf, at);
    // Remember who waits for it until the target reports it executed: if the target dies first,
    // this shard answers those requests (with SHARDDOWN) so that nobody waits forever.
    this.forwarded.push(sequence, readU16(buf, at + REQ_CLIENT), readU32(buf, at + REQ_ID));
    if (this.forwarded.length >= FORWARD_LOG_TRIM * 3) this.trimForwarded();
  }

  /** Drops the forwards the target has reported executed. */
  private trimForwarded(): number {
    const control = this.shard.control;
    const done = Atomics.load(control.forwardsDone, control.forwardsIndex(this.shard.id, this.target));
    let keep = 0;
    while (keep < this.forwarded.length && this.forwarded[keep]! <= done) keep += 3;
    this.forwarded.splice(0, keep);
    return done;
  }

  /**
   * Runs or forwards, in arrival order, every waiting request that can go now. A request stays if
   * it still cannot go or if a request before it that stays names one of its keys (or waits for
   * the whole slot).
   */
  private release(now: number, atFlip = false): void {
    if (this.waiting.length === 0) return;
    const releasedAt = performance.now();
    const stay: Waiting[] = [];
    const stayKeys = new Set<string>();
    let stayWhole = false;
    for (const request of this.waiting) {
      const behind = stayWhole || request.keys.some((key) => stayKeys.has(key));
      let decision: Decision = Decision.Wait;
      if (!behind) {
        if (atFlip) decision = Decision.Forward;
        else if (!request.wholeSlot) decision = this.decide(request.keys, commandByOp(request.frame[REQ_OP]!).write);
        else if (this.state === SourceState.Done) decision = Decision.Execute;
      }
      if (decision === Decision.Wait) {
        stay.push(request);
        for (const key of request.keys) stayKeys.add(key);
        if (request.wholeSlot) stayWhole = true;
        continue;
      }
      this.block(request.keys, request.wholeSlot, -1);
      this.recordWait(releasedAt - request.since, request);
      if (decision === Decision.Execute) this.shard.execute(request.frame, 0);
      else this.forward(request.frame, 0);
    }
    this.waiting = stay;
  }

  private recordWait(ms: number, request: Waiting): void {
    this.waits++;
    if (ms > this.waitMsMax) this.waitMsMax = ms;
    if (this.waitSamples.length < WAIT_SAMPLES_MAX) this.waitSamples.push(ms);
    const frame = request.frame;
    if (frame[REQ_FLAGS]! & RequestFlag.Timed) {
      // Profiled: the wait and why go in the request's timing block, back to its client.
      const timing = REQ_HEADER_BYTES;
      frame.writeFloatLE(frame.readFloatLE(timing + TIMING_WAIT_MS) + ms, timing + TIMING_WAIT_MS);
      if (frame[timing + TIMING_WAIT_REASON] === WaitReason.None) frame[timing + TIMING_WAIT_REASON] = request.reason;
    }
    const profiler = this.shard.profiler;
    if (profiler !== undefined) {
      // A request that waited for the whole slot is named by its first key, if it has one.
      const key = request.keys[0] ?? frameKeys(frame, 0, commandByOp(frame[REQ_OP]!))[0] ?? '';
      profiler.addLockWait(key, this.slot, ms, performance.timeOrigin + request.since + ms);
    }
  }

  // ---- moving ---------------------------------------------------------------------------

  /** One step of work: a batch if the window allows, the flip when everything moved. */
  step(now: number): number {
    if (this.state !== SourceState.Moving) return 0;
    const sent = this.sender.sendBatch(now);
    if (sent === 0 && this.sender.done) {
      if (this.sender.keysLeft() === 0) {
        this.flip(now);
        return 1;
      }
      // Keys the pass did not send (none should remain): sweep the table again.
      this.sender.restart();
    }
    if (now - this.lastProgressAt >= PROGRESS_INTERVAL_MS) this.progress(now);
    return sent;
  }

  onAck(batch: number, ok: boolean, now: number, receivedAbs = 0, applyMs = 0): void {
    const keys = this.sender.onAck(batch, ok, now, receivedAbs, applyMs);
    if (keys === undefined) return;
    if (!ok) {
      // The target kept nothing of this batch and the keys are still here: take back what it has
      // and end as failed.
      this.endError = `shard ${this.target} refused batch ${batch}`;
      this.cancel(now);
      return;
    }
    this.release(now);
  }

  /** Rule 6: everything moved; hand the slot over. */
  private flip(now: number): void {
    const control = this.shard.control;
    this.release(now, true);
    putNotice(this.shard.peerWriter(this.target), PeerFrame.Flip, this.slot, this.migration);
    this.shard.flushPeer(this.target);
    // Forwards and FLIP are in the ring before the owner changes: a client that sees the new owner
    // can only overtake requests of other clients, never its own (the client fences those).
    Atomics.store(control.owner, this.slot, this.target);
    Atomics.store(control.slotState, this.slot, SlotState.Stable);
    control.bumpEpoch();
    control.bumpMigrations();
    this.shard.keyspace.dropSlot(this.slot);
    this.shard.handedOver(this.slot, this.target);
    this.end('completed', now);
  }

  /** FLUSHALL ran here: the slot's keys are gone; B must drop what it imported so far. */
  onFlush(now: number): void {
    if (this.state === SourceState.Done) return;
    this.sender.restart();
    putNotice(this.shard.peerWriter(this.target), PeerFrame.Drop, this.slot, this.migration);
    this.shard.flushPeer(this.target);
    this.release(now);
  }

  // ---- cancel and failure ---------------------------------------------------------------

  /** Rule 8: stop, and have B send back what it has. */
  cancel(now: number): void {
    if (this.state !== SourceState.Moving) return;
    this.sender.stop();
    this.state = SourceState.Returning;
    putNotice(this.shard.peerWriter(this.target), PeerFrame.Return, this.slot, this.migration);
    this.shard.flushPeer(this.target);
    this.release(now);
  }

  /** A batch of keys coming back after a cancel: apply it and acknowledge. */
  onReturnBatch(buf: Buffer, view: DataView, at: number, batch: number): void {
    const applied = applyBatch(this.shard.keyspace, buf, view, at, this.slot);
    putAck(this.shard.peerWriter(this.target), this.slot, this.migration, batch, applied.refused === undefined);
    this.shard.flushPeer(this.target);
    if (applied.refused !== undefined) console.error(`slotdb: shard ${this.shard.id} refused returned keys of slot ${this.slot}: ${applied.refused}`);
  }

  /** Every key came back: the slot is whole here again. */
  onReturned(now: number): void {
    if (this.state !== SourceState.Returning) return;
    this.restoreStable();
    this.state = SourceState.Done;
    this.release(now);
    this.end(this.endError === undefined ? 'cancelled' : 'failed', now);
  }

  /** The target died: keep what is here and serve the slot alone. Keys it had are lost with it. */
  onTargetDown(now: number): void {
    if (this.state === SourceState.Done) return;
    this.trimForwarded();
    for (let i = 0; i < this.forwarded.length; i += 3) {
      this.shard.replyError(this.forwarded[i + 1]!, this.forwarded[i + 2]!, shardDown(this.target));
    }
    this.forwarded.length = 0;
    this.fail(`shard ${this.target} died`, now);
  }

  private fail(reason: string, now: number): void {
    this.endError = reason;
    this.restoreStable();
    this.state = SourceState.Done;
    this.release(now);
    this.end('failed', now);
  }

  private restoreStable(): void {
    const control = this.shard.control;
    Atomics.store(control.slotState, this.slot, SlotState.Stable);
    control.bumpMigrations();
  }

  // ---- reporting ------------------------------------------------------------------------

  private progress(now: number): void {
    this.lastProgressAt = now;
    this.shard.post({
      type: 'migration-progress',
      migration: this.migration,
      keys: this.sender.keysAcknowledged,
      bytes: this.sender.bytesSent,
      batches: this.sender.batchesSent,
      keysLeft: this.sender.keysLeft(),
    });
  }

  private end(outcome: MigrationOutcome, now: number): void {
    this.state = SourceState.Done;
    if (outcome !== 'completed') this.release(now);
    const sender = this.sender;
    this.shard.profiler?.moveEnded(this.migration, outcome, sender.keysAcknowledged, sender.bytesSent, sender.batchesSent, performance.timeOrigin + now);
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
    const samples = this.waitSamples.sort((a, b) => a - b);
    return {
      slot: this.slot,
      source: this.shard.id,
      target: this.target,
      lock: this.plan.lock,
      keys: this.sender.keysAcknowledged,
      bytes: this.sender.bytesSent,
      batches: this.sender.batchesSent,
      durationMs: now - this.startedAt,
      keyLockMsMax: this.sender.lockMsMax,
      redirections: this.redirections,
      waits: {
        count: this.waits,
        maxMs: this.waitMsMax,
        p99Ms: samples.length === 0 ? 0 : samples[Math.min(samples.length - 1, Math.floor(samples.length * 0.99))]!,
      },
    };
  }
}
