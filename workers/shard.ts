// A shard worker: holds the keys of the slots the slot map gives it, serves every client thread's
// requests for them, and moves slots to and from other shards.
//
// The loop, in pseudocode:
//
//   forever:
//     if the control counter moved: drain the control port (attach, link, migrate, stop, ...)
//     for each peer shard: read its ring (batches, acks, forwarded requests, notices)
//     for each client link: pop its request bytes, route every complete frame, push the replies
//     for each migration: send a batch if its window has room; flip when the slot is empty
//     if active expiry is due: reclaim expired keys, bounded in count and time
//     if nothing was done for shardSpinMicros: announce parked, look once more, Atomics.wait
//
// Routing a request frame for slot S:
//   no slot (DBSIZE, FLUSHALL, KEYS)            → execute here
//   S is ours, not migrating                    → execute here
//   S is ours, migrating away                   → the migration decides (migration/source.ts)
//   S is being imported here and A forwarded it → execute here (migration/target.ts)
//   otherwise (a straggler)                     → forward to S's owner (or to whom we gave S)
//
// A client that pushes requests wakes the shard only if the shard announced it parked, so a busy
// shard costs its clients no system call. Replies are pushed in bulk; a client waiting on its
// doorbell is notified after the push.

import { receiveMessageOnPort, workerData } from 'node:worker_threads';
import { NO_SLOT, REP_HEADER_BYTES, REP_META, REQ_FLAGS, RequestFlag, ValueType, putLine, readU16, readU32, REQ_ARGC, REQ_CLIENT, REQ_HEADER_BYTES, REQ_ID, REQ_OP, REQ_SLOT, beginReply, endFrame } from '../src/shared/codec.js';
import { Flag, OP_FLAGS, commandByOp } from '../src/commands/table.js';
import { ControlBlock, PARKED_WITH_BACKLOG, ShardStat, ShardState, kShardControl, kShardParked } from '../src/shared/control-block.js';
import { type MigrationOutcome, type MigrationPlan, type Reply, type ShardEvent, type ShardFaults, type ShardInit, type ToShard, emptyMigrationReport } from '../src/shared/control-messages.js';
import {
  ARGS_MAX,
  EXPIRE_CYCLE_BACKLOG_INTERVAL_MS,
  EXPIRE_CYCLE_BUDGET_MS,
  EXPIRE_CYCLE_INTERVAL_MS,
  EXPIRE_CYCLE_KEYS_MAX,
  REPLY_FLUSH_BYTES,
  REPLY_STAGED_BYTES_MAX,
  SHARD_PARK_MS_MAX,
  SLOT_COUNT,
} from '../src/shared/limits.js';
import { ACK_APPLY_MS, ACK_BATCH, ACK_OK, ACK_RECEIVED, BATCH_BATCH, FORWARD_HEADER_BYTES, PEER_FRAME_MIN, PEER_KIND, PEER_MIGRATION, PEER_SLOT, PeerFrame } from '../src/shared/peer-frames.js';
import { FrameReader, FrameWriter } from '../src/shared/ring.js';
import { Call } from './call.js';
import { HANDLERS } from './commands/index.js';
import { Keyspace } from './keyspace.js';
import { ShardProfiler } from './profiler.js';
import {
  RTIMING_BYTES,
  RTIMING_EXECUTED,
  RTIMING_PUSHED,
  RTIMING_REPLIED,
  RTIMING_REPLY_BACKLOG,
  ReplyMeta,
  TIMING_BYTES,
  TIMING_FORWARDED,
  TIMING_PICKED_UP,
  absoluteNow,
} from '../src/shared/profile-layout.js';
import { putAck, readImportLimits } from './migration/batch.js';
import { KeyBudget } from './migration/budget.js';
import { OutgoingMigration } from './migration/source.js';
import { IncomingMigration, ReturnMigration } from './migration/target.js';
import type { ShardContext } from './shard-context.js';

/** Frames a shard executes for one client (or peer) before it turns to the next, for fairness. */
const FRAMES_PER_TURN_MAX = 1024;

/** Expiry deletes run in chunks of this many keys between clock checks. */
const EXPIRE_CHUNK_KEYS = 64;

/** A parked shard with replies it could not push (ring full) looks again at least this soon. */
const BACKLOG_PARK_MS = 10;

/** What starting and flipping one slot costs a throttled order, in keys of its budget. */
const SLOT_COST_KEYS = 32;

/** A throttled migration order waiting for its budget is looked at again at least this soon. */
const THROTTLE_PARK_MS_MAX = 5;

/** Names of opcodes, for error texts (lower-case, as Redis prints them). */
const NAMES: string[] = HANDLERS.map((handler, op) => (handler === undefined ? '' : commandByOp(op).name));

interface ClientLink {
  readonly client: number;
  readonly requests: FrameReader;
  readonly replies: FrameWriter;
  /** Replies were staged for this client outside its own turn (for a forwarded request). */
  dirty: boolean;
  /** The last push of replies left bytes staged: the reply ring is full. */
  backlogged: boolean;
  /** While a profile runs: when the ring became full (absolute ms), 0 if it was full before. */
  backlogSince: number;
}

interface PeerLink {
  readonly peer: number;
  readonly out: FrameWriter;
  readonly in: FrameReader;
}

type Migration = OutgoingMigration | IncomingMigration | ReturnMigration;

class Shard implements ShardContext {
  readonly id: number;
  readonly control: ControlBlock;
  readonly keyspace = new Keyspace();
  faults: ShardFaults = {};
  /** Set while a profile runs. */
  profiler: ShardProfiler | undefined;
  /** The slot map's owner column (shared memory). */
  private readonly owner: Uint16Array;
  private readonly port: ShardInit['port'];
  private readonly call: Call;
  private readonly clients: ClientLink[] = [];
  private readonly clientsById: (ClientLink | undefined)[] = [];
  private readonly peers: PeerLink[] = [];
  private readonly peersById: (PeerLink | undefined)[] = [];
  private readonly migrations = new Map<number, Migration>();
  /** Source migrations by slot: the request-routing fast path looks here. */
  private readonly outgoing: (OutgoingMigration | undefined)[] = new Array(SLOT_COUNT).fill(undefined);
  private readonly incoming: (IncomingMigration | undefined)[] = new Array(SLOT_COUNT).fill(undefined);
  /** Where each slot this shard gave away went, for stragglers when the owner is not a peer. */
  private readonly handedTo: (number | undefined)[] = new Array(SLOT_COUNT).fill(undefined);
  /** Peers with frames staged this turn (see flushPeer). */
  private readonly peerDirty: boolean[] = [];
  private dirtyPeers = false;
  /** FORWARD frames sent to each peer (their sequence numbers on that ring). */
  private readonly forwardsSent: number[] = [];
  private readonly spinMs: number;
  private readonly parkedWord: number;
  private readonly controlWord: number;
  private seenControl = 0;
  private running = true;
  private ops = 0;
  private redirected = 0;
  /** Time spent parked, and since the loop started (ms): the rest is time spent working or spinning. */
  private parkedMs = 0;
  private startedAt = performance.now();
  private nextExpiryAt = 0;
  private now = Date.now();
  /** performance.now() of this loop turn: migration timings need better than Date.now()'s 1 ms. */
  private clock = performance.now();
  /**
   * While a profile runs: when this shard began the request at hand (absolute ms). In a run of
   * requests that is when the one before it replied, so a profiled request costs one clock read;
   * 0 after other work (a batch, a migration step), and the next request reads the clock.
   */
  private mark = 0;
  private lastBuf: Buffer | undefined;
  private lastView: DataView<ArrayBufferLike> = new DataView(new ArrayBuffer(0));

  constructor(init: ShardInit) {
    this.id = init.shard;
    this.control = new ControlBlock(init.control);
    this.owner = this.control.owner;
    this.port = init.port;
    this.spinMs = init.shardSpinMicros / 1000;
    this.call = new Call(this.keyspace, this.id, this.control.owner);
    this.parkedWord = this.control.shardWord(this.id, kShardParked);
    this.controlWord = this.control.shardWord(this.id, kShardControl);
  }

  run(): void {
    this.control.setShardState(this.id, ShardState.Running);
    this.post({ type: 'ready' });
    this.flushOutbox();
    let idleSince = -1;
    while (this.running) {
      this.mark = 0;
      if (Atomics.load(this.control.words, this.controlWord) !== this.seenControl) {
        this.drainControl();
        continue;
      }
      const now = Date.now();
      this.now = now;
      this.keyspace.now = now;
      this.clock = performance.now();
      let work = 0;
      for (let i = 0; i < this.peers.length; i++) work += this.servePeer(this.peers[i]!);
      for (let i = 0; i < this.clients.length; i++) work += this.serveClient(this.clients[i]!);
      this.mark = 0;
      if (this.migrations.size > 0 || this.orders.length > 0) work += this.stepMigrations(this.clock);
      if (now >= this.nextExpiryAt) this.activeExpiry(now);
      if (this.dirtyPeers) this.flushDirtyPeers();
      if (this.outbox.length > 0) this.flushOutbox();
      if (work > 0) {
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

  // ---- client requests ------------------------------------------------------------------

  /** Routes what one client sent, up to FRAMES_PER_TURN_MAX frames. Returns frames handled. */
  private serveClient(link: ClientLink): number {
    const replies = link.replies;
    if (replies.staged > 0) {
      const before = replies.staged;
      if (replies.flush() < before) this.control.wakeClient(link.client);
      this.setBacklogged(link, replies.staged > 0);
      if (replies.staged >= REPLY_STAGED_BYTES_MAX) return 0;
    }
    const requests = link.requests;
    const popped = requests.fill();
    if (popped === 0 && requests.start === requests.end) return 0;
    // A client that waits for ring space (a frame larger than the ring) learns that there is some.
    if (popped > 0) this.control.wakeClient(link.client);
    let frames = 0;
    this.mark = 0;
    for (let at = requests.next(); at >= 0; at = requests.next()) {
      this.route(requests.buf, requests.view, at, -1);
      requests.advance(at);
      frames++;
      this.ops++;
      if (replies.staged >= REPLY_FLUSH_BYTES) {
        // Counters first: a client that saw a reply also sees its effect in db.stats().
        this.publishStats();
        replies.flush();
        this.control.wakeClient(link.client);
        this.mark = 0;
        if (replies.staged >= REPLY_STAGED_BYTES_MAX) break;
      }
      if (frames >= FRAMES_PER_TURN_MAX) break;
    }
    if (frames > 0) {
      this.publishStats();
      this.setBacklogged(link, replies.flush() > 0);
      link.dirty = false;
      this.control.wakeClient(link.client);
      this.profiler?.addOps(frames, absoluteNow());
    }
    return frames;
  }

  /** Notes whether a client's reply ring is full; a profile counts the time it stays full. */
  private setBacklogged(link: ClientLink, backlogged: boolean): void {
    if (backlogged === link.backlogged) return;
    link.backlogged = backlogged;
    if (this.profiler === undefined) return;
    const now = absoluteNow();
    if (backlogged) link.backlogSince = now;
    else if (link.backlogSince > 0) this.profiler.addReplyBacklog(now - link.backlogSince, now);
  }

  /** Where a request frame for its slot runs (see the table at the top of this file). */
  private route(buf: Buffer, view: DataView, at: number, fromPeer: number): void {
    // A profiled request: note when a shard first picked it up.
    if (
      buf[at + REQ_FLAGS]! & RequestFlag.Timed &&
      view.getUint32(at, true) >= REQ_HEADER_BYTES + TIMING_BYTES &&
      view.getFloat64(at + REQ_HEADER_BYTES + TIMING_PICKED_UP, true) === 0
    ) {
      view.setFloat64(at + REQ_HEADER_BYTES + TIMING_PICKED_UP, this.markNow(), true);
    }
    const slot = view.getUint16(at + REQ_SLOT, true);
    if (slot === NO_SLOT) {
      this.execute(buf, at);
      return;
    }
    const owner = this.owner[slot]!;
    if (owner === this.id) {
      if (this.migrations.size === 0) {
        this.executeWith(buf, at, undefined);
        return;
      }
      const outgoing = this.outgoing[slot];
      if (outgoing === undefined) {
        this.execute(buf, at);
      } else {
        outgoing.admit(buf, at, this.clock);
        this.mark = 0; // it may have been copied to wait, or forwarded
      }
      return;
    }
    const incoming = this.incoming[slot];
    if (incoming !== undefined && fromPeer === incoming.source) {
      this.execute(buf, at);
      return;
    }
    const next = this.peersById[owner] !== undefined ? owner : this.handedTo[slot];
    if (next === undefined || next === this.id) {
      this.executeError(buf, at, `ERR slotdb: shard ${this.id} cannot route slot ${slot} (owner ${owner})`);
      return;
    }
    this.forward(next, buf, at);
    this.mark = 0;
  }

  /** Executes a request frame here; the reply goes to the client named in the frame. */
  execute(buf: Buffer, at: number): void {
    this.executeWith(buf, at, undefined);
  }

  private executeError(buf: Buffer, at: number, text: string): void {
    this.executeWith(buf, at, text);
  }

  private executeWith(buf: Buffer, at: number, errorText: string | undefined): void {
    const length = readU32(buf, at);
    const client = readU16(buf, at + REQ_CLIENT);
    const link = this.clientsById[client];
    if (link === undefined) return; // the client detached; nobody waits for this reply
    const replies = link.replies;
    const start = beginReply(replies, readU32(buf, at + REQ_ID));
    const timed = (buf[at + REQ_FLAGS]! & RequestFlag.Timed) !== 0;
    const timing = timed ? this.beginReplyTiming(replies, start, buf, at) : -1;
    const valueStart = replies.tail;
    const call = this.call;
    call.out = replies;
    if (errorText !== undefined) {
      call.error(errorText);
    } else {
      const op = buf[at + REQ_OP]!;
      const argc = readU32(buf, at + REQ_ARGC);
      if (argc > ARGS_MAX) throw new Error(`slotdb: corrupt frame: ${argc} arguments`);
      let p = at + REQ_HEADER_BYTES + (timed ? TIMING_BYTES : 0);
      for (let i = 0; i < argc; i++) {
        const bytes = readU32(buf, p);
        call.argStart[i] = p + 4;
        p += 4 + bytes;
        call.argEnd[i] = p;
      }
      if (p !== at + length) throw new Error(`slotdb: corrupt frame: arguments end at ${p - at}, frame at ${length}`);
      call.buf = buf;
      call.argc = argc;
      call.slot = readU16(buf, at + REQ_SLOT);
      call.name = NAMES[op] ?? '';
      const handler = HANDLERS[op];
      if (handler === undefined) {
        call.error(`ERR slotdb: shard ${this.id} has no handler for opcode ${op}`);
      } else {
        try {
          handler(call);
        } catch (error) {
          // A handler bug must not take the shard down with every other client's data: the caller
          // gets the error, the shard goes on.
          replies.rollback(valueStart);
          call.error(`ERR slotdb internal error in '${call.name}': ${(error as Error).message}`);
        }
        if (OP_FLAGS[op]! & Flag.Flushes) this.afterFlush();
      }
    }
    if (timing >= 0) {
      this.mark = absoluteNow();
      replies.view.setFloat64(timing + RTIMING_REPLIED, this.mark, true);
    }
    endFrame(replies, start);
    link.dirty = true;
  }

  /** A DataView on a request frame's buffer: a ring's, kept; a parked frame's, made once. */
  private viewOf(buf: Buffer): DataView<ArrayBufferLike> {
    if (buf !== this.lastBuf) {
      this.lastBuf = buf;
      this.lastView = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    }
    return this.lastView;
  }

  /** When this shard began the request at hand (see `mark`). */
  private markNow(): number {
    if (this.mark === 0) this.mark = absoluteNow();
    return this.mark;
  }

  /**
   * Writes a profiled request's timing into its reply (after the header, before the value): what
   * the shards on its path noted, copied from the request, and when it executed. Returns where
   * the block starts.
   */
  private beginReplyTiming(replies: FrameWriter, start: number, buf: Buffer, at: number): number {
    replies.view.setUint32(start + REP_META, ReplyMeta.Timed, true);
    const block = replies.reserve(RTIMING_BYTES);
    const out = replies.view;
    const input = this.viewOf(buf);
    const timing = at + REQ_HEADER_BYTES;
    for (let i = 0; i < TIMING_BYTES; i += 4) out.setUint32(block + i, input.getUint32(timing + i, true), true);
    out.setFloat64(block + RTIMING_EXECUTED, this.markNow(), true);
    out.setFloat64(block + RTIMING_REPLIED, 0, true);
    out.setFloat64(block + RTIMING_PUSHED, 0, true);
    replies.stampOnPush(block + RTIMING_PUSHED, block + RTIMING_REPLY_BACKLOG);
    replies.tail = block + RTIMING_BYTES;
    return block;
  }

  /** Hands a request frame to another shard (FORWARD); returns its sequence number on that ring. */
  forward(peer: number, buf: Buffer, at: number): number {
    const length = readU32(buf, at);
    if (buf[at + REQ_FLAGS]! & RequestFlag.Timed) buf.writeDoubleLE(absoluteNow(), at + REQ_HEADER_BYTES + TIMING_FORWARDED);
    this.profiler?.addRedirection(absoluteNow());
    const writer = this.peerWriter(peer);
    const start = writer.beginFrame(FORWARD_HEADER_BYTES + length);
    writer.view.setUint32(start, FORWARD_HEADER_BYTES + length, true);
    writer.buf[start + PEER_KIND] = PeerFrame.Forward;
    buf.copy(writer.buf, start + FORWARD_HEADER_BYTES, at, at + length);
    writer.tail = start;
    writer.commit(start + FORWARD_HEADER_BYTES + length);
    this.redirected++;
    this.flushPeer(peer);
    return (this.forwardsSent[peer] = (this.forwardsSent[peer] ?? 0) + 1);
  }

  replyError(client: number, id: number, text: string): void {
    const link = this.clientsById[client];
    if (link === undefined) return;
    const start = beginReply(link.replies, id);
    putLine(link.replies, ValueType.Error, text);
    endFrame(link.replies, start);
    link.replies.flush();
    this.control.wakeClient(client);
  }

  /** Pushes replies staged for clients while serving peers, and wakes the clients. */
  private flushDirtyClients(): void {
    this.publishStats();
    for (const link of this.clients) {
      if (!link.dirty) continue;
      link.dirty = false;
      link.replies.flush();
      this.control.wakeClient(link.client);
    }
  }

  // ---- peers ----------------------------------------------------------------------------

  peerWriter(peer: number): FrameWriter {
    const link = this.peersById[peer];
    if (link === undefined) throw new Error(`slotdb: shard ${this.id} has no ring to shard ${peer}`);
    return link.out;
  }

  /**
   * Marks what was staged for a peer to go at the end of this loop turn. One push and at most one
   * wake per peer per turn: a shard moving many small slots stages several frames per turn for the
   * same peer, and a wake is a system call.
   */
  flushPeer(peer: number): void {
    this.peerDirty[peer] = true;
    this.dirtyPeers = true;
  }

  private flushDirtyPeers(): void {
    this.dirtyPeers = false;
    for (const link of this.peers) {
      if (!this.peerDirty[link.peer]) continue;
      this.peerDirty[link.peer] = false;
      link.out.flush();
      this.control.wakeShard(link.peer);
    }
  }

  private servePeer(link: PeerLink): number {
    this.mark = 0;
    if (link.out.staged > 0) link.out.flush();
    const input = link.in;
    const popped = input.fill();
    if (popped === 0 && input.start === input.end) return 0;
    if (popped > 0) this.control.wakeShardWithBacklog(link.peer);
    let frames = 0;
    let forwards = 0;
    for (let at = input.next(); at >= 0; at = input.next()) {
      const forward = input.buf[at + PEER_KIND] === PeerFrame.Forward;
      if (forward) forwards++;
      else this.mark = 0;
      this.onPeerFrame(link.peer, input.buf, input.view, at);
      if (!forward) this.mark = 0;
      input.advance(at);
      if (++frames >= FRAMES_PER_TURN_MAX) break;
    }
    if (frames > 0) this.flushDirtyClients();
    // Only now are the replies of those forwards in the clients' rings: count them as done, so
    // that the peer knows which of its forwards it must answer itself if this shard dies.
    if (forwards > 0) Atomics.add(this.control.forwardsDone, this.control.forwardsIndex(link.peer, this.id), forwards);
    return frames;
  }

  private onPeerFrame(peer: number, buf: Buffer, view: DataView, at: number): void {
    const kind = buf[at + PEER_KIND]!;
    if (kind === PeerFrame.Forward) {
      this.ops++;
      this.route(buf, view, at + FORWARD_HEADER_BYTES, peer);
      return;
    }
    const slot = view.getUint16(at + PEER_SLOT, true);
    const id = view.getUint32(at + PEER_MIGRATION, true);
    const migration = this.migrations.get(id);
    switch (kind) {
      case PeerFrame.Batch: {
        // Replies to forwarded requests go out before a batch is applied, not after it.
        this.flushDirtyClients();
        const batch = view.getUint32(at + BATCH_BATCH, true);
        if (migration instanceof IncomingMigration) migration.onBatch(buf, view, at, batch);
        else if (migration instanceof OutgoingMigration) migration.onReturnBatch(buf, view, at, batch);
        else {
          putAck(this.peerWriter(peer), slot, id, batch, false);
          this.flushPeer(peer);
        }
        return;
      }
      case PeerFrame.Ack:
        if (migration instanceof OutgoingMigration || migration instanceof ReturnMigration) {
          migration.onAck(
            view.getUint32(at + ACK_BATCH, true),
            buf[at + ACK_OK] === 1,
            this.clock,
            view.getFloat64(at + ACK_RECEIVED, true),
            view.getFloat64(at + ACK_APPLY_MS, true),
          );
        }
        return;
      case PeerFrame.Flip:
        if (migration instanceof IncomingMigration) this.finished(id);
        return;
      case PeerFrame.Drop:
        if (migration instanceof IncomingMigration) migration.onDrop();
        return;
      case PeerFrame.Return:
        if (migration instanceof IncomingMigration) {
          this.incoming[slot] = undefined;
          this.migrations.set(id, new ReturnMigration(this, id, slot, peer, this.returnLimits.get(id)!));
        }
        return;
      case PeerFrame.Returned:
        if (migration instanceof OutgoingMigration) migration.onReturned(this.clock);
        return;
      case PeerFrame.Import: {
        const incoming = new IncomingMigration(this, id, slot, peer);
        this.migrations.set(id, incoming);
        this.incoming[slot] = incoming;
        this.returnLimits.set(id, readImportLimits(view, at));
        return;
      }
      default:
        throw new Error(`slotdb: shard ${this.id} got a peer frame of unknown kind ${kind} from shard ${peer}`);
    }
  }

  // ---- migrations -----------------------------------------------------------------------

  /** Events waiting for the end of the loop turn (see post). */
  private readonly outbox: ShardEvent[] = [];

  /** Orders to move slots away, each with its own bound on moves at once. */
  private readonly orders: {
    readonly plans: MigrationPlan[];
    readonly parallel: number;
    readonly running: Set<number>;
    next: number;
    readonly batchKeys: number;
    readonly budget: KeyBudget | undefined;
  }[] = [];

  /** Batch limits of migrations imported here, for sending the keys back after a cancel. */
  private readonly returnLimits = new Map<number, { batchKeys: number; batchBytes: number; window: number }>();

  private stepMigrations(now: number): number {
    let work = 0;
    if (this.orders.length > 0) this.startQueuedMigrations();
    for (const migration of this.migrations.values()) {
      if (migration instanceof IncomingMigration) continue;
      work += migration.step(now);
    }
    return work;
  }

  finished(id: number): void {
    const migration = this.migrations.get(id);
    if (migration === undefined) return;
    this.migrations.delete(id);
    this.returnLimits.delete(id);
    if (migration instanceof OutgoingMigration && this.outgoing[migration.slot] === migration) this.outgoing[migration.slot] = undefined;
    if (migration instanceof IncomingMigration && this.incoming[migration.slot] === migration) this.incoming[migration.slot] = undefined;
    if (migration instanceof OutgoingMigration) {
      for (const order of this.orders) order.running.delete(id);
      this.startQueuedMigrations();
    }
  }

  /** Starts queued slot moves while each order has fewer than `parallel` running. */
  private startQueuedMigrations(): void {
    for (const order of this.orders) {
      while (order.running.size < order.parallel && order.next < order.plans.length) {
        // A throttled order pays for each slot it starts, as for SLOT_COST_KEYS keys: starting and
        // flipping a slot costs about that much, and an order of many small slots must not escape
        // its budget by moving few keys per slot.
        if (order.budget !== undefined) {
          if (order.budget.allowance(this.clock) < SLOT_COST_KEYS) {
            order.budget.starved = true;
            break;
          }
          order.budget.take(SLOT_COST_KEYS);
        }
        const plan = order.plans[order.next++]!;
        const refusal = this.refuseMigration(plan);
        if (refusal !== undefined) {
          this.postEmptyEnd(plan, 'failed', refusal);
          continue;
        }
        order.running.add(plan.migration);
        const migration = new OutgoingMigration(this, plan, performance.now(), order.budget);
        this.migrations.set(plan.migration, migration);
        this.outgoing[plan.slot] = migration;
      }
    }
    while (this.orders.length > 0 && this.orders[0]!.next >= this.orders[0]!.plans.length && this.orders[0]!.running.size === 0) {
      this.orders.shift();
    }
  }

  private refuseMigration(plan: MigrationPlan): string | undefined {
    if (this.owner[plan.slot] !== this.id) return `shard ${this.id} does not own slot ${plan.slot}`;
    if (this.outgoing[plan.slot] !== undefined) return `slot ${plan.slot} is already migrating`;
    if (this.peersById[plan.target] === undefined) return `shard ${this.id} has no ring to shard ${plan.target}`;
    if (this.control.shardState(plan.target) !== ShardState.Running) return `shard ${plan.target} is not running`;
    return undefined;
  }

  /** Removes a move that has not started yet (cancelled or refused). */
  private dropQueuedMigration(migration: number, outcome: MigrationOutcome, reason: string): void {
    for (const order of this.orders) {
      const index = order.plans.findIndex((plan, i) => i >= order.next && plan.migration === migration);
      if (index < 0) continue;
      const [plan] = order.plans.splice(index, 1);
      this.postEmptyEnd(plan!, outcome, reason);
      return;
    }
  }

  private postEmptyEnd(plan: MigrationPlan, outcome: MigrationOutcome, reason: string): void {
    this.post({
      type: 'migration-end',
      migration: plan.migration,
      outcome,
      error: reason,
      report: emptyMigrationReport(plan.slot, this.id, plan.target, plan.lock),
    });
  }

  handedOver(slot: number, target: number): void {
    this.handedTo[slot] = target;
  }

  /** FLUSHALL dropped every key: migrations under way start over on empty tables. */
  private afterFlush(): void {
    for (const migration of this.migrations.values()) {
      if (migration instanceof OutgoingMigration) migration.onFlush(this.clock);
      else if (migration instanceof ReturnMigration) migration.onFlush();
    }
  }

  /**
   * Queues an event for the opening thread. Events go out together once per loop turn: one
   * postMessage costs more than moving a small slot, so a shard moving thousands of small slots
   * must not pay it per slot.
   */
  post(event: ShardEvent): void {
    this.outbox.push(event);
  }

  private flushOutbox(): void {
    if (this.outbox.length === 0) return;
    const events = this.outbox.splice(0);
    this.port.postMessage({ type: 'events', events });
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
    const control = this.control;
    stats[control.statIndex(this.id, ShardStat.Keys)] = keyspace.keyCount;
    stats[control.statIndex(this.id, ShardStat.Ops)] = this.ops;
    stats[control.statIndex(this.id, ShardStat.ExpiredKeys)] = keyspace.expiredCount;
    stats[control.statIndex(this.id, ShardStat.Slots)] = keyspace.tableCount;
    stats[control.statIndex(this.id, ShardStat.Redirected)] = this.redirected;
    stats[control.statIndex(this.id, ShardStat.ParkedMs)] = this.parkedMs;
    stats[control.statIndex(this.id, ShardStat.RunningMs)] = this.clock - this.startedAt;
  }

  /**
   * Sleeps until a client or peer pushes, a control message arrives, or the next timer is due.
   *
   * The parked word is raised, once and to its final value, before the last look at the rings: a
   * producer that pushed before it could see the word is caught by that look; one that pushed after
   * sees the word, resets it and notifies, and the wait below returns at once because the word no
   * longer holds the value it waits on. (Raising the word in two steps would let a producer's reset
   * be overwritten by the second step, and its wake-up be lost.)
   */
  private park(now: number): void {
    const words = this.control.words;
    let backlog = false;
    for (const link of this.clients) if (link.replies.staged > 0) backlog = true;
    for (const link of this.peers) if (link.out.staged > 0) backlog = true;
    // With bytes waiting for ring space, readers wake the shard when they make some.
    const parkedAs = backlog ? PARKED_WITH_BACKLOG : 1;
    Atomics.store(words, this.parkedWord, parkedAs);
    if (this.anyInput() || Atomics.load(words, this.controlWord) !== this.seenControl) {
      Atomics.store(words, this.parkedWord, 0);
      return;
    }
    let timeoutMs = Math.max(0, Math.min(this.nextExpiryAt - now, SHARD_PARK_MS_MAX));
    if (backlog) timeoutMs = Math.min(timeoutMs, BACKLOG_PARK_MS);
    // A throttled order waits for its budget, not for a peer: wake up when the next batch may go.
    for (const order of this.orders) {
      if (order.budget?.starved) {
        timeoutMs = Math.min(timeoutMs, order.budget.msUntil(Math.max(order.batchKeys, SLOT_COST_KEYS)), THROTTLE_PARK_MS_MAX);
      }
    }
    const parkedAt = performance.now();
    Atomics.wait(words, this.parkedWord, parkedAs, timeoutMs);
    const wokeAt = performance.now();
    this.parkedMs += wokeAt - parkedAt;
    this.profiler?.addParked(performance.timeOrigin + parkedAt, performance.timeOrigin + wokeAt);
    Atomics.store(words, this.parkedWord, 0);
  }

  private anyInput(): boolean {
    for (const link of this.clients) if (link.requests.readable()) return true;
    for (const link of this.peers) if (link.in.readable()) return true;
    return false;
  }

  // ---- control --------------------------------------------------------------------------

  private drainControl(): void {
    this.seenControl = Atomics.load(this.control.words, this.controlWord);
    for (let received = receiveMessageOnPort(this.port); received !== undefined; received = receiveMessageOnPort(this.port)) {
      const message = received.message as ToShard;
      this.mark = 0;
      let reply: Reply;
      try {
        reply = this.onControl(message);
      } catch (error) {
        reply = { type: 'reply', id: message.id, error: (error as Error).message };
      }
      if (message.type !== 'stop') this.port.postMessage(reply);
    }
  }

  private onControl(message: ToShard): Reply {
    const ok: Reply = { type: 'reply', id: message.id };
    switch (message.type) {
      case 'attach': {
        const link: ClientLink = {
          client: message.client,
          requests: new FrameReader(message.requests, REQ_HEADER_BYTES),
          replies: new FrameWriter(message.replies),
          dirty: false,
          backlogged: false,
          backlogSince: 0,
        };
        this.clients.push(link);
        this.clientsById[message.client] = link;
        return ok;
      }
      case 'detach': {
        const index = this.clients.findIndex((link) => link.client === message.client);
        if (index >= 0) this.clients.splice(index, 1);
        this.clientsById[message.client] = undefined;
        return ok;
      }
      case 'link': {
        if (this.peersById[message.peer] !== undefined) return ok;
        const link: PeerLink = {
          peer: message.peer,
          out: new FrameWriter(message.out),
          in: new FrameReader(message.in, PEER_FRAME_MIN),
        };
        this.peers.push(link);
        this.peersById[message.peer] = link;
        return ok;
      }
      case 'migrate':
        this.orders.push({
          plans: [...message.plans],
          parallel: message.parallel,
          running: new Set(),
          next: 0,
          batchKeys: Math.max(1, ...message.plans.map((plan) => plan.batchKeys)),
          budget:
            message.keysPerSecond > 0
              ? new KeyBudget(message.keysPerSecond, Math.max(1, ...message.plans.map((plan) => plan.batchKeys)), performance.now())
              : undefined,
        });
        this.startQueuedMigrations();
        return ok;
      case 'cancel': {
        const migration = this.migrations.get(message.migration);
        if (migration instanceof OutgoingMigration) migration.cancel(performance.now());
        else this.dropQueuedMigration(message.migration, 'cancelled', 'cancelled before it started');
        return ok;
      }
      case 'peer-down': {
        for (const migration of [...this.migrations.values()]) {
          if (migration instanceof OutgoingMigration && migration.target === message.peer) migration.onTargetDown(performance.now());
          else if (migration instanceof IncomingMigration && migration.source === message.peer) migration.onSourceDown();
          else if (migration instanceof ReturnMigration && migration.source === message.peer) migration.onSourceDown();
        }
        return ok;
      }
      case 'count-slots': {
        const counts = new Uint32Array(SLOT_COUNT);
        for (let slot = 0; slot < SLOT_COUNT; slot++) counts[slot] = this.keyspace.table(slot)?.size ?? 0;
        return { ...ok, counts };
      }
      case 'profile-start':
        this.profiler = new ShardProfiler(this.id, message.startAbs, message.bucketMs);
        // Slots already moving are part of the profile from now on.
        for (const migration of this.migrations.values()) if (migration instanceof OutgoingMigration) migration.profileStarted(this.profiler);
        return ok;
      case 'profile-stop': {
        const profile = this.profiler?.dump(message.endAbs);
        this.profiler = undefined;
        return profile === undefined ? ok : { ...ok, profile };
      }
      case 'faults':
        this.faults = { ...message.faults };
        if (!this.faults.holdAcks) {
          for (const migration of this.migrations.values()) if (migration instanceof IncomingMigration) migration.releaseAcks();
        }
        return ok;
      case 'stop':
        this.running = false;
        return ok;
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
