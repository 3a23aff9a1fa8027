// The client side of one thread: its rings to every shard, the commands it has in flight, and
// the one way to send them.
//
// Sending. A call routes its slot through the slot fence (fence.ts), encodes its frame straight
// into the staging buffer of the request ring of the shard that owns the slot (outbox.ts) and
// registers a pending entry (pending.ts), whose index the caller waits on. A frame the fence holds
// back gets its entry at once and is encoded once the slot's earlier frames replied.
//
// Receiving. Replies are read from the reply rings in bulk; each settles its entry by request id
// (dispatch). How the thread waits for them (poll after flush, the waitAsync doorbell, the
// blocking wait) is waiting.ts; what it knows of dead shards and closing is health.ts.

import { setTimeout as sleep } from 'node:timers/promises';
import { BLOCKING_OPS } from '../commands/blocking-ops.js';
import { ClientClosedError, FailoverError } from '../errors.js';
import { HeldKey, ProfileRecorder } from '../profiler/recorder.js';
import { ProfileSlab } from '../profiler/slab.js';
import { type Argument, checkArgument, checkArgumentCount, putArgument } from '../shared/codec.js';
import { type ControlBlock, kClientWaiting } from '../shared/control-block.js';
import { absoluteNow } from '../shared/timing-layout.js';
import { type HeldFrame, type HeldFrameSender, SlotFence } from './fence.js';
import { ClientHealth } from './health.js';
import { Inbox, type ReplyDispatcher } from './inbox.js';
import { Outbox } from './outbox.js';
import { type PartsCall, sendParts } from './parts.js';
import { type Aggregate, PendingFlag, PendingTable, type Transform } from './pending.js';
import { ReplicaReads } from './replica-reads.js';
import { type ReplySource, Waiting } from './waiting.js';

/** A key naming an operation in a profile; undefined for keyless commands. */
type Key = Argument | undefined;

/** The rings of one client thread: requests[shard] (client → shard), replies[shard]. */
export interface ClientRings {
  readonly client: number;
  /** The seat's generation when it was handed out (src/handle.ts). */
  readonly generation: number;
  readonly requests: readonly SharedArrayBuffer[];
  readonly replies: readonly SharedArrayBuffer[];
  /** This thread's profile slab (src/profiler/slab.ts). */
  readonly profile: SharedArrayBuffer;
}

export interface ClientTuning {
  readonly spinMicros: number;
  readonly pendingMax: number;
}

export const Mode = { Async: 0, Sync: 1 } as const;
export type Mode = (typeof Mode)[keyof typeof Mode];

export class Client implements HeldFrameSender, ReplyDispatcher, ReplySource {
  readonly id: number;
  readonly generation: number;
  readonly control: ControlBlock;
  readonly shardCount: number;
  readonly pending = new PendingTable();
  readonly owner: Uint16Array;
  readonly outbox: Outbox; // public: slotdb's own tests corrupt a staged frame in it
  private readonly inbox: Inbox;
  /** Dead shards and whether the database closed. */
  private readonly health: ClientHealth;
  /** Records timings while a profile runs. */
  private readonly recorder: ProfileRecorder;
  private readonly fence = new SlotFence();
  private readonly waiting: Waiting;
  /** Where calls that read from replicas go, and the floors that keep them from going back. */
  readonly reads: ReplicaReads;

  constructor(control: ControlBlock, rings: ClientRings, tuning: ClientTuning) {
    this.id = rings.client;
    this.generation = rings.generation;
    this.control = control;
    this.owner = control.owner;
    this.shardCount = rings.requests.length;
    this.pending.limit = tuning.pendingMax;
    this.health = new ClientHealth(control, this.shardCount, this.id, this.generation);
    this.recorder = new ProfileRecorder(control, new ProfileSlab(rings.profile));
    this.outbox = new Outbox(rings.requests, control, this.recorder, this.id, this.generation);
    this.reads = new ReplicaReads(control, this);
    const { recorder, pending, outbox, reads } = this;
    this.inbox = new Inbox(rings.replies, control, recorder, pending, reads, outbox.wrote);
    const waiting = control.clientWord(this.id, kClientWaiting);
    this.waiting = new Waiting(this, this.inbox, control, waiting, tuning.spinMicros / 1000);
    this.checkHealth();
  }

  // ---- sending: each form routes `slot` through the fence, refuses a call to a dead shard or a
  // closed client, encodes the frame and registers its entry (or holds the frame back), and returns
  // the entry index; it throws, staging nothing, when the call fails before anything is sent. `key`
  // names the operation in a profile. send1 and send2 take arguments one by one (no array).

  /** Sends `op` with one argument, its key (GET, INCR, TTL...): the hot path. */
  send1(
    op: number,
    slot: number,
    flags: number,
    transform: Transform | undefined,
    key: Argument,
  ): number {
    if (flags & PendingFlag.ReplicaReads)
      return this.reads.send(op, slot, [key], flags, transform, key);
    const shard = this.fence.route(slot, this.owner[slot]!);
    if (shard < 0) return this.hold(op, slot, [key], flags, transform, key);
    const refused = this.refusal(shard);
    if (refused !== undefined) throw refused;
    const outbox = this.outbox;
    const start = outbox.begin(shard, slot, op, 1);
    try {
      putArgument(outbox.writers[shard]!, key);
    } catch (error) {
      outbox.rollback(shard, start);
      throw error;
    }
    return this.commit(shard, start, slot, flags, transform, key);
  }

  /** Sends `op` with its key and one more argument (SET without options, INCRBY, APPEND...). */
  send2(
    op: number,
    slot: number,
    flags: number,
    transform: Transform | undefined,
    key: Argument,
    arg: Argument,
  ): number {
    if (flags & PendingFlag.ReplicaReads) {
      return this.reads.send(op, slot, [key, arg], flags, transform, key);
    }
    const shard = this.fence.route(slot, this.owner[slot]!);
    if (shard < 0) return this.hold(op, slot, [key, arg], flags, transform, key);
    const refused = this.refusal(shard);
    if (refused !== undefined) throw refused;
    const outbox = this.outbox;
    const start = outbox.begin(shard, slot, op, 2);
    try {
      putArgument(outbox.writers[shard]!, key);
      putArgument(outbox.writers[shard]!, arg);
    } catch (error) {
      outbox.rollback(shard, start);
      throw error;
    }
    return this.commit(shard, start, slot, flags, transform, key);
  }

  /** Sends `op` with `args` to the owner of `slot`. Blocking commands (BLPOP...) come here. */
  send(
    op: number,
    slot: number,
    args: readonly Argument[],
    callFlags: number,
    transform: Transform | undefined,
    key: Key,
  ): number {
    const flags = BLOCKING_OPS[op] === 1 ? callFlags | PendingFlag.Blocking : callFlags;
    if (flags & PendingFlag.ReplicaReads)
      return this.reads.send(op, slot, args, flags, transform, key);
    return this.sendTo(this.owner[slot]!, op, slot, args, flags, transform, key);
  }

  /** Sends `op` with `args` for `slot` to the worker in `seat` (unless the fence holds it). */
  sendTo(
    seat: number,
    op: number,
    slot: number,
    args: readonly Argument[],
    flags: number,
    transform: Transform | undefined,
    key: Key,
  ): number {
    const shard = this.fence.route(slot, seat);
    if (shard < 0) return this.hold(op, slot, args, flags, transform, key);
    const refused = this.refusal(shard);
    if (refused !== undefined) throw refused;
    const start = this.outbox.begin(shard, slot, op, args.length);
    this.outbox.putAll(shard, start, args);
    return this.commit(shard, start, slot, flags, transform, key);
  }

  /** Sends one frame per part of an aggregate (parts.ts). */
  sendParts(...call: PartsCall): void {
    sendParts(this, ...call);
  }

  /** The seat a frame for `slot` meant for `seat` goes to now, or -1: the fence holds it. */
  route(slot: number, seat: number): number {
    return this.fence.route(slot, seat);
  }

  /**
   * The error a new call to `shard` fails with before anything is sent, or undefined. Checks the
   * shared death counter, so a shard that died is noticed even by a thread that never waited.
   */
  refusal(shard: number): Error | undefined {
    const health = this.health;
    if (health.closedError !== undefined) return health.closedError;
    if (health.deathsChanged()) this.checkHealth();
    return health.down[shard];
  }

  /**
   * Closes the frame begun at `start` and registers its pending entry. Returns the entry index.
   * Throws PendingLimitError (after dropping the frame) when too many commands are in flight.
   */
  private commit(
    shard: number,
    start: number,
    slot: number,
    flags: number,
    transform: Transform | undefined,
    key: Key,
  ): number {
    let index: number;
    try {
      index = this.pending.open(shard, slot, flags, transform);
      if (this.outbox.timed) {
        this.pending.key[index] = key;
        this.recorder.issued(index, this.pending.id(index));
      }
    } catch (error) {
      this.outbox.rollback(shard, start);
      throw error;
    }
    try {
      this.stage(shard, start, index);
    } catch (error) {
      // A frame that fails its own checks is a bug; its entry must not wait for a reply forever.
      this.pending.release(index);
      this.outbox.rollback(shard, start);
      throw error;
    }
    return index;
  }

  /** Stages the frame begun at `start` as entry `index`'s request, sent to `shard`. */
  private stage(shard: number, start: number, index: number): void {
    const pending = this.pending;
    this.outbox.seal(shard, start, pending.id(index));
    pending.shard[index] = shard;
    if (this.outbox.lastWrite !== 0) pending.flags[index]! |= PendingFlag.Write;
    this.fence.sent(pending.fencedSlot(index), shard);
  }

  /**
   * Holds a frame back (the fence): its entry now, its bytes once the slot's earlier frames
   * replied. A profile times it from now, under its key.
   */
  private hold(
    op: number,
    slot: number,
    args: readonly Argument[],
    flags: number,
    transform: Transform | undefined,
    key: Key,
  ): number {
    checkArgumentCount(args.length);
    for (let i = 0; i < args.length; i++) checkArgument(args[i]);
    const index = this.pending.open(-1, slot, flags, transform);
    if (this.recorder.active()) this.pending.key[index] = new HeldKey(key, absoluteNow());
    this.fence.hold(slot, { index, op, args });
    return index;
  }

  /** Sends a frame the fence held, now that it may go (fence.ts); a dead shard fails it. */
  sendHeld(shard: number, slot: number, frame: HeldFrame): void {
    const refused = this.refusal(shard);
    if (refused !== undefined) {
      this.complete(frame.index, refused);
      return;
    }
    const start = this.outbox.begin(shard, slot, frame.op, frame.args.length);
    this.outbox.putAll(shard, start, frame.args);
    this.stage(shard, start, frame.index);
    this.outbox.pushNow(shard);
  }

  // ---- settling -------------------------------------------------------------------------

  /** A promise settled when entry `index` replies. */
  promiseFor(index: number): Promise<unknown> {
    const promise = this.pending.promise(index);
    this.waiting.queueFlush();
    return promise;
  }

  /** A promise settled when every part of `aggregate` replied. */
  promiseForAggregate(aggregate: Aggregate): Promise<unknown> {
    const promise = this.pending.promiseForAggregate(aggregate);
    this.waiting.queueFlush();
    return promise;
  }

  /** Blocks until sync entry `index` replied; returns its reply or throws its error. */
  waitEntry(index: number): unknown {
    return this.waiting.entry(index);
  }

  /** Blocks until every part of a sync aggregate replied. */
  waitAggregate(aggregate: Aggregate): unknown {
    return this.waiting.aggregate(aggregate);
  }

  /** Pushes every staged frame to its ring and wakes the shards that sleep. Returns bytes left. */
  pushStaged(): number {
    return this.outbox.pushStaged(this.health.down);
  }

  // ---- receiving ------------------------------------------------------------------------

  /** Reads every complete reply that has arrived and settles its command. Returns how many. */
  poll(): number {
    return this.inbox.poll(this);
  }

  /** Settles entry `index` with its decoded reply (an ErrorReply fails it); see Inbox. */
  complete(index: number, value: unknown): void {
    const pending = this.pending;
    const slot = pending.slot[index]!;
    let release = false;
    if (pending.shard[index] === -1) this.fence.drop(slot, index);
    else release = this.fence.replied(pending.fencedSlot(index));
    this.pending.settle(index, value);
    if (release) this.fence.release(slot, this);
  }

  // ---- failure --------------------------------------------------------------------------

  healthChanged(): boolean {
    return this.health.changed();
  }

  /**
   * Notices dead shards and a closed database: fails every command in flight on a dead shard (or
   * every command, once the database is closed) so that nothing waits forever.
   */
  checkHealth(): void {
    if (!this.health.notice()) return;
    const { pending, health } = this;
    const resend: number[] = [];
    for (const index of pending.inUse()) {
      const flags = pending.flags[index]!;
      if (flags & PendingFlag.Done) continue;
      // A read its replica will never answer goes to the primary instead: reads are idempotent.
      if (flags & PendingFlag.OnReplica && health.closedError === undefined) {
        if (this.reads.lost(index, health.down)) resend.push(index);
        continue;
      }
      const shard = pending.shard[index]!;
      const error = health.failureOf(shard, pending.slot[index]!);
      if (error === undefined) continue;
      if (flags & PendingFlag.Write) this.outbox.writeFailed(shard);
      if (error instanceof FailoverError) {
        this.recorder.onFailed(index, pending.id(index), pending.slot[index]!, pending.key[index]);
      }
      this.complete(index, error);
    }
    for (const frame of this.reads.takeFrames(resend)) this.requeue(frame);
  }

  /** Sends a read again, first in line for its slot, to the slot's owner (replica-reads.ts). */
  private requeue(frame: HeldFrame): void {
    const slot = this.pending.slot[frame.index]!;
    this.pending.shard[frame.index] = -1;
    if (this.fence.requeue(slot, frame)) this.fence.release(slot, this);
  }

  /** The seat the frames of `slot` in flight went to, or -1 (for routing reads). */
  inflightSeat(slot: number): number {
    return this.fence.inflightSeat(slot);
  }

  /** Gives this thread's seat back (unless the opener reclaimed it already), rings and all. */
  detach(): void {
    this.health.detach();
  }

  /** Closes this client with `error` and fails every command in flight with it (seat revoked). */
  evict(error: Error): void {
    this.close(error);
    for (const index of this.pending.inUse()) {
      if (!(this.pending.flags[index]! & PendingFlag.Done)) this.complete(index, error);
    }
  }

  /** Refuses every new call from now on with `error`; fails blocking calls in flight at once. */
  close(error: Error = new ClientClosedError()): void {
    if (!this.health.close(error)) return;
    for (const index of this.pending.blockingInFlight()) this.complete(index, error);
  }

  get closed(): boolean {
    return this.health.closedError !== undefined;
  }

  /** Resolves once no command is in flight. */
  async drain(): Promise<void> {
    while (this.pending.count > 0) await sleep(1);
  }
}
