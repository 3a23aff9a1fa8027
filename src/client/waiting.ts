// How a client thread waits for replies.
//
// Async. The first call of a tick queues a microtask; when it runs, every staged byte is pushed to
// its ring at once and each shard that sleeps is woken (auto-pipelining). Right after that flush
// the client polls its reply rings for as long as replies keep arriving, and then for `spinMicros`
// more: a shard answers a small batch in a few microseconds, much sooner than any wake-up could be
// delivered. When the shard is slower than that, the client raises its doorbell word and waits
// with Atomics.waitAsync; the shard that publishes the next reply sees the raised word and
// notifies it.
//
// Sync. The blocking API (`db.sync`) polls the same way and then sleeps in Atomics.wait.

import { HandleError } from '../errors.js';
import {
  ClientState,
  type ControlBlock,
  kClientHeartbeat,
  kClientState,
  seatWord,
} from '../shared/control-block.js';
import { CLIENT_WAIT_MS_MAX } from '../shared/limits.js';
import type { Inbox, ReplyDispatcher } from './inbox.js';
import { type Aggregate, PendingFlag, type PendingTable } from './pending.js';

/**
 * What waiting needs from the client: its entries, its request rings, its health check, and the
 * settling of replies (the reply rings are read here, through the inbox, without a hop through
 * the client: the spin loops are the hottest code of a waiting thread).
 */
export interface ReplySource extends ReplyDispatcher {
  readonly pending: PendingTable;
  /** This thread's seat: its index and the generation it holds it under (src/handle.ts). */
  readonly id: number;
  readonly generation: number;
  /** Fails every command in flight and every later call with `error` (the seat was taken). */
  evict(error: Error): void;
  /** Pushes every staged frame to its ring and wakes the shards that sleep. Returns bytes left. */
  pushStaged(): number;
  /** Whether a shard died or the database closed since the client last looked. */
  healthChanged(): boolean;
  /** Fails the commands a dead shard or a closed database will never answer. */
  checkHealth(): void;
}

const now = (): number => performance.now();

/** While spinning, the clock is read once every this many empty polls (a power of two). */
const CLOCK_EVERY_POLLS_MASK = 15;

/** A blocking caller shows it is alive (its heartbeat) once every this many sync calls. */
const SYNC_CALLS_PER_BEAT_MASK = 1023;

export class Waiting {
  private flushQueued = false;
  private waitArmed = false;
  private syncCalls = 0;

  constructor(
    private readonly source: ReplySource,
    private readonly inbox: Inbox,
    private readonly control: ControlBlock,
    /** Index of this client's doorbell word in control.words. */
    private readonly waitingWord: number,
    private readonly spinMs: number,
  ) {}

  // ---- async ----------------------------------------------------------------------------

  /** Makes sure the frames staged in this tick are pushed, and their replies read, after it. */
  queueFlush(): void {
    if (!this.flushQueued) {
      this.flushQueued = true;
      queueMicrotask(this.flushTask);
    }
  }

  private readonly flushTask = (): void => {
    this.flushQueued = false;
    this.source.pushStaged();
    this.pollWhileBusy();
  };

  /**
   * Polls while replies keep coming and for spinMicros after the last one; then, if commands are
   * still in flight, arms a doorbell wait so a shard can wake this thread.
   */
  private pollWhileBusy(): void {
    const source = this.source;
    const inbox = this.inbox;
    const pending = source.pending;
    let quietSince = -1;
    let backlog = 1;
    let idlePolls = 0;
    while (pending.count > 0) {
      if (backlog > 0) backlog = source.pushStaged();
      if (inbox.poll(source) > 0) {
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
    if (pending.count > 0) this.armWait();
  }

  private armWait(): void {
    if (this.waitArmed) return;
    this.waitArmed = true;
    const words = this.control.words;
    Atomics.store(words, this.waitingWord, 1);
    // Replies published before the word was raised did not notify; look once more.
    if (this.inbox.anyReadable() || this.source.healthChanged()) {
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
    this.source.checkHealth();
    this.pollWhileBusy();
  };

  // ---- sync -----------------------------------------------------------------------------

  /** Blocks until sync entry `index` replied; returns its reply or throws its error. */
  entry(index: number): unknown {
    const source = this.source;
    // A thread that only makes sync calls never runs its heartbeat timer: it beats here instead,
    // so its seat is not taken from it while it works (src/handle.ts).
    if ((++this.syncCalls & SYNC_CALLS_PER_BEAT_MASK) === 0) this.beat();
    const inbox = this.inbox;
    source.pushStaged();
    const pending = source.pending;
    let quietSince = now();
    let idlePolls = 0;
    while (!(pending.flags[index]! & PendingFlag.Done)) {
      // The tight part of the spin only polls: a reply is picked up a poll after it lands. The
      // clock, the health check and a backlog push come every few empty polls.
      if (inbox.poll(source) > 0) {
        idlePolls = 0;
        continue;
      }
      if ((++idlePolls & CLOCK_EVERY_POLLS_MASK) !== 0) continue;
      quietSince = this.syncStep(quietSince);
    }
    const value = pending.value[index];
    pending.release(index);
    if (value instanceof Error) throw value;
    return value;
  }

  /** Blocks until every part of a sync aggregate replied. */
  aggregate(aggregate: Aggregate): unknown {
    this.source.pushStaged();
    let quietSince = now();
    while (!aggregate.done) quietSince = this.syncStep(quietSince);
    if (aggregate.error !== undefined) throw aggregate.error;
    return aggregate.value;
  }

  /** One turn of a blocking wait: poll, and sleep on the doorbell once polling found nothing. */
  private syncStep(quietSince: number): number {
    const source = this.source;
    if (this.inbox.poll(source) > 0) return now();
    if (source.healthChanged()) {
      source.checkHealth();
      return quietSince;
    }
    if (source.pushStaged() > 0) return quietSince;
    if (now() - quietSince < this.spinMs) return quietSince;
    this.beat();
    const words = this.control.words;
    Atomics.store(words, this.waitingWord, 1);
    // A reply published before the word was raised did not notify; look before sleeping.
    if (!this.inbox.anyReadable()) Atomics.wait(words, this.waitingWord, 1, CLIENT_WAIT_MS_MAX);
    Atomics.store(words, this.waitingWord, 0);
    return quietSince;
  }

  /**
   * Bumps this thread's heartbeat; if its seat was reclaimed meanwhile (a stall longer than the
   * grace), fails what it waits for, so a blocking call ends instead of spinning on rings nobody
   * serves any more.
   */
  private beat(): void {
    const source = this.source;
    const words = this.control.words;
    const active = seatWord(source.generation, ClientState.Active);
    if (Atomics.load(words, this.control.clientWord(source.id, kClientState)) !== active) {
      source.evict(
        new HandleError('handle', 'is stale: its seat was reclaimed while this thread stalled'),
      );
      return;
    }
    Atomics.add(words, this.control.clientWord(source.id, kClientHeartbeat), 1);
  }
}
