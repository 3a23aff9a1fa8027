// The client side of one thread: its request and reply rings to every shard, the commands it has
// in flight, and how it waits for replies.
//
// Sending. A call encodes its frame straight into the staging buffer of the request ring of the
// shard that owns its slot and registers a pending entry. The first call of a tick queues a
// microtask; when it runs, every staged byte is pushed to its ring at once and each shard that
// sleeps is woken. So every call made in one tick travels as one batch per shard
// (auto-pipelining), and a frame costs no system call.
//
// Waiting. Right after a flush the client polls its reply rings for as long as replies keep
// arriving, and then for `spinMicros` more: a shard answers a small batch in a few microseconds,
// much sooner than any wake-up could be delivered. When the shard is slower than that, the client
// raises its doorbell word and waits with Atomics.waitAsync; the shard that publishes the next
// reply sees the raised word and notifies it. The blocking API (`db.sync`) polls the same way and
// then sleeps in Atomics.wait.
//
// Order. Frames to one shard are executed in the order they were staged, async and sync alike, so
// a caller's commands on one key take effect in the order it issued them. Slots move between
// shards, so the client also fences each slot: while it has frames for a slot in flight through
// one shard, it sends none of that slot's frames to another. A frame that would (the slot was
// given to another shard since) is held back, in order, until the earlier ones replied; so a frame
// the old owner forwards can never be overtaken by a later frame of the same client sent straight
// to the new owner (DESIGN.md, migration rule 7).

import {
  type Argument,
  NO_SLOT,
  REP_HEADER_BYTES,
  REP_ID,
  REP_META,
  REQ_ARGC,
  REQ_ID,
  beginRequest,
  endFrame,
  putArgument,
} from './shared/codec.js';
import { ClientState, ControlBlock, ShardState, kClientState, kClientWaiting } from './shared/control-block.js';
import { CLIENT_WAIT_MS_MAX, REQUEST_STREAM_BYTES, SLOT_COUNT } from './shared/limits.js';
import { FrameReader, FrameWriter } from './shared/ring.js';
import { ClientClosedError, PendingLimitError, ShardDownError } from './errors.js';
import { Aggregate, PENDING_CAPACITY_MAX, PendingFlag, PendingTable, type Transform } from './pending.js';
import { decodeValue } from './reply.js';
import { HeldKey, ProfileRecorder } from './profiler/recorder.js';
import { ProfileSlab } from './profiler/slab.js';
import { RTIMING_BYTES, ReplyMeta, absoluteNow } from './shared/timing-layout.js';

/** The rings of one client thread: requests[shard] (client → shard), replies[shard]. */
export interface ClientRings {
  readonly client: number;
  readonly requests: readonly SharedArrayBuffer[];
  readonly replies: readonly SharedArrayBuffer[];
  /** This thread's profile slab (profile-layout.ts). */
  readonly profile: SharedArrayBuffer;
}

export interface ClientTuning {
  readonly spinMicros: number;
  readonly pendingMax: number;
}

/** A frame the fence holds back: its pending entry and what to encode once it may go. */
interface HeldFrame {
  readonly index: number;
  readonly op: number;
  readonly args: readonly Argument[];
}

export const Mode = { Async: 0, Sync: 1 } as const;
export type Mode = (typeof Mode)[keyof typeof Mode];

const now = (): number => performance.now();

/** While spinning, the clock is read once every this many empty polls (a power of two). */
const CLOCK_EVERY_POLLS_MASK = 15;

export class Client {
  readonly id: number;
  readonly control: ControlBlock;
  readonly shardCount: number;
  readonly pending = new PendingTable();
  readonly owner: Uint16Array;
  private readonly writers: FrameWriter[];
  private readonly readers: FrameReader[];
  private readonly spinMs: number;
  private readonly pendingMax: number;
  private readonly waitingWord: number;
  /** Per shard: the error its commands fail with once it died. */
  private readonly down: (ShardDownError | undefined)[];
  private seenDeaths = 0;
  private flushQueued = false;
  private waitArmed = false;
  /** Set once the client is closed; new calls fail with it. */
  private closedError: Error | undefined;
  /** Whether this client has seen the database's closed flag. */
  private sharedClosed = false;
  /** Records timings while a profile runs. */
  private readonly recorder: ProfileRecorder;
  /** Whether the request being encoded is timed (a profile runs). */
  private timed = false;
  /** Per shard: the last push left bytes staged (the ring was full). */
  private readonly ringFull: boolean[] = [];
  /** Replies that arrived for commands already failed (see dispatch). */
  lateReplies = 0;
  /** Per slot: frames in flight, and the shard they went to (the fence). */
  private readonly inflight = new Int32Array(SLOT_COUNT);
  private readonly inflightShard = new Int16Array(SLOT_COUNT);
  /** Per slot: frames held back by the fence, in issue order. */
  private readonly held: (HeldFrame[] | undefined)[] = new Array(SLOT_COUNT).fill(undefined);

  constructor(control: ControlBlock, rings: ClientRings, tuning: ClientTuning) {
    this.id = rings.client;
    this.control = control;
    this.owner = control.owner;
    this.shardCount = rings.requests.length;
    this.writers = rings.requests.map((storage) => new FrameWriter(storage));
    this.readers = rings.replies.map((storage) => new FrameReader(storage, REP_HEADER_BYTES + 1));
    this.spinMs = tuning.spinMicros / 1000;
    this.pendingMax = tuning.pendingMax;
    this.waitingWord = control.clientWord(this.id, kClientWaiting);
    this.down = new Array(this.shardCount).fill(undefined);
    this.recorder = new ProfileRecorder(control, new ProfileSlab(rings.profile));
    this.checkHealth();
  }

  // ---- sending --------------------------------------------------------------------------

  /**
   * The error a new call to `shard` fails with before anything is sent, or undefined. Checks the
   * shared death counter, so a shard that died is noticed even by a thread that never waited.
   */
  refusal(shard: number): Error | undefined {
    if (this.closedError !== undefined) return this.closedError;
    if (this.control.deaths !== this.seenDeaths) this.checkHealth();
    return this.down[shard];
  }

  /** Begins a frame for `slot` on `shard`'s ring; returns its start (for the argument writes). */
  begin(shard: number, slot: number, op: number, argc: number): number {
    const writer = this.writers[shard]!;
    const start = beginRequest(writer, 0, slot, op, argc, this.id);
    this.timed = this.recorder.active();
    if (this.timed) this.recorder.stamp(writer, start, this.ringFull[shard] === true);
    return start;
  }

  /** Sets the argument count of a frame begun with a placeholder count. */
  setArgc(shard: number, start: number, argc: number): void {
    this.writers[shard]!.view.setUint32(start + REQ_ARGC, argc, true);
  }

  put(shard: number, arg: Argument): void {
    putArgument(this.writers[shard]!, arg);
  }

  /** Drops a frame whose arguments could not be encoded. */
  abandon(shard: number, start: number): void {
    this.writers[shard]!.rollback(start);
  }

  /**
   * The shard to send a frame for `slot` to now, or -1 when the fence holds it back: frames of the
   * slot are in flight through a shard that no longer owns it, or earlier frames are held already.
   */
  route(slot: number): number {
    const owner = this.owner[slot]!;
    if (this.held[slot] !== undefined) return -1;
    if (this.inflight[slot]! > 0 && this.inflightShard[slot] !== owner) return -1;
    return owner;
  }

  /**
   * Registers a pending entry for a frame to `shard` (-1: held back). Throws PendingLimitError when
   * too many commands are in flight.
   */
  openEntry(shard: number, slot: number, flags: number, transform: Transform | undefined): number {
    const pending = this.pending;
    const index = this.pendingMax > 0 && pending.count >= this.pendingMax ? -1 : pending.alloc();
    if (index < 0) throw new PendingLimitError(this.pendingMax > 0 ? this.pendingMax : PENDING_CAPACITY_MAX);
    pending.shard[index] = shard;
    pending.slot[index] = slot;
    pending.flags[index] = flags;
    pending.transform[index] = transform;
    return index;
  }

  /**
   * Closes the frame begun at `start` and registers its pending entry. Returns the entry index.
   * Throws PendingLimitError (after dropping the frame) when too many commands are in flight.
   */
  commit(shard: number, start: number, slot: number, flags: number, transform: Transform | undefined, key?: Argument): number {
    let index: number;
    try {
      index = this.openEntry(shard, slot, flags, transform);
      if (this.timed) this.pending.key[index] = key;
    } catch (error) {
      this.writers[shard]!.rollback(start);
      throw error;
    }
    try {
      this.send(shard, start, index);
    } catch (error) {
      // A frame that fails its own checks is a bug; its entry must not wait for a reply forever.
      this.pending.release(index);
      this.writers[shard]!.rollback(start);
      throw error;
    }
    return index;
  }

  /** Whether the frame being encoded is timed (a profile runs). */
  get timedFrame(): boolean {
    return this.timed;
  }

  /** Stamps the frame begun at `start` with entry `index`'s id and stages it. */
  private send(shard: number, start: number, index: number): void {
    const writer = this.writers[shard]!;
    const pending = this.pending;
    const slot = pending.slot[index]!;
    writer.view.setUint32(start + REQ_ID, pending.id(index), true);
    endFrame(writer, start);
    pending.shard[index] = shard;
    if (slot !== NO_SLOT) {
      this.inflight[slot]!++;
      this.inflightShard[slot] = shard;
    }
    if (writer.staged >= REQUEST_STREAM_BYTES) {
      writer.flush();
      this.control.wakeShard(shard);
    }
  }

  /**
   * Holds a frame back (the fence): it is encoded and sent once the slot's earlier frames replied.
   * A profile times it from now, under its key.
   */
  hold(slot: number, index: number, op: number, args: readonly Argument[], key: Argument | undefined): void {
    if (this.recorder.active()) this.pending.key[index] = new HeldKey(key, absoluteNow());
    const list = (this.held[slot] ??= []);
    list.push({ index, op, args });
  }

  /** Sends the frames held for `slot`, in order, now that nothing of the slot is in flight. */
  private releaseHeld(slot: number): void {
    const list = this.held[slot];
    if (list === undefined) return;
    this.held[slot] = undefined;
    for (let i = 0; i < list.length; i++) {
      const frame = list[i]!;
      const shard = this.route(slot);
      if (shard < 0) {
        // The slot moved again while releasing: the rest waits for the frames just sent.
        this.held[slot] = list.slice(i);
        return;
      }
      const refused = this.refusal(shard);
      if (refused !== undefined) {
        this.complete(frame.index, refused);
        continue;
      }
      const start = this.begin(shard, slot, frame.op, frame.args.length);
      for (const arg of frame.args) this.put(shard, arg);
      this.send(shard, start, frame.index);
      this.writers[shard]!.flush();
      this.control.wakeShard(shard);
    }
  }

  /** Forgets a held frame that failed before it was sent. */
  private dropHeld(index: number): void {
    const slot = this.pending.slot[index]!;
    const list = this.held[slot];
    if (list === undefined) return;
    const at = list.findIndex((frame) => frame.index === index);
    if (at >= 0) list.splice(at, 1);
    if (list.length === 0) this.held[slot] = undefined;
  }

  /** Makes entry `index` part `part` of `aggregate`. */
  joinAggregate(index: number, aggregate: Aggregate, part: number): void {
    this.pending.aggregate[index] = aggregate;
    this.pending.part[index] = part;
    aggregate.remaining++;
  }

  private capturedResolve: ((value: unknown) => void) | undefined;
  private capturedReject: ((error: unknown) => void) | undefined;
  // One executor for every promise: it only captures the settle functions, so creating a promise
  // allocates no closure of ours.
  private readonly capture = (resolve: (value: unknown) => void, reject: (error: unknown) => void): void => {
    this.capturedResolve = resolve;
    this.capturedReject = reject;
  };

  /** A promise settled when entry `index` replies. */
  promiseFor(index: number): Promise<unknown> {
    const promise = new Promise(this.capture);
    this.pending.resolve[index] = this.capturedResolve;
    this.pending.reject[index] = this.capturedReject;
    this.queueFlush();
    return promise;
  }

  /** A promise settled when every part of `aggregate` replied. */
  promiseForAggregate(aggregate: Aggregate): Promise<unknown> {
    const promise = new Promise(this.capture);
    aggregate.resolve = this.capturedResolve;
    aggregate.reject = this.capturedReject;
    this.queueFlush();
    return promise;
  }

  private queueFlush(): void {
    if (!this.flushQueued) {
      this.flushQueued = true;
      queueMicrotask(this.flushTask);
    }
  }

  private readonly flushTask = (): void => {
    this.flushQueued = false;
    this.pushStaged();
    this.pollWhileBusy();
  };

  /** Pushes every staged frame to its ring and wakes the shards that sleep. Returns bytes left. */
  private pushStaged(): number {
    let left = 0;
    for (let shard = 0; shard < this.shardCount; shard++) {
      const writer = this.writers[shard]!;
      if (writer.staged === 0) continue;
      if (this.down[shard] !== undefined) {
        writer.rollback(writer.head);
        continue;
      }
      const staged = writer.flush();
      this.ringFull[shard] = staged > 0;
      left += staged;
      this.control.wakeShard(shard);
    }
    return left;
  }

  // ---- receiving ------------------------------------------------------------------------

  /** Reads every complete reply that has arrived and settles its command. Returns how many. */
  poll(): number {
    let replies = 0;
    for (let shard = 0; shard < this.shardCount; shard++) {
      const reader = this.readers[shard]!;
      const popped = reader.fill();
      if (popped === 0 && reader.start === reader.end) continue;
      if (popped > 0) this.control.wakeShardWithBacklog(shard);
      this.recorder.repliesArriving();
      for (let at = reader.next(); at >= 0; at = reader.next()) {
        this.dispatch(reader, at);
        reader.advance(at);
        replies++;
      }
    }
    return replies;
  }

  private anyReadable(): boolean {
    for (let shard = 0; shard < this.shardCount; shard++) if (this.readers[shard]!.readable()) return true;
    return false;
  }

  private dispatch(reader: FrameReader, at: number): void {
    const id = reader.view.getUint32(at + REP_ID, true);
    const index = this.pending.lookup(id);
    // A command failed early because a shard on its path died can still be answered later (by a
    // shard that did execute it): its entry is gone, and the late reply is dropped.
    if (index < 0) {
      this.lateReplies++;
      return;
    }
    const buffers = (this.pending.flags[index]! & PendingFlag.Buffers) !== 0;
    let valueAt = at + REP_HEADER_BYTES;
    if (reader.view.getUint32(at + REP_META, true) & ReplyMeta.Timed) {
      this.recorder.onReply(reader.view, valueAt, this.pending.slot[index]!, this.pending.key[index] as Argument | HeldKey | undefined);
      valueAt += RTIMING_BYTES;
    }
    this.complete(index, decodeValue(reader.buf, reader.view, valueAt, buffers));
  }

  /** Settles entry `index` with a decoded reply (an ErrorReply fails it). */
  private complete(index: number, value: unknown): void {
    const pending = this.pending;
    const slot = pending.slot[index]!;
    let releaseSlot = -1;
    if (pending.shard[index] === -1) {
      this.dropHeld(index);
    } else if (slot !== NO_SLOT && --this.inflight[slot]! === 0 && this.held[slot] !== undefined) {
      releaseSlot = slot;
    }
    this.settle(index, value);
    if (releaseSlot >= 0) this.releaseHeld(releaseSlot);
  }

  private settle(index: number, value: unknown): void {
    const pending = this.pending;
    const aggregate = pending.aggregate[index];
    if (aggregate !== undefined) {
      const part = pending.part[index]!;
      pending.release(index);
      this.completePart(aggregate, part, value);
      return;
    }
    const failed = value instanceof Error;
    const transform = pending.transform[index];
    const result = failed || transform === undefined ? value : transform(value);
    if (pending.flags[index]! & PendingFlag.Sync) {
      pending.value[index] = result;
      pending.flags[index]! |= PendingFlag.Done;
      return;
    }
    const settle = failed ? pending.reject[index]! : pending.resolve[index]!;
    pending.release(index);
    settle(result);
  }

  private completePart(aggregate: Aggregate, part: number, value: unknown): void {
    if (value instanceof Error) aggregate.error ??= value;
    else aggregate.parts[part] = value;
    if (--aggregate.remaining === 0) this.finishAggregate(aggregate);
  }

  /** Settles an aggregate whose parts all replied (or that failed before all were sent). */
  finishAggregate(aggregate: Aggregate): void {
    if (aggregate.error === undefined) {
      const merged = aggregate.merge(aggregate.parts);
      aggregate.value = aggregate.transform === undefined ? merged : aggregate.transform(merged);
    }
    aggregate.done = true;
    if (aggregate.error !== undefined) aggregate.reject?.(aggregate.error);
    else aggregate.resolve?.(aggregate.value);
  }

  // ---- waiting, async -------------------------------------------------------------------

  /**
   * Polls while replies keep coming and for spinMicros after the last one; then, if commands are
   * still in flight, arms a doorbell wait so a shard can wake this thread.
   */
  private pollWhileBusy(): void {
    let quietSince = -1;
    let backlog = 1;
    let idlePolls = 0;
    while (this.pending.count > 0) {
      if (backlog > 0) backlog = this.pushStaged();
      if (this.poll() > 0) {
        idlePolls = 0;
        quietSince = -1;
        continue;
      }
      // Reading the clock costs more than a poll of empty rings; look at it every few polls.
      if ((++idlePolls & CLOCK_EVERY_POLLS_MASK) !== 0) continue;
      const t = now();
      if (quietSince < 0) quietSince = t;
      else if (t - quietSince >= this.spinMs) break;
    }
    if (this.pending.count > 0) this.armWait();
  }

  private armWait(): void {
    if (this.waitArmed) return;
    this.waitArmed = true;
    const words = this.control.words;
    Atomics.store(words, this.waitingWord, 1);
    // Replies published before the word was raised did not notify; look once more.
    if (this.anyReadable() || this.control.deaths !== this.seenDeaths || this.control.closed) {
      Atomics.store(words, this.waitingWord, 0);
      setImmediate(this.onWake);
      return;
    }
    const result = Atomics.waitAsync(words, this.waitingWord, 1, CLIENT_WAIT_MS_MAX);
    if (result.async) void result.value.then(this.onWake);
    else setImmediate(this.onWake);
  }

  private readonly onWake = (): void => {
    this.waitArmed = false;
    Atomics.store(this.control.words, this.waitingWord, 0);
    this.checkHealth();
    this.pollWhileBusy();
  };

  // ---- waiting, sync --------------------------------------------------------------------

  /** Blocks until sync entry `index` replied; returns its reply or throws its error. */
  waitEntry(index: number): unknown {
    this.pushStaged();
    const pending = this.pending;
    let quietSince = now();
    while (!(pending.flags[index]! & PendingFlag.Done)) quietSince = this.syncStep(quietSince);
    const value = pending.value[index];
    pending.release(index);
    if (value instanceof Error) throw value;
    return value;
  }

  /** Blocks until every part of a sync aggregate replied. */
  waitAggregate(aggregate: Aggregate): unknown {
    this.pushStaged();
    let quietSince = now();
    while (!aggregate.done) quietSince = this.syncStep(quietSince);
    if (aggregate.error !== undefined) throw aggregate.error;
    return aggregate.value;
  }

  /** One turn of a blocking wait: poll, and sleep on the doorbell once polling found nothing. */
  private syncStep(quietSince: number): number {
    if (this.poll() > 0) return now();
    if (this.control.deaths !== this.seenDeaths || this.control.closed) {
      this.checkHealth();
      return quietSince;
    }
    if (this.pushStaged() > 0) return quietSince;
    if (now() - quietSince < this.spinMs) return quietSince;
    const words = this.control.words;
    Atomics.store(words, this.waitingWord, 1);
    if (!this.anyReadable()) Atomics.wait(words, this.waitingWord, 1, CLIENT_WAIT_MS_MAX);
    Atomics.store(words, this.waitingWord, 0);
    return quietSince;
  }

  // ---- failure --------------------------------------------------------------------------

  /**
   * Notices dead shards and a closed database: fails every command in flight on a dead shard (or
   * every command, once the database is closed) so that nothing waits forever.
   */
  checkHealth(): void {
    const control = this.control;
    const deaths = control.deaths;
    const newlyClosed = control.closed && !this.sharedClosed;
    if (deaths === this.seenDeaths && !newlyClosed) return;
    this.seenDeaths = deaths;
    for (let shard = 0; shard < this.shardCount; shard++) {
      if (this.down[shard] === undefined && control.shardState(shard) === ShardState.Dead) {
        this.down[shard] = new ShardDownError(shard, `its worker exited with code ${control.shardExitCode(shard)}`);
      }
    }
    if (newlyClosed) {
      this.sharedClosed = true;
      this.closedError ??= new ClientClosedError('The database is closed');
    }
    const pending = this.pending;
    for (const index of pending.inUse()) {
      if (pending.flags[index]! & PendingFlag.Done) continue;
      const error = this.failureOf(index) ?? (this.sharedClosed ? this.closedError : undefined);
      if (error !== undefined) this.complete(index, error);
    }
  }

  /**
   * The error a pending entry fails with because a shard on its path died: the shard it was sent
   * to, or the slot's owner now (a straggler forwarded after a flip). A request the source of a
   * migration forwarded to a target that died is answered by the source (SHARDDOWN).
   */
  private failureOf(index: number): ShardDownError | undefined {
    const pending = this.pending;
    const shard = pending.shard[index]!;
    const slot = pending.slot[index]!;
    return (shard >= 0 ? this.down[shard] : undefined) ?? (slot !== NO_SLOT ? this.down[this.owner[slot]!] : undefined);
  }

  /** Whether a shard's worker runs (for CLUSTER SHARDS). */
  shardHealthy(shard: number): boolean {
    return this.control.shardState(shard) === ShardState.Running;
  }

  /** Gives this thread's client slot back; the opening thread reclaims its rings later. */
  detach(): void {
    Atomics.store(this.control.words, this.control.clientWord(this.id, kClientState), ClientState.Detached);
  }

  /** Refuses every new call from now on with `error`. */
  close(error: Error = new ClientClosedError()): void {
    this.closedError ??= error;
  }

  get closed(): boolean {
    return this.closedError !== undefined;
  }

  /** Resolves once no command is in flight. */
  async drain(): Promise<void> {
    while (this.pending.count > 0) {
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
  }
}
