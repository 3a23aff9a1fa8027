// What the shard calls on a migration it takes part in, whatever its role: the source of a move
// (outgoing.ts), its target (incoming.ts), or the target sending keys back after a cancel
// (returning.ts). The shard hands every peer frame and control message about a migration to its
// role through this one interface and never asks which role it holds; what a role does not expect
// gets the default below: ignored, or, for a batch or a piece, refused.

import type { ShardProfiler } from '../profiler.js';
import type { ShardContext } from '../shard-context.js';
import { putAck } from './control-frames.js';

export const RoleKind = { Outgoing: 0, Incoming: 1, Returning: 2, LostKeys: 3 } as const;
export type RoleKind = (typeof RoleKind)[keyof typeof RoleKind];

export interface MigrationRole {
  readonly kind: RoleKind;
  readonly migration: number;
  readonly slot: number;
  /** The shard at the other end: the target of an outgoing move, the source of the others. */
  readonly peer: number;
  /** A BATCH frame for this migration arrived from the peer. */
  onBatch(buf: Buffer, view: DataView, at: number, batch: number): void;
  /** A PIECE frame (part of a big key) for this migration arrived from the peer. */
  onPiece(buf: Buffer, view: DataView, at: number, piece: number): void;
  /** The peer acknowledged (ok) or refused a batch this shard sent. */
  onAck(batch: number, ok: boolean, now: number, receivedAbs: number, applyMs: number): void;
  /** FLIP: the slot is this shard's now. */
  onFlip(): void;
  /** DROP: the source flushed its keys. */
  onDrop(): void;
  /** RETURN: the source cancelled; returns the role that takes over here, if any. */
  onReturn(): MigrationRole | undefined;
  /** RETURNED: every key came back. */
  onReturned(now: number): void;
  /** FLUSHALL ran on this shard. */
  onFlush(now: number): void;
  /** The peer died. */
  onPeerDown(now: number): void;
  /**
   * The peer died and the worker in seat `to`, a replica of it, took over its shard: the move goes
   * on with that worker (durability.ts). Comes before the peer's death is announced.
   */
  onPeerFailover(to: number, now: number): void;
  /** IMPORT for this migration, which this shard knows already: its source failed over. */
  onImport(): void;
  /** The opening thread cancelled the move; false if this role has nothing to cancel. */
  cancel(now: number): boolean;
  /** One step of sending work; returns how much was done (0 for none). */
  step(now: number): number;
  /** A profile started while this migration runs. */
  profileStarted(profiler: ShardProfiler): void;
  /** The holdAcks fault was lifted: send the acknowledgements it kept back. */
  releaseAcks(): void;
}

/** Defaults for what a role does not expect: ignore it, or refuse a batch. */
export abstract class RoleDefaults implements MigrationRole {
  abstract readonly kind: RoleKind;
  abstract readonly migration: number;
  abstract readonly slot: number;
  abstract readonly peer: number;
  protected abstract readonly shard: ShardContext;

  onBatch(_buf: Buffer, _view: DataView, _at: number, batch: number): void {
    refuseBatch(this.shard, this.peer, this.slot, this.migration, batch);
  }
  onPiece(_buf: Buffer, _view: DataView, _at: number, piece: number): void {
    refuseBatch(this.shard, this.peer, this.slot, this.migration, piece);
  }
  onAck(_batch: number, _ok: boolean, _now: number, _receivedAbs: number, _applyMs: number): void {}
  onFlip(): void {}
  onDrop(): void {}
  onReturn(): MigrationRole | undefined {
    return undefined;
  }
  onReturned(_now: number): void {}
  onFlush(_now: number): void {}
  onPeerDown(_now: number): void {}
  onPeerFailover(_to: number, _now: number): void {}
  onImport(): void {}
  cancel(_now: number): boolean {
    return false;
  }
  step(_now: number): number {
    return 0;
  }
  profileStarted(_profiler: ShardProfiler): void {}
  releaseAcks(): void {}
}

/**
 * Answers a batch or piece nobody here expects (an unknown migration, or a role that receives
 * none) with a refusal (ACK, ok = 0), so that its sender unlocks the keys and keeps them.
 */
export function refuseBatch(
  shard: ShardContext,
  peer: number,
  slot: number,
  migration: number,
  batch: number,
): void {
  putAck(shard.peerWriter(peer), slot, migration, batch, false);
  shard.flushPeer(peer);
}
