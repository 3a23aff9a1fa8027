// The target side of moving slot S from a source shard (A) to this shard (B).
//
// B applies A's batches (checksum verified, nothing applied otherwise) and acknowledges each:
// ok = 1 when applied, ok = 0 when refused. A big key comes in PIECE frames instead: B builds its
// copy outside the keyspace (pieces/staging.ts) and installs it with the final piece; a RETURN,
// a DROP or the source's death drops the copies under way. It executes the requests A forwards for S, as the
// owner of the keys that moved or that A lacks. FLIP ends the import: the slot map already names
// B. On RETURN (A cancelled) B sends every key of S back with the same batch machinery
// (returning.ts, with the limits IMPORT gave) and ends with RETURNED; A forwards nothing more after
// RETURN, so no request can run here on a key that went back.
//
// With replicas, an ACK goes only once they hold the batch (durability.ts, AckGate). If the source
// fails over, its promoted replica goes on as the source (onPeerFailover): it sends what it holds
// again, and keys already here from batches whose ack was lost are taken again (Present.Overwrite).
//
// State machine, in the order states change (IncomingState; docs/migration.md draws it too):
//
//   Importing ──(FLIP)──▶ Completed
//       │  └──(RETURN: a ReturningMigration takes over)──▶ Returning
//       └──(source died: this shard takes the slot, marked as having lost keys)──▶ Abandoned

import type { ShardContext } from '../shard-context.js';
import { applyBatch, Present } from './batch.js';
import type { ImportLimits } from './control-frames.js';
import { AckGate, journalOf, needOf } from './durability.js';
import { takeOverSlot } from './lost-keys.js';
import { Staging } from './pieces/staging.js';
import { ReturningMigration } from './returning.js';
import { type MigrationRole, RoleDefaults, RoleKind } from './role.js';
import { checkedMove, transitionTable } from './state-machine.js';

export const IncomingState = { Importing: 0, Completed: 1, Returning: 2, Abandoned: 3 } as const;
export type IncomingState = (typeof IncomingState)[keyof typeof IncomingState];

export const INCOMING_MOVES = transitionTable('incoming', IncomingState, {
  Importing: ['Completed', 'Returning', 'Abandoned'],
  Completed: [],
  Returning: [],
  Abandoned: [],
});

export class IncomingMigration extends RoleDefaults {
  readonly kind = RoleKind.Incoming;
  #state: IncomingState = IncomingState.Importing;
  /** Copies of big keys arriving in pieces. */
  private readonly staging = new Staging();
  /** Acknowledgements waiting for the replicas to hold their batch. */
  private readonly gate: AckGate;
  /** The move goes on after a failover of the source: keys here may come again. */
  private resumed: boolean;

  /**
   * `limits` are the batch limits IMPORT carried: this shard sends the keys back with them if
   * the source cancels.
   */
  constructor(
    protected readonly shard: ShardContext,
    readonly migration: number,
    readonly slot: number,
    /** The source; changes when it fails over. */
    public peer: number,
    private readonly limits: ImportLimits,
  ) {
    super();
    this.gate = new AckGate(shard, needOf(limits.replicas));
    this.resumed = limits.resumed === true;
    // The slot's import mark: a recovery after a crash mid-move knows these keys are the newer.
    const sequence = shard.control.logs.nextImportSequence();
    shard.keyspace.importMarks.set(slot, sequence);
    journalOf(shard)?.appendImportBegin(slot, sequence);
  }

  /** Changed only by transition(). */
  get state(): IncomingState {
    return this.#state;
  }

  /**
   * Applies a batch, or refuses it whole; acknowledges it either way (ok = 0 when refused). Once
   * the import is over a batch is refused unread, as for a role that takes none.
   */
  override onBatch(buf: Buffer, view: DataView, at: number, batch: number): void {
    if (this.#state !== IncomingState.Importing) {
      super.onBatch(buf, view, at, batch);
      return;
    }
    const received = this.beforeApply();
    const options = this.applyOptions();
    const applied = applyBatch(this.shard.keyspace, buf, view, at, this.slot, options);
    this.acknowledge(batch, received, applied.refused);
  }

  /** A piece of a big key: applied to its copy, or refused; acknowledged either way, as a batch. */
  override onPiece(buf: Buffer, view: DataView, at: number, piece: number): void {
    if (this.#state !== IncomingState.Importing) {
      super.onPiece(buf, view, at, piece);
      return;
    }
    const received = this.beforeApply();
    const options = this.applyOptions();
    const applied = this.staging.apply(this.shard.keyspace, buf, view, at, this.slot, options);
    this.acknowledge(piece, received, applied.refused);
  }

  private applyOptions(): { present: Present; journal: ReturnType<typeof journalOf> } {
    const present = this.resumed ? Present.Overwrite : Present.Refuse;
    return { present, journal: journalOf(this.shard) };
  }

  /** When a frame started to be applied; the applyDelayMs fault slows the apply down. */
  private beforeApply(): number {
    const received = performance.now();
    const delayMs = this.shard.faults.applyDelayMs ?? 0;
    if (delayMs > 0) busyWait(delayMs);
    return received;
  }

  private acknowledge(batch: number, received: number, refused: string | undefined): void {
    const receivedAbs = performance.timeOrigin + received;
    const applyMs = performance.now() - received;
    const ok = refused === undefined;
    if (!ok) {
      const { id } = this.shard;
      console.error(`slotdb: shard ${id} refused batch ${batch} of slot ${this.slot}: ${refused}`);
    }
    this.gate.send(this.peer, this.slot, this.migration, batch, ok, receivedAbs, applyMs);
  }

  /** Sends the acknowledgements the holdAcks fault kept back (once the replicas hold them). */
  override releaseAcks(): void {
    this.gate.releaseHeld();
  }

  /** Sends the acknowledgements whose batches the replicas hold now. */
  override step(_now: number): number {
    return this.gate.step();
  }

  /** FLIP: the slot map names this shard; the import is over. Ignored once it is over. */
  override onFlip(): void {
    if (this.#state !== IncomingState.Importing) return;
    this.staging.clear();
    this.transition(IncomingState.Completed);
    this.shard.finished(this.migration);
  }

  /** The source flushed its keys: what came from it so far is gone too. Ignored once over. */
  override onDrop(): void {
    if (this.#state !== IncomingState.Importing) return;
    this.staging.clear();
    this.shard.keyspace.dropSlot(this.slot);
    journalOf(this.shard)?.appendDropSlot(this.slot);
  }

  /**
   * RETURN: the source cancelled; a ReturningMigration sends the keys back from now on. Ignored
   * (no role takes over) once the import is over.
   */
  override onReturn(): MigrationRole | undefined {
    if (this.#state !== IncomingState.Importing) return undefined;
    this.staging.clear();
    this.transition(IncomingState.Returning);
    // Requests blocked here on the slot's keys go back first: the source forwards nothing more,
    // so no push would reach them here; there the keys that come back wake them.
    const { shard, peer } = this;
    shard.handOffBlocked(this.slot, (frame) => shard.forward(peer, frame, 0));
    const { migration, slot, limits, gate } = this;
    return new ReturningMigration(this.shard, migration, slot, peer, limits, gate);
  }

  /**
   * The source failed over to `to`: it goes on as the source and sends what it holds again. What
   * this shard owed the dead one goes nowhere, and copies of big keys under way start over.
   */
  override onPeerFailover(to: number): void {
    if (this.#state !== IncomingState.Importing) return;
    this.gate.drop(this.peer);
    this.staging.clear();
    this.peer = to;
    this.resumed = true;
  }

  /**
   * The source died: this shard takes the slot and serves the keys that moved here; the keys still
   * at the source are lost with it, so the slot is marked as having lost keys (lost-keys.ts).
   */
  override onPeerDown(): void {
    if (this.#state !== IncomingState.Importing) return;
    this.staging.clear();
    this.transition(IncomingState.Abandoned);
    this.shard.finished(this.migration);
    takeOverSlot(this.shard, this.migration, this.slot, this.peer);
  }

  /** The one place the state changes: refuses a move INCOMING_MOVES does not list. */
  transition(next: IncomingState): void {
    this.#state = checkedMove(INCOMING_MOVES, this.slot, this.#state, next);
  }
}

/** Keeps the thread busy for `ms` (the applyDelayMs fault: a slow apply, not an idle one). */
function busyWait(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until);
}
