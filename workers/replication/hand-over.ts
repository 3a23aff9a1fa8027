// Planned failover, the workers' part (the opening thread's is src/replication/planned-failover.ts):
// a primary hands its shard to one of its replicas without losing a write and without a caller
// seeing an error, as Valkey's FAILOVER does.
//
//   old primary, 'hand-over'   stops executing: every request that reaches it (for its slots or
//                              not, reads too, so each client's order holds) is copied and held,
//                              in arrival order; active expiry stops (it would journal DELs). Its
//                              journal offset is final now: it answers it.
//   replica, 'take-over'       once it acknowledged that offset (the opening thread watches),
//                              applies what its ring still holds, becomes the primary and moves
//                              the old primary's slots to itself in the slot map (a new epoch).
//   old primary, next turn     sees the new primary in the slot map: sends it the requests blocked
//                              on keys (with the time they have left) and forwards what it held,
//                              in order; answers the WAITs it held; refuses writes. Whatever still
//                              reaches it is forwarded to the slot's owner until it follows the new
//                              primary and holds its full copy.
//
// A client sends nothing for a slot to the new primary while a request of its own for that slot is
// still in flight through the old one (src/client/fence.ts), so forwarded requests are never
// overtaken by the same client's later ones.
//
// The ticket (Ticket in src/shared/control-messages.ts) decides between taking over and giving up:
// it leaves Open once. Giving up (the opening thread's timeout, or this worker's own deadline) makes
// the old primary execute what it held and go on. The worker's own deadline matters when the
// opening thread is blocked in a sync call that waits here: its event loop then runs no timer.

import { NO_SLOT, REQ_SLOT, readU16, readU32 } from '../../src/shared/codec.js';
import { ReplicaState, WorkerRole } from '../../src/shared/control-block.js';
import { Ticket, type ToShard } from '../../src/shared/control-messages.js';
import { SLOT_COUNT } from '../../src/shared/limits.js';
import { RoleKind } from '../migration/role.js';
import { requestFailure } from '../shard/request-router.js';
import type { Shard } from '../shard.js';
import { READONLY } from './replication.js';

interface HeldFrame {
  readonly frame: Buffer;
  /** The peer that forwarded it, -1 for a client's own. */
  readonly fromPeer: number;
}

/** How long an old primary forwards what reaches it after handing over (see `forward`). */
const FORWARD_GRACE_MS = 1000;

type HandOverMessage = Extract<ToShard, { type: 'hand-over' }>;

/** On the old primary: holds requests, then forwards them, for as long as its hand-over lasts. */
export class HandOver {
  private holding = true;
  private held: HeldFrame[] = [];
  /** The shard this worker serves (its seat's role changes on the way, not its shard). */
  private readonly shardNumber: number;
  private readonly ticket: Int32Array;
  /** Date.now() after which this worker gives up on its own. */
  private readonly deadline: number;
  /** Date.now() until which it forwards everything, once handed over. */
  private forwardUntil = 0;

  constructor(
    private readonly shard: Shard,
    private readonly message: HandOverMessage,
    /** Its journal's offset when it stopped executing: what the new primary must hold. */
    private readonly final: number,
  ) {
    this.shardNumber = shard.control.workerShard(shard.id);
    this.ticket = new Int32Array(message.ticket);
    this.deadline = Date.now() + message.holdMs;
  }

  /** Whether it still holds requests (not handed over, not given up). */
  get isHolding(): boolean {
    return this.holding;
  }

  /** The router's question: takes the frame (held or forwarded), or false to route it as usual. */
  take(buf: Buffer, at: number, fromPeer: number): boolean {
    if (!this.holding) return this.forward(buf, at);
    const length = readU32(buf, at);
    const frame = Buffer.allocUnsafe(length);
    buf.copy(frame, 0, at, at + length);
    this.held.push({ frame, fromPeer });
    this.shard.execution.mark = 0;
    return true;
  }

  /**
   * Once handed over: forwards a request to its slot's owner (a keyless one to the shard's new
   * primary). A client may still send here for a moment what it addressed with the slot map it
   * read before the new epoch: a write would be refused here, a read could miss the caller's own
   * write just forwarded. After a grace period, this worker serves as the replica it is.
   */
  private forward(buf: Buffer, at: number): boolean {
    const shard = this.shard;
    if (shard.keyspace.now > this.forwardUntil) {
      shard.router.handOver = undefined;
      return false;
    }
    const control = shard.control;
    const slot = readU16(buf, at + REQ_SLOT);
    const target = slot === NO_SLOT ? control.primaryOf(this.shardNumber) : control.owner[slot]!;
    if (target === shard.id || shard.peers.byId[target] === undefined) return false;
    shard.peers.forward(target, buf, at);
    shard.execution.mark = 0;
    return true;
  }

  /** Each loop turn while holding: gives up, or hands over once the new primary took the slots. */
  step(now: number): number {
    if (!this.holding) return 0;
    const ticket = this.ticket;
    let state = Atomics.load(ticket, 0);
    if (state === Ticket.Open && now >= this.deadline) {
      const was = Atomics.compareExchange(ticket, 0, Ticket.Open, Ticket.Abandoned);
      state = was === Ticket.Open ? Ticket.Abandoned : was;
    }
    if (state === Ticket.Abandoned) {
      this.resume();
      return 1;
    }
    if (
      state === Ticket.Taken &&
      this.shard.control.primaryOf(this.shardNumber) !== this.shard.id
    ) {
      this.release(now);
      return 1;
    }
    return 0;
  }

  /** Given up: executes what was held, in order, and goes on as the primary. */
  private resume(): void {
    const shard = this.shard;
    this.holding = false;
    shard.router.handOver = undefined;
    shard.expiry.nextAt = 0;
    this.replay();
  }

  /** Handed over: everything this primary kept waiting goes to the new one, which it follows. */
  private release(now: number): void {
    const shard = this.shard;
    const { replication, control } = shard;
    const to = this.message.to;
    this.holding = false;
    this.forwardUntil = now + FORWARD_GRACE_MS;
    // No write runs here any more: what reaches this worker is forwarded, then refused.
    replication.writeRefusal = READONLY;
    // WAITs held here are answered now: the replicas that acknowledged the caller's writes, and
    // this worker, which keeps every write (the new primary's data) as its replica from now on.
    replication.waits.settle(
      Number.POSITIVE_INFINITY,
      (offset) => replication.countAcks(offset) + 1,
    );
    // Its other replicas follow the new primary from now on (the opening thread connects them).
    for (const link of [...replication.links]) replication.dropReplica(link.replica);
    // Requests blocked on keys blocked before those held: they go first.
    for (let slot = 0; slot < SLOT_COUNT; slot++) {
      if (control.owner[slot] === shard.id) continue;
      shard.blocking.handOff(slot, (frame) => this.route(frame, -1));
    }
    this.replay();
    // It holds the new primary's data as of the final offset: it streams from there, no copy.
    if (control.primaryOf(this.shardNumber) === to) {
      replication.follow(to, this.message.ring, this.final);
    }
    shard.expiry.nextAt = 0;
  }

  /** Routes what was held, in arrival order (forwarded once handed over, executed if given up). */
  private replay(): void {
    const held = this.held;
    this.held = [];
    for (const { frame, fromPeer } of held) this.route(frame, fromPeer);
    this.shard.clients.flushDirty();
  }

  private route(frame: Buffer, fromPeer: number): void {
    const view = new DataView(frame.buffer, frame.byteOffset, frame.byteLength);
    try {
      this.shard.router.route(frame, view, 0, fromPeer);
    } catch (error) {
      throw requestFailure(error, frame, 0);
    }
  }
}

/**
 * 'hand-over' on the primary: starts holding requests for a failover. Returns the final journal
 * offset. Refused while the shard takes part in a migration: its slots' owners and keys would
 * change under the failover.
 */
export function startHandOver(shard: Shard, message: HandOverMessage): number {
  const { replication, router, control } = shard;
  const journal = replication.journal;
  if (journal === undefined || replication.follower !== undefined) {
    throw new Error(`it is not the primary of shard ${control.workerShard(shard.id)}`);
  }
  if (router.handOver?.isHolding) throw new Error('it is handing its shard over already');
  for (const role of shard.migrations.byId.values()) {
    if (role.kind === RoleKind.LostKeys) {
      // The mark lives on this worker only: a new primary would answer for keys it never had.
      throw new Error(`slot ${role.slot} lost keys when worker ${role.peer} died`);
    }
    throw new Error(`it takes part in a migration (slot ${role.slot}): let it end first`);
  }
  if (shard.orders.pending) throw new Error('it has slot moves queued: let them end first');
  if (shard.peers.byId[message.to] === undefined) {
    throw new Error(`it has no ring to worker ${message.to}`);
  }
  router.handOver = new HandOver(shard, message, journal.offset);
  shard.expiry.nextAt = Number.POSITIVE_INFINITY;
  return journal.offset;
}

/**
 * 'take-over' on the replica picked: once it holds `offset` of `from`'s stream, it becomes the
 * shard's primary, takes `from`'s slots in a new epoch, and streams to `from` (which holds the
 * same data) from there. Returns the offset it journals from.
 */
export function takeOver(shard: Shard, message: Extract<ToShard, { type: 'take-over' }>): number {
  const { replication, control } = shard;
  const { from, offset } = message;
  const follower = replication.follower;
  if (follower === undefined || follower.primary !== from) {
    throw new Error(`worker ${shard.id} does not follow worker ${from}`);
  }
  while (follower.serve() > 0);
  if (!follower.streaming || follower.offset !== offset) {
    throw new Error(
      `worker ${shard.id} holds offset ${follower.offset} of worker ${from}'s stream, not ${offset}`,
    );
  }
  const at = replication.promote(message.files);
  // It may still forward for an earlier hand-over of its own; as the primary it serves.
  shard.router.handOver = undefined;
  replication.addReplica(from, message.ring, true);
  const shardNumber = control.workerShard(shard.id);
  control.setWorker(shard.id, WorkerRole.Primary, shardNumber);
  // The owners first: the old primary forwards to them once it sees the new primary below.
  const owner = control.owner;
  for (let slot = 0; slot < SLOT_COUNT; slot++) {
    if (owner[slot] === from) Atomics.store(owner, slot, shard.id);
  }
  control.setWorker(from, WorkerRole.Replica, shardNumber);
  // The old primary holds exactly this offset: a good replica from now on (minReplicasToWrite
  // admits the writes it forwards), though it starts applying the stream only once it sees this.
  control.setReplicaState(from, ReplicaState.Streaming);
  control.setOffset(from, at);
  control.setAckAt(from, Date.now());
  replication.step(Date.now());
  Atomics.store(control.primaries, shardNumber, shard.id);
  control.bumpEpoch();
  control.wakeShard(from);
  return at;
}
