// A shard worker: owns the keys of the slots the slot map gives it and serves every client
// thread's requests for them.
//
// The loop, in pseudocode:
//
//   forever:
//     if the control counter moved: drain the control port (attach, detach, stop)
//     for each client link: pop its request bytes, execute every complete frame, push the replies
//     if active expiry is due: reclaim expired keys, bounded in count and time
//     if nothing was done for shardSpinMicros: announce parked, look once more, Atomics.wait
//
// A client that pushes requests wakes the shard only if the shard announced it parked, so a busy
// shard costs its clients no system call. Replies are pushed in bulk; a client waiting on its
// doorbell is notified after the push.

import { receiveMessageOnPort, workerData } from 'node:worker_threads';
import { NO_SLOT, REP_HEADER_BYTES, REQ_ARGC, REQ_HEADER_BYTES, REQ_ID, REQ_OP, REQ_SLOT, beginReply, endFrame } from '../src/shared/codec.js';
import { commandByOp } from '../src/shared/commands.js';
import { ControlBlock, PARKED_WITH_BACKLOG, ShardStat, ShardState, kShardControl, kShardParked } from '../src/shared/control-block.js';
import type { ShardInit, ToShard } from '../src/shared/control-messages.js';
import {
  ARGS_MAX,
  EXPIRE_CYCLE_BACKLOG_INTERVAL_MS,
  EXPIRE_CYCLE_BUDGET_MS,
  EXPIRE_CYCLE_INTERVAL_MS,
  EXPIRE_CYCLE_KEYS_MAX,
  REPLY_FLUSH_BYTES,
  REPLY_STAGED_BYTES_MAX,
  SHARD_PARK_MS_MAX,
} from '../src/shared/limits.js';
import { FrameReader, FrameWriter } from '../src/shared/ring.js';
import { Call } from './call.js';
import { HANDLERS } from './commands/index.js';
import { Keyspace } from './keyspace.js';

/** Frames a shard executes for one client before it turns to the next, for fairness. */
const FRAMES_PER_TURN_MAX = 1024;

/** Expiry deletes run in chunks of this many keys between clock checks. */
const EXPIRE_CHUNK_KEYS = 64;

/** A parked shard with replies it could not push (ring full) looks again at least this soon. */
const BACKLOG_PARK_MS = 10;

/** Names of opcodes, for error texts (lower-case, as Redis prints them). */
const NAMES: string[] = HANDLERS.map((handler, op) => (handler === undefined ? '' : commandByOp(op).name));

interface ClientLink {
  readonly client: number;
  readonly requests: FrameReader;
  readonly replies: FrameWriter;
}

class Shard {
  private readonly id: number;
  private readonly control: ControlBlock;
  private readonly port: ShardInit['port'];
  private readonly keyspace = new Keyspace();
  private readonly call: Call;
  private readonly links: ClientLink[] = [];
  private readonly spinMs: number;
  private readonly parkedWord: number;
  private readonly controlWord: number;
  private seenControl = 0;
  private running = true;
  private ops = 0;
  private nextExpiryAt = 0;

  constructor(init: ShardInit) {
    this.id = init.shard;
    this.control = new ControlBlock(init.control);
    this.port = init.port;
    this.spinMs = init.shardSpinMicros / 1000;
    this.call = new Call(this.keyspace, this.id, this.control.owner);
    this.parkedWord = this.control.shardWord(this.id, kShardParked);
    this.controlWord = this.control.shardWord(this.id, kShardControl);
  }

  run(): void {
    this.control.setShardState(this.id, ShardState.Running);
    this.port.postMessage({ type: 'ready' });
    let idleSince = -1;
    while (this.running) {
      if (Atomics.load(this.control.words, this.controlWord) !== this.seenControl) {
        this.drainControl();
        continue;
      }
      const now = Date.now();
      this.keyspace.now = now;
      let work = 0;
      for (let i = 0; i < this.links.length; i++) work += this.serve(this.links[i]!);
      if (now >= this.nextExpiryAt) this.activeExpiry(now);
      if (work > 0) {
        this.ops += work;
        this.publishStats();
        idleSince = -1;
        continue;
      }
      const t = performance.now();
      if (idleSince < 0) idleSince = t;
      else if (t - idleSince >= this.spinMs) {
        this.park(now);
        idleSince = -1;
      }
    }
    this.control.setShardState(this.id, ShardState.Stopped);
    this.port.close();
  }

  // ---- requests -------------------------------------------------------------------------

  /** Executes what one client sent, up to FRAMES_PER_TURN_MAX frames. Returns frames executed. */
  private serve(link: ClientLink): number {
    const replies = link.replies;
    if (replies.staged > 0) {
      const before = replies.staged;
      if (replies.flush() < before) this.control.wakeClient(link.client);
      if (replies.staged >= REPLY_STAGED_BYTES_MAX) return 0;
    }
    const requests = link.requests;
    const popped = requests.fill();
    if (popped === 0 && requests.start === requests.end) return 0;
    // A client that waits for ring space (a frame larger than the ring) learns that there is some.
    if (popped > 0) this.control.wakeClient(link.client);
    let frames = 0;
    for (let at = requests.next(); at >= 0; at = requests.next()) {
      this.execute(requests, at, replies);
      requests.advance(at);
      frames++;
      if (replies.staged >= REPLY_FLUSH_BYTES) {
        replies.flush();
        this.control.wakeClient(link.client);
        if (replies.staged >= REPLY_STAGED_BYTES_MAX) break;
      }
      if (frames >= FRAMES_PER_TURN_MAX) break;
    }
    if (frames > 0) {
      replies.flush();
      this.control.wakeClient(link.client);
    }
    return frames;
  }

  private execute(requests: FrameReader, at: number, replies: FrameWriter): void {
    const view = requests.view;
    const length = view.getUint32(at, true);
    const slot = view.getUint16(at + REQ_SLOT, true);
    const op = view.getUint8(at + REQ_OP);
    const argc = view.getUint32(at + REQ_ARGC, true);
    const call = this.call;
    if (argc > ARGS_MAX) throw new Error(`slotdb: corrupt frame: ${argc} arguments`);
    let p = at + REQ_HEADER_BYTES;
    for (let i = 0; i < argc; i++) {
      const bytes = view.getUint32(p, true);
      call.argStart[i] = p + 4;
      p += 4 + bytes;
      call.argEnd[i] = p;
    }
    if (p !== at + length) throw new Error(`slotdb: corrupt frame: arguments end at ${p - at}, frame at ${length}`);
    call.buf = requests.buf;
    call.argc = argc;
    call.slot = slot;
    call.name = NAMES[op] ?? '';
    call.out = replies;
    const start = beginReply(replies, view.getUint32(at + REQ_ID, true));
    const handler = HANDLERS[op];
    if (handler === undefined) {
      call.error(`ERR slotdb: shard ${this.id} has no handler for opcode ${op}`);
    } else if (slot !== NO_SLOT && this.control.owner[slot] !== this.id) {
      call.error(`ERR slotdb: slot ${slot} is served by shard ${this.control.owner[slot]}, not shard ${this.id}`);
    } else {
      try {
        handler(call);
      } catch (error) {
        // A handler bug must not take the shard down with every other client's data: the caller
        // gets the error, the shard goes on.
        replies.rollback(start + REP_HEADER_BYTES);
        call.error(`ERR slotdb internal error in '${call.name}': ${(error as Error).message}`);
      }
    }
    endFrame(replies, start);
  }

  // ---- housekeeping ---------------------------------------------------------------------

  /** Deletes expired keys in deadline order, for at most EXPIRE_CYCLE_BUDGET_MS. */
  private activeExpiry(now: number): void {
    const deadline = performance.now() + EXPIRE_CYCLE_BUDGET_MS;
    let deleted = 0;
    let more = false;
    while (deleted < EXPIRE_CYCLE_KEYS_MAX) {
      const chunk = this.keyspace.expireDue(EXPIRE_CHUNK_KEYS);
      deleted += chunk;
      if (chunk < EXPIRE_CHUNK_KEYS) break;
      if (performance.now() >= deadline) {
        more = true;
        break;
      }
    }
    if (deleted >= EXPIRE_CYCLE_KEYS_MAX) more = true;
    this.nextExpiryAt = now + (more ? EXPIRE_CYCLE_BACKLOG_INTERVAL_MS : EXPIRE_CYCLE_INTERVAL_MS);
    if (deleted > 0) this.publishStats();
  }

  private publishStats(): void {
    const stats = this.control.stats;
    const keyspace = this.keyspace;
    stats[this.control.statIndex(this.id, ShardStat.Keys)] = keyspace.keyCount;
    stats[this.control.statIndex(this.id, ShardStat.Ops)] = this.ops;
    stats[this.control.statIndex(this.id, ShardStat.ExpiredKeys)] = keyspace.expiredCount;
    stats[this.control.statIndex(this.id, ShardStat.Slots)] = keyspace.tableCount;
  }

  /**
   * Sleeps until a client pushes, a control message arrives, or the next timer is due. The parked
   * flag is raised before the last look at the rings: a client that pushed before it could see the
   * flag is caught by that look, one that pushed after sees the flag and notifies.
   */
  private park(now: number): void {
    const words = this.control.words;
    Atomics.store(words, this.parkedWord, 1);
    let backlog = false;
    for (const link of this.links) {
      if (link.requests.readable()) {
        Atomics.store(words, this.parkedWord, 0);
        return;
      }
      if (link.replies.staged > 0) backlog = true;
    }
    if (Atomics.load(words, this.controlWord) !== this.seenControl) {
      Atomics.store(words, this.parkedWord, 0);
      return;
    }
    // With replies waiting for ring space, ask clients to wake the shard when they read some.
    if (backlog) Atomics.store(words, this.parkedWord, PARKED_WITH_BACKLOG);
    const parkedAs = backlog ? PARKED_WITH_BACKLOG : 1;
    const timerMs = Math.max(0, this.nextExpiryAt - now);
    Atomics.wait(words, this.parkedWord, parkedAs, Math.min(timerMs, backlog ? BACKLOG_PARK_MS : SHARD_PARK_MS_MAX));
    Atomics.store(words, this.parkedWord, 0);
  }

  private drainControl(): void {
    this.seenControl = Atomics.load(this.control.words, this.controlWord);
    for (let received = receiveMessageOnPort(this.port); received !== undefined; received = receiveMessageOnPort(this.port)) {
      this.onControl(received.message as ToShard);
    }
  }

  private onControl(message: ToShard): void {
    switch (message.type) {
      case 'attach':
        this.links.push({
          client: message.client,
          requests: new FrameReader(message.requests, REQ_HEADER_BYTES),
          replies: new FrameWriter(message.replies),
        });
        this.port.postMessage({ type: 'attached', client: message.client });
        break;
      case 'detach': {
        const index = this.links.findIndex((link) => link.client === message.client);
        if (index >= 0) this.links.splice(index, 1);
        this.port.postMessage({ type: 'detached', client: message.client });
        break;
      }
      case 'stop':
        this.running = false;
        break;
    }
  }
}

const init = workerData as ShardInit;
const shard = new Shard(init);
try {
  shard.run();
} catch (error) {
  // Mark the shard dead in shared memory before the worker ends, so that a client blocked in a
  // sync call (whose thread cannot see the worker's exit event) stops waiting for it.
  const control = new ControlBlock(init.control);
  control.setShardState(init.shard, ShardState.Dead, 1);
  control.wakeAllClients();
  throw error;
}
