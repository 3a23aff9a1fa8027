// Reads from replicas, for one client thread: which worker a read goes to when the call reads
// from replicas (the `readFrom: 'replica'` option, or a `db.withReadFrom('replica')` view), and
// what the thread remembers so that its reads never go backwards.
//
// Which calls. Only read-only commands (Flag.ReadOnly, not blocking, not WATCH) of a slot that
// is not moving go to a replica; writes, blocking commands, transactions, WAIT and broadcasts
// (DBSIZE, KEYS) go to the primary. A replica serves a read only while it streams; otherwise (a
// full copy under way, a slot that started moving) it hands the read to its primary.
//
// The rule: a read never goes backwards for one thread. Per shard, the thread remembers the
// highest journal offset it may have seen there (its floor). When the thread first calls with
// replica reads, the floor is the primary's offset then (it covers what the thread read before);
// from then on, each reply raises the floor of the shard that sent it to that worker's offset,
// read when the reply is taken in: a primary publishes its journal offset before it pushes its
// replies, a replica the offset it applied before it serves reads, so the offset covers what the
// reply showed (a read a replica handed to its primary comes back from the primary's ring). A read
// goes to a replica only if the replica streams, is alive and acknowledged at least the floor;
// otherwise to the primary. So a thread also reads its own writes. A thread keeps to one replica
// per shard (pinned, chosen by its seat so threads spread over the replicas) and picks another
// only when that one dies, resyncs or stops being a replica; the floor applies to the new one as
// to the old. After a failover the floor comes down to the new primary's offset: what the thread
// saw past it was lost with the old primary.
//
// Order. Reads of a slot that has frames in flight go where those frames went (the slot fence
// would otherwise hold them back until the earlier frames replied), so pipelined reads of one key
// stay on one worker and in order.
//
// A replica that dies. A read sent to it is sent again to the primary (reads are idempotent), first
// in line for its slot and in the order the reads were issued; callers never see that replica's
// death. So is a read the replica handed to a primary that died.

import { BLOCKING_OPS } from '../commands/blocking-ops.js';
import { COMMAND, Flag, OP_COUNT, OP_FLAGS } from '../commands/table.js';
import { ShardDownError } from '../errors.js';
import type { Argument } from '../shared/codec.js';
import {
  type ControlBlock,
  ReplicaState,
  ShardState,
  SlotState,
  WorkerRole,
} from '../shared/control-block.js';
import { SHARDS_MAX } from '../shared/limits.js';
import type { HeldFrame } from './fence.js';
import { PendingFlag, type PendingTable, type Transform } from './pending.js';

/** Opcodes a replica may serve: read-only, not blocking, not WATCH (a transaction's). */
const REPLICA_OPS = new Uint8Array(OP_COUNT);
for (let op = 1; op < OP_COUNT; op++) {
  const readOnly = (OP_FLAGS[op]! & Flag.ReadOnly) !== 0;
  if (readOnly && BLOCKING_OPS[op] !== 1 && op !== COMMAND.watch.op) REPLICA_OPS[op] = 1;
}

/** A frame sent to a replica, kept until it is answered. */
interface KeptFrame extends HeldFrame {
  /** Its place among the frames this thread sent to replicas. */
  readonly sequence: number;
  /** The replica's primary when it was sent: the replica may hand the read to it. */
  readonly primary: number;
}

/** What routing reads needs of the client: its slot map, entries, and a way to send. */
export interface ReadSender {
  readonly id: number;
  readonly owner: Uint16Array;
  readonly pending: PendingTable;
  /** The seat the frames of `slot` in flight went to, or -1 (slot fence). */
  inflightSeat(slot: number): number;
  /** Sends a frame for `slot` to `seat` (the slot fence may hold it back); returns its entry. */
  readonly sendTo: SendTo;
}

/** The client's send of one frame to a given seat (Client.sendTo). */
export type SendTo = (
  seat: number,
  op: number,
  slot: number,
  args: readonly Argument[],
  flags: number,
  transform: Transform | undefined,
  key: Argument | undefined,
) => number;

export class ReplicaReads {
  /** Per shard: the highest offset this thread may have seen there. */
  private readonly floors = new Float64Array(SHARDS_MAX);
  /** Per shard: the primary seat the floor was measured against (-1: none yet). */
  private readonly primaryAt = new Int32Array(SHARDS_MAX).fill(-1);
  /** Per shard: the replica this thread reads from (-1: none chosen). */
  private readonly pinned = new Int32Array(SHARDS_MAX).fill(-1);
  /** Per pending entry sent to a replica: the frame, to send again if the replica dies. */
  private readonly frames: (KeptFrame | undefined)[] = [];
  /** Frames sent to replicas so far: their order, for sending them again in it. */
  private sequence = 0;
  /** Set by the thread's first call that may read from a replica: replies raise the floors. */
  tracking = false;

  constructor(
    private readonly control: ControlBlock,
    private readonly sender: ReadSender,
  ) {}

  /** Sends a call that may read from a replica: to the seat `target` picks. Returns its entry. */
  send(
    op: number,
    slot: number,
    args: readonly Argument[],
    flags: number,
    transform: Transform | undefined,
    key: Argument | undefined,
  ): number {
    const sender = this.sender;
    const owner = sender.owner[slot]!;
    const seat = this.target(op, slot, owner);
    if (seat === owner) return sender.sendTo(owner, op, slot, args, flags, transform, key);
    let index: number;
    try {
      index = sender.sendTo(seat, op, slot, args, flags, transform, key);
    } catch (error) {
      // The replica died between the choice and the send: the primary answers.
      if (!(error instanceof ShardDownError)) throw error;
      return sender.sendTo(owner, op, slot, args, flags, transform, key);
    }
    this.sent(index, seat, op, args);
    return index;
  }

  /**
   * Notes that entry `index` went to `seat`: when that is a replica, its frame is kept, to be sent
   * again to the primary should the replica die. A frame the fence held goes to the primary.
   */
  sent(index: number, seat: number, op: number, args: readonly Argument[]): void {
    const pending = this.sender.pending;
    if (pending.shard[index] !== seat || this.control.workerRole(seat) !== WorkerRole.Replica) {
      return;
    }
    pending.flags[index]! |= PendingFlag.OnReplica;
    const primary = this.control.primaryOf(this.control.workerShard(seat));
    this.frames[index] = { index, op, args, sequence: this.sequence++, primary };
  }

  /** The seat a call of `op` on `slot` (owned by the seat `owner`) goes to. */
  target(op: number, slot: number, owner: number): number {
    const control = this.control;
    if (!this.tracking) this.startTracking();
    if (REPLICA_OPS[op] === 0 || control.slotState[slot] !== SlotState.Stable) return owner;
    const shard = control.workerShard(owner);
    const busy = this.sender.inflightSeat(slot);
    if (busy >= 0) return busy === owner || this.streams(busy, shard) ? busy : owner;
    if (this.primaryAt[shard] !== owner) this.newPrimary(shard, owner);
    let pinned = this.pinned[shard]!;
    if (pinned >= 0 && !this.streams(pinned, shard)) pinned = -1;
    if (pinned < 0) {
      pinned = this.choose(shard);
      this.pinned[shard] = pinned;
    }
    return pinned >= 0 && control.offset(pinned) >= this.floors[shard]! ? pinned : owner;
  }

  /** Entry `index` was answered by `seat`: what the reply showed raises the floor. */
  replied(index: number, seat: number): void {
    const control = this.control;
    const shard = control.workerShard(seat);
    const offset = control.offset(seat);
    if (offset > this.floors[shard]!) this.floors[shard] = offset;
    this.frames[index] = undefined;
  }

  /**
   * Whether entry `index`, sent to a replica, will never be answered: the replica died, or the
   * primary it may have handed the read to did (`down`: per seat, set once it died).
   */
  lost(index: number, down: readonly unknown[]): boolean {
    const frame = this.frames[index];
    const seat = this.sender.pending.shard[index]!;
    return down[seat] !== undefined || (frame !== undefined && down[frame.primary] !== undefined);
  }

  /**
   * The frames of entries `indexes`, sent to replicas and never to be answered there (the replica
   * died, or the primary it handed them to did), to send again: latest first, since each goes
   * first in line for its slot, so that they go again in the order they were issued.
   */
  takeFrames(indexes: readonly number[]): HeldFrame[] {
    const frames: KeptFrame[] = [];
    const flags = this.sender.pending.flags;
    for (const index of indexes) {
      const frame = this.frames[index];
      this.frames[index] = undefined;
      flags[index]! &= ~PendingFlag.OnReplica;
      if (frame !== undefined) frames.push(frame);
    }
    return frames.sort((a, b) => b.sequence - a.sequence);
  }

  /** The floor of `shard` (for slotdb's own tests). */
  floorOf(shard: number): number {
    return this.floors[shard]!;
  }

  /**
   * The thread's first call that may read from a replica: what it saw before, from primaries,
   * is covered by their offsets now.
   */
  private startTracking(): void {
    const control = this.control;
    for (let shard = 0; shard < control.shardCount; shard++) {
      const primary = control.primaryOf(shard);
      this.floors[shard] = control.offset(primary);
      this.primaryAt[shard] = primary;
    }
    this.tracking = true;
  }

  /**
   * Whether `seat` is a live replica of `shard` that holds a full copy and follows the stream of
   * the shard's primary now (right after a failover, a replica still applying the dead primary's
   * stream has offsets of another history: comparing them with the floor would mean nothing).
   */
  private streams(seat: number, shard: number): boolean {
    const control = this.control;
    return (
      control.workerRole(seat) === WorkerRole.Replica &&
      control.workerShard(seat) === shard &&
      control.shardState(seat) === ShardState.Running &&
      control.replicaState(seat) === ReplicaState.Streaming &&
      control.replicaOf(seat) === control.primaryOf(shard)
    );
  }

  /** The replica of `shard` this thread keeps to: one of those streaming, by the thread's seat. */
  private choose(shard: number): number {
    const live: number[] = [];
    for (let seat = 0; seat < this.control.workerCount; seat++) {
      if (this.streams(seat, shard)) live.push(seat);
    }
    return live.length === 0 ? -1 : live[this.sender.id % live.length]!;
  }

  /**
   * `shard` has a new primary (a failover, or the first read there): what the thread saw past
   * the new primary's offset was lost with the old one, so the floor comes down to it, and the
   * replicas, which start over from the new primary, are chosen again.
   */
  private newPrimary(shard: number, primary: number): void {
    if (this.primaryAt[shard]! >= 0) {
      this.floors[shard] = Math.min(this.floors[shard]!, this.control.offset(primary));
    }
    this.primaryAt[shard] = primary;
    this.pinned[shard] = -1;
  }
}
