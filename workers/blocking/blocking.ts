// Blocking commands on a shard: parking the requests that find no data, waking them when a key
// they wait on gets a list, timing them out, and moving them with their slot. docs/types/blocking.md
// has the design and its reasons; in short:
//
//   a handler finds no data       → it asks to park (signal.ts); right after it, the execution
//                                   hands the request here (afterHandler): a copy of its frame
//   a key waited on gets a list   → the keyspace's store hook marks the key ready; right after
//   (a push, LMOVE, COPY, a batch)  the command (or at the loop's step, after a batch) each waiter
//                                   on it re-runs, oldest first, served from that key alone, until
//                                   the list is gone (serveReady)
//   a deadline passes             → step() answers null: timeouts run here, so nothing is popped
//                                   for a caller that gave up
//   the caller closed or left     → the request is dropped before it could pop anything
//   its slot starts moving away,  → the slot's requests go to the other shard with the time they
//   or back after a cancel          have left (handOff)
//
// While no request is blocked none of this runs: the keyspace hook is unset, the execution's one
// test of signal.flags fails, and nextAt is Infinity.

import {
  REQ_CLIENT,
  REQ_ID,
  REQ_OP,
  REQ_SEAT_GENERATION,
  readU16,
  readU32,
} from '../../src/shared/codec.js';
import type { FrameWriter } from '../../src/shared/ring.js';
import { ValueKind } from '../../src/shared/value-types.js';
import type { Call } from '../commands/call.js';
import type { StoredValue } from '../keyspace/value.js';
import { withArgument } from './frames.js';
import { type BlockingHost, callerAlive, replyNil, shardAlive } from './host.js';
import { putBlockedNotice } from './notices.js';
import { BlockingRegistry } from './registry.js';
import { type BlockedRequest, MOVE_OPS } from './request.js';
import { blockingSignal, SignalFlag } from './signal.js';
import { FOREVER, timeoutLeft } from './timeout.js';

/** How often the requests of callers that closed are swept out when nothing else removes them. */
const SWEEP_INTERVAL_MS = 1000;

export class Blocking {
  readonly registry = new BlockingRegistry();
  /** When the loop must call step() (Unix ms): 0 for now, Infinity while nothing is blocked. */
  nextAt = Infinity;
  /** Keys that got a list since the last serve, in that order, each once. */
  private readonly readyKeys: string[] = [];
  private readonly readySet = new Set<string>();
  /** Replies were staged for clients outside their turn: step() pushes them. */
  private dirty = false;
  private sweepAt = Infinity;
  /** serveReady() runs: a nested call leaves the new ready keys to it. */
  private serving = false;
  /** The request being re-run asked to park again: it found no list, it stays where it is. */
  private stillBlocked = false;

  constructor(private readonly shard: BlockingHost) {}

  /** The keyspace's store hook while requests are blocked: a key waited on got a list. */
  private readonly onStored = (_slot: number, key: string, value: StoredValue): void => {
    if (typeof value !== 'string' && value.kind === ValueKind.List) this.markReady(key);
  };

  /** Marks `key` ready if requests wait on it: they are served after the command at hand. */
  markReady(key: string): void {
    if (this.registry.waitingOn(key) === undefined || this.readySet.has(key)) return;
    this.readySet.add(key);
    this.readyKeys.push(key);
    blockingSignal.flags |= SignalFlag.Ready;
    this.nextAt = 0;
  }

  // ---- parking ----------------------------------------------------------------------------

  /**
   * Right after a handler, when signal.flags is set: parks the request if its handler asked to
   * (its reply frame, begun at `start`, is dropped) and returns true; false otherwise.
   */
  afterHandler(call: Call, buf: Buffer, at: number, replies: FrameWriter, start: number): boolean {
    if (!(blockingSignal.flags & SignalFlag.Park)) return false;
    blockingSignal.flags &= ~SignalFlag.Park;
    replies.rollback(start);
    if (blockingSignal.readyKey !== undefined) this.stillBlocked = true;
    else this.park(call, buf, at);
    return true;
  }

  /** Parks the request frame at `at` (the call still points at its arguments). */
  private park(call: Call, buf: Buffer, at: number): void {
    const signal = blockingSignal;
    const length = readU32(buf, at);
    const frame = Buffer.allocUnsafe(length);
    buf.copy(frame, 0, at, at + length);
    const keys = new Set<string>();
    for (let i = 0; i < signal.keysCount; i++) keys.add(call.arg(signal.keysFirst + i));
    const slot = call.slot;
    // Forwarded by the source of a slot this shard imports: that shard learns when the request
    // blocks here and when it leaves (notices.ts), to answer it if this shard dies meanwhile.
    const shard = this.shard;
    const incoming = shard.migrations.incoming[slot];
    const imported = incoming !== undefined && shard.control.owner[slot] !== shard.id;
    this.add({
      frame,
      client: readU16(buf, at + REQ_CLIENT),
      generation: readU16(buf, at + REQ_SEAT_GENERATION),
      id: readU32(buf, at + REQ_ID),
      slot,
      keys: [...keys],
      destination: MOVE_OPS[buf[at + REQ_OP]!] === 1 ? call.arg(1) : undefined,
      timeoutArg: signal.timeoutArg,
      deadline: signal.timeoutMs === FOREVER ? Infinity : Date.now() + signal.timeoutMs,
      sequence: this.registry.nextSequence(),
      origin: imported ? incoming.peer : -1,
      migration: imported ? incoming.migration : 0,
      done: false,
    });
  }

  private add(request: BlockedRequest): void {
    if (this.registry.count === 0) {
      this.shard.keyspace.stored = this.onStored;
      this.sweepAt = Date.now() + SWEEP_INTERVAL_MS;
    }
    this.registry.add(request);
    this.schedule();
    if (request.origin >= 0) this.notify(request, true);
  }

  /** `request` leaves: served, timed out, dropped or moved. */
  private leave(request: BlockedRequest): void {
    this.registry.remove(request);
    if (request.origin >= 0) this.notify(request, false);
    if (this.registry.count === 0) {
      this.shard.keyspace.stored = undefined;
      this.sweepAt = Infinity;
    }
  }

  // ---- waking -----------------------------------------------------------------------------

  /**
   * Serves the waiters of every ready key, oldest first, as Redis does after each command; keys
   * a served BLMOVE makes ready are served in the same pass.
   */
  serveReady(): void {
    blockingSignal.flags &= ~SignalFlag.Ready;
    if (this.serving) return;
    this.serving = true;
    try {
      for (let i = 0; i < this.readyKeys.length; i++) {
        const key = this.readyKeys[i]!;
        this.readySet.delete(key);
        this.serveKey(key);
      }
    } finally {
      this.readyKeys.length = 0;
      this.readySet.clear();
      blockingSignal.flags &= ~SignalFlag.Ready;
      this.serving = false;
    }
    this.dirty = true;
    this.schedule();
  }

  /** Serves the requests waiting on `key` in order while it holds a list. */
  private serveKey(key: string): void {
    const queue = this.registry.waitingOn(key);
    if (queue === undefined) return;
    const slot = queue[0]!.slot;
    let i = 0;
    while (i < queue.length && this.holdsList(slot, key)) {
      const request = queue[i]!;
      if (!this.alive(request)) {
        this.leave(request);
        continue;
      }
      // Its slot is coming back from a cancelled move and a key it writes is not here yet: the
      // key is served again when the move ends (slotSettled), still in this order.
      if (!this.mayServe(request, key)) return;
      if (this.run(request, key)) this.leave(request);
      else i++;
    }
  }

  private holdsList(slot: number, key: string): boolean {
    const value = this.shard.keyspace.get(slot, key);
    return value !== undefined && typeof value !== 'string' && value.kind === ValueKind.List;
  }

  private mayServe(request: BlockedRequest, key: string): boolean {
    const outgoing = this.shard.migrations.outgoing[request.slot];
    if (outgoing === undefined) return true;
    const destination = request.destination;
    return outgoing.mayServe(destination === undefined ? [key] : [key, destination]);
  }

  /** Re-runs `request` served from `key`; false when it found no list and stays blocked. */
  private run(request: BlockedRequest, key: string): boolean {
    blockingSignal.readyKey = key;
    this.stillBlocked = false;
    const execution = this.shard.execution;
    execution.mark = 0;
    try {
      execution.executeWith(request.frame, 0, undefined);
    } finally {
      blockingSignal.readyKey = undefined;
    }
    return !this.stillBlocked;
  }

  /** A move of `slot` ended here: its waiters' keys are looked at again (see serveKey). */
  slotSettled(slot: number): void {
    for (const request of this.registry.inSlot(slot)) {
      for (const key of request.keys) this.markReady(key);
    }
  }

  // ---- time -------------------------------------------------------------------------------

  /** The loop's turn: timeouts, the sweep, and the replies staged outside their clients' turns. */
  step(now: number): number {
    if (blockingSignal.flags & SignalFlag.Ready) this.serveReady();
    let work = 0;
    for (let request = this.registry.takeDue(now); request; request = this.registry.takeDue(now)) {
      if (this.alive(request)) this.answerNil(request);
      this.leave(request);
      work++;
    }
    if (now >= this.sweepAt) this.sweep(now);
    if (this.dirty) {
      this.dirty = false;
      this.shard.clients.flushDirty();
      work++;
    }
    this.schedule();
    return work;
  }

  /** Drops the requests of callers that closed or left, which no push reached meanwhile. */
  private sweep(now: number): void {
    for (const request of [...this.registry.requests]) {
      if (!this.alive(request)) this.leave(request);
    }
    if (this.registry.count > 0) this.sweepAt = now + SWEEP_INTERVAL_MS;
  }

  /** Sets nextAt: now when ready keys or staged replies wait, else the soonest timer. */
  private schedule(): void {
    if (this.dirty || this.readyKeys.length > 0) this.nextAt = 0;
    else if (this.registry.count === 0) this.nextAt = Infinity;
    else this.nextAt = Math.min(this.registry.soonestDeadline(), this.sweepAt);
  }

  private answerNil(request: BlockedRequest): void {
    replyNil(this.shard, request);
    this.dirty = true;
  }

  /** Whether `request`'s caller still waits for it. */
  alive(request: BlockedRequest): boolean {
    return callerAlive(this.shard, request);
  }

  // ---- moving -----------------------------------------------------------------------------

  /**
   * Sends every request blocked on keys of `slot` to another shard with the time it has left, in
   * the order they blocked: the slot starts moving away (`send` forwards to its target), or goes
   * back to its source after a cancel. A request whose time is up is answered here.
   */
  handOff(slot: number, send: (frame: Buffer, request: BlockedRequest) => void): void {
    const now = Date.now();
    for (const request of this.registry.inSlot(slot)) {
      const alive = this.alive(request);
      const expired = request.deadline <= now;
      if (alive && expired) this.answerNil(request);
      this.leave(request);
      if (!alive || expired) continue;
      const frame = withArgument(
        request.frame,
        request.timeoutArg,
        timeoutLeft(request.deadline, now),
      );
      send(frame, request);
    }
    this.schedule();
  }

  /** Tells the shard that forwarded `request` that it blocked here (`parked`), or left. */
  private notify(request: BlockedRequest, parked: boolean): void {
    const { peers, control } = this.shard;
    const origin = request.origin;
    if (peers.byId[origin] === undefined || !shardAlive(control, origin)) return;
    const writer = peers.writer(origin);
    putBlockedNotice(writer, request, parked);
    // The source must see a request blocked here before it sees it executed (the forwards-done
    // counter, bumped after this turn's forwards): pushed now, not at the end of the turn.
    if (parked) {
      this.shard.beforeOutput();
      writer.flush();
    } else peers.flushPeer(origin);
  }
}
