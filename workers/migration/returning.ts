// The target of a cancelled move sending the keys of slot S back to the source: the same batch
// machinery as a move (sender.ts), big keys in pieces included, with the limits IMPORT gave, then
// RETURNED. It starts once the acknowledgements the target still owed the source went (their
// batches' keys must leave the source before they come back). If the source fails over, the
// promoted replica takes the keys back instead: what was in flight goes there again once its
// IMPORT arrives (the source takes a resent key only if it neither holds it nor had it before).
//
// State machine, in the order states change (ReturningState; docs/migration.md draws it too):
//
//   Sending ──(every key back: RETURNED sent)──▶ Done
//      │  └──(source died: this shard takes the slot, marked as having lost keys)──▶ Done
//      └──(the source refused a batch)──▶ Refused
//                                            └──(RETURNED sent, or source died)──▶ Done

import { PeerFrame } from '../../src/shared/peer-frames.js';
import type { ShardContext } from '../shard-context.js';
import { putNotice } from './control-frames.js';
import { type AckGate, journalOf } from './durability.js';
import { takeOverSlot } from './lost-keys.js';
import type { SenderLimits } from './pacing/sender-pace.js';
import { RoleDefaults, RoleKind } from './role.js';
import { BatchSender } from './sender.js';
import { checkedMove, transitionTable } from './state-machine.js';

export const ReturningState = { Sending: 0, Refused: 1, Done: 2 } as const;
export type ReturningState = (typeof ReturningState)[keyof typeof ReturningState];

export const RETURNING_MOVES = transitionTable('returning', ReturningState, {
  Sending: ['Refused', 'Done'],
  Refused: ['Done'],
  Done: [],
});

/** After a cancel: sends the keys of S back to the source, then RETURNED. */
export class ReturningMigration extends RoleDefaults {
  readonly kind = RoleKind.Returning;
  #state: ReturningState = ReturningState.Sending;
  private readonly sender: BatchSender;
  /** The source failed over: nothing goes to its successor before its IMPORT arrives. */
  private awaitingImport = false;

  constructor(
    protected readonly shard: ShardContext,
    readonly migration: number,
    readonly slot: number,
    /** The source; changes when it fails over. */
    public peer: number,
    limits: SenderLimits,
    /** The incoming role's acknowledgements still held for the replicas. */
    private readonly gate?: AckGate,
  ) {
    super();
    this.sender = new BatchSender(shard, slot, peer, migration, limits);
  }

  /** Changed only by transition(). */
  get state(): ReturningState {
    return this.#state;
  }

  override step(now: number): number {
    if (this.#state === ReturningState.Done) return 0;
    const gate = this.gate;
    const acks = gate === undefined ? 0 : gate.step();
    if (gate?.pending || this.awaitingImport) return acks;
    const sent = acks + this.sender.sendBatch(now) + this.sender.sendPiece(now);
    if (sent === 0 && this.sender.done) {
      const refused = this.#state === ReturningState.Refused;
      if (this.sender.keysLeft() > 0 && !refused) {
        this.sender.restart();
        return 0;
      }
      this.transition(ReturningState.Done);
      putNotice(this.shard.peerWriter(this.peer), PeerFrame.Returned, this.slot, this.migration);
      this.shard.flushPeer(this.peer);
      if (!refused) {
        this.shard.keyspace.dropSlot(this.slot);
        journalOf(this.shard)?.appendDropSlot(this.slot);
      }
      this.sender.close();
      this.shard.finished(this.migration);
      return 1;
    }
    return sent;
  }

  /** An ack for a batch this sender does not know, or after the end, is ignored. */
  override onAck(batch: number, ok: boolean, now: number, receivedAbs = 0, applyMs = 0): void {
    if (this.#state === ReturningState.Done) return;
    if (this.sender.onAck(batch, ok, now, receivedAbs, applyMs) === undefined) return;
    if (!ok) {
      // Only a bug gets here (the source refuses keys it already has). Stop instead of resending
      // the same batch forever; what could not go back stays here, logged.
      const slot = this.slot;
      console.error(`slotdb: shard ${this.peer} refused returned batch ${batch} of slot ${slot}`);
      if (this.#state === ReturningState.Sending) this.transition(ReturningState.Refused);
      this.sender.stop();
    }
  }

  /** FLUSHALL ran here while keys were going back: there is nothing left to return. */
  override onFlush(): void {
    this.sender.restart();
  }

  /**
   * The source died while keys were going back: this shard takes the slot with the keys it still
   * has; the rest died with the source, so the slot is marked as having lost keys (lost-keys.ts).
   */
  override onPeerDown(): void {
    if (this.#state === ReturningState.Done) return;
    this.transition(ReturningState.Done);
    this.sender.close();
    this.shard.finished(this.migration);
    takeOverSlot(this.shard, this.migration, this.slot, this.peer);
  }

  /** The holdAcks fault was lifted: the import's acknowledgements it held go. */
  override releaseAcks(): void {
    this.gate?.releaseHeld();
  }

  /** The source failed over to `to`: the keys go back there, once it says so (IMPORT). */
  override onPeerFailover(to: number): void {
    if (this.#state === ReturningState.Done) return;
    this.gate?.drop(this.peer);
    this.peer = to;
    this.awaitingImport = true;
  }

  /** The promoted source is ready: what was in flight to the dead one goes to it again. */
  override onImport(): void {
    if (!this.awaitingImport) return;
    this.awaitingImport = false;
    this.sender.retarget(this.peer);
  }

  /** The one place the state changes: refuses a move RETURNING_MOVES does not list. */
  transition(next: ReturningState): void {
    this.#state = checkedMove(RETURNING_MOVES, this.slot, this.#state, next);
  }
}
