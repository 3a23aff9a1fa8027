// Where a request frame runs: here, at the migration of its slot, or at another shard (the table
// at the top of workers/shard.ts). Called once per request, from a client's ring or a FORWARD:
// plain array lookups and direct calls only.

import { InvariantError } from '../../src/errors.js';
import {
  NO_SLOT,
  REQ_FLAGS,
  REQ_HEADER_BYTES,
  REQ_OP,
  REQ_SLOT,
  RequestFlag,
  readU16,
} from '../../src/shared/codec.js';
import { SlotState } from '../../src/shared/control-block.js';
import { TIMING_BYTES, TIMING_PICKED_UP } from '../../src/shared/timing-layout.js';
import type { IncomingMigration } from '../migration/incoming.js';
import type { LostKeys } from '../migration/lost-keys.js';
import type { OutgoingMigration } from '../migration/outgoing.js';
import type { MigrationRole } from '../migration/role.js';
import type { HandOver } from '../replication/hand-over.js';
import type { Shard } from '../shard.js';
import type { Execution } from './execution.js';

export class RequestRouter {
  private readonly id: number;
  /** The slot map's owner column (shared memory). */
  private readonly owner: Uint16Array;
  private readonly execution: Execution;
  /** Every migration this shard takes part in, by id: empty is the fast path. */
  private readonly migrations: ReadonlyMap<number, MigrationRole>;
  /** Outgoing and incoming migrations by slot. */
  private readonly outgoing: readonly (OutgoingMigration | undefined)[];
  private readonly incoming: readonly (IncomingMigration | undefined)[];
  /** On a replica: its primary's seat, whose slots it serves reads of (-1 on a primary). */
  replicaOf = -1;
  private readonly slotState: Uint8Array;
  /** Slots that lost keys with a dead shard (lost-keys.ts), by slot. */
  private readonly lost: readonly (LostKeys | undefined)[];
  /** Set while this primary hands its shard over (a planned failover): it takes every request. */
  handOver: HandOver | undefined;

  constructor(private readonly shard: Shard) {
    this.id = shard.id;
    this.owner = shard.control.owner;
    this.slotState = shard.control.slotState;
    this.execution = shard.execution;
    this.migrations = shard.migrations.byId;
    this.outgoing = shard.migrations.outgoing;
    this.incoming = shard.migrations.incoming;
    this.lost = shard.migrations.lost;
  }

  /** Runs a request frame, hands it to its slot's migration, or forwards it. -1: from a client. */
  route(buf: Buffer, view: DataView, at: number, fromPeer: number): void {
    // A profiled request: note when a shard first picked it up.
    if (
      buf[at + REQ_FLAGS]! & RequestFlag.Timed &&
      view.getUint32(at, true) >= REQ_HEADER_BYTES + TIMING_BYTES &&
      view.getFloat64(at + REQ_HEADER_BYTES + TIMING_PICKED_UP, true) === 0
    ) {
      view.setFloat64(at + REQ_HEADER_BYTES + TIMING_PICKED_UP, this.execution.markNow(), true);
    }
    if (this.handOver?.take(buf, at, fromPeer)) return;
    const slot = view.getUint16(at + REQ_SLOT, true);
    if (slot === NO_SLOT) {
      this.execution.execute(buf, at);
      return;
    }
    const owner = this.owner[slot]!;
    if (owner === this.id) {
      if (this.migrations.size === 0) {
        this.execution.executeWith(buf, at, undefined);
        return;
      }
      const outgoing = this.outgoing[slot];
      if (outgoing === undefined) {
        const lost = this.lost[slot];
        if (lost === undefined) this.execution.execute(buf, at);
        else lost.admit(buf, at);
      } else {
        outgoing.admit(buf, at);
        this.execution.mark = 0; // it may have been copied to wait, or forwarded
      }
      return;
    }
    const incoming = this.incoming[slot];
    if (incoming !== undefined && fromPeer === incoming.peer) {
      this.execution.execute(buf, at);
      return;
    }
    // A replica serves reads of its primary's slots (writes are refused there, READONLY) while it
    // holds a full copy; a read of a slot that is moving, or one that comes during a full copy,
    // goes to the primary, where the migration's rules apply.
    if (
      owner === this.replicaOf &&
      this.slotState[slot] === SlotState.Stable &&
      this.shard.replication.follower?.streaming === true
    ) {
      this.execution.execute(buf, at);
      return;
    }
    this.straggler(buf, at, slot, owner);
  }

  /** A request for a slot this shard neither owns nor imports from its sender: pass it on. */
  private straggler(buf: Buffer, at: number, slot: number, owner: number): void {
    const shard = this.shard;
    // A replica knows only its primary: a read of a slot that moved away meanwhile goes there.
    const next =
      shard.peers.byId[owner] !== undefined
        ? owner
        : (shard.migrations.handedTo[slot] ?? (this.replicaOf >= 0 ? this.replicaOf : undefined));
    if (next === undefined || next === this.id) {
      const text = `ERR slotdb: shard ${this.id} cannot route slot ${slot} (owner ${owner})`;
      this.execution.executeError(buf, at, text);
      return;
    }
    shard.peers.forward(next, buf, at);
    this.execution.mark = 0;
  }
}

/**
 * A failure that escaped the request frame at `at` (request-level failures are error replies, so
 * this one is a broken invariant and stops the shard): named by the request's opcode and slot.
 */
export function requestFailure(error: unknown, buf: Buffer, at: number): InvariantError {
  const cause = error instanceof Error ? error : new Error(String(error));
  const failure = new InvariantError(
    `failed on request (opcode ${buf[at + REQ_OP]}, slot ${readU16(buf, at + REQ_SLOT)}): ` +
      cause.message,
  );
  failure.stack = `${failure.stack}\nCaused by: ${cause.stack}`;
  return failure;
}
