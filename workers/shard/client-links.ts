// The shard's links to client threads: one request ring and one reply ring per client. A turn
// serves one client: push what its reply ring could not take before, route its complete request
// frames, push the replies in bulk and ring its doorbell.

import {
  beginReply,
  endFrame,
  putLine,
  REQ_HEADER_BYTES,
  SEAT_GENERATION_MASK,
  ValueType,
} from '../../src/shared/codec.js';
import { REPLY_FLUSH_BYTES, REPLY_STAGED_BYTES_MAX } from '../../src/shared/limits.js';
import { FrameReader, FrameWriter } from '../../src/shared/ring.js';
import { absoluteNow } from '../../src/shared/timing-layout.js';
import type { Shard } from '../shard.js';
import { requestFailure } from './request-router.js';

/** Frames a shard executes for one client (or peer) before it turns to the next, for fairness. */
export const FRAMES_PER_TURN_MAX = 1024;

export interface ClientLink {
  readonly client: number;
  /** The seat's generation (low bits): frames of an earlier holder of the seat carry another. */
  readonly generation: number;
  readonly requests: FrameReader;
  readonly replies: FrameWriter;
  /** Replies were staged for this client outside its own turn (for a forwarded request). */
  dirty: boolean;
  /** The last push of replies left bytes staged: the reply ring is full. */
  backlogged: boolean;
  /** While a profile runs: when the ring became full (absolute ms), 0 if it was full before. */
  backlogSince: number;
  /** The journal offset after this client's last write here: what its WAIT waits for. */
  lastWriteOffset: number;
}

export class ClientLinks {
  readonly list: ClientLink[] = [];
  /** Links by client id: where a request's reply goes. */
  readonly byId: (ClientLink | undefined)[] = [];
  /** Replies of this turn wait for the turn's fsync (appendfsync 'always'): see flushDirty. */
  deferred = false;

  constructor(private readonly shard: Shard) {}

  attach(
    client: number,
    generation: number,
    requests: SharedArrayBuffer,
    replies: SharedArrayBuffer,
  ): void {
    const link: ClientLink = {
      client,
      generation: generation & SEAT_GENERATION_MASK,
      requests: new FrameReader(requests, REQ_HEADER_BYTES),
      // Reply writers stamp a profiled reply's push time (the profiler's clock).
      replies: new FrameWriter(replies, absoluteNow),
      dirty: false,
      backlogged: false,
      backlogSince: 0,
      lastWriteOffset: 0,
    };
    this.list.push(link);
    this.byId[client] = link;
  }

  detach(client: number): void {
    const index = this.list.findIndex((link) => link.client === client);
    if (index >= 0) this.list.splice(index, 1);
    this.byId[client] = undefined;
    this.shard.replication.waits.dropClient(client);
  }

  /** Routes what one client sent, up to FRAMES_PER_TURN_MAX frames. Returns frames handled. */
  serve(link: ClientLink): number {
    const shard = this.shard;
    const control = shard.control;
    const replies = link.replies;
    if (replies.staged > 0) {
      const before = replies.staged;
      shard.beforeOutput();
      if (replies.flush() < before) control.wakeClient(link.client);
      this.setBacklogged(link, replies.staged > 0);
      if (replies.staged >= REPLY_STAGED_BYTES_MAX) return 0;
    }
    const requests = link.requests;
    const popped = requests.fill();
    if (popped === 0 && requests.start === requests.end) return 0;
    // A client that waits for ring space (a frame larger than the ring) learns that there is some.
    if (popped > 0) control.wakeClient(link.client);
    const router = shard.router;
    const execution = shard.execution;
    const stats = shard.stats;
    let frames = 0;
    execution.mark = 0;
    for (let at = requests.next(); at >= 0; at = requests.next()) {
      try {
        router.route(requests.buf, requests.view, at, -1);
      } catch (error) {
        throw requestFailure(error, requests.buf, at);
      }
      requests.advance(at);
      frames++;
      stats.ops++;
      if (replies.staged >= REPLY_FLUSH_BYTES) {
        // Counters first: a client that saw a reply also sees its effect in db.stats().
        stats.publish();
        shard.beforeOutput();
        replies.flush();
        control.wakeClient(link.client);
        execution.mark = 0;
        if (replies.staged >= REPLY_STAGED_BYTES_MAX) break;
      }
      if (frames >= FRAMES_PER_TURN_MAX) break;
    }
    if (frames > 0) {
      stats.publish();
      if (shard.persistence?.groupCommit === true) {
        // appendfsync 'always': every client's replies of this turn wait for one fsync
        // (flushDirty at the end of the turn).
        link.dirty = true;
        this.deferred = true;
      } else {
        shard.beforeOutput();
        this.setBacklogged(link, replies.flush() > 0);
        link.dirty = false;
        control.wakeClient(link.client);
      }
      shard.profiler?.addOps(frames, absoluteNow());
    }
    return frames;
  }

  /** Notes whether a client's reply ring is full; a profile counts the time it stays full. */
  private setBacklogged(link: ClientLink, backlogged: boolean): void {
    if (backlogged === link.backlogged) return;
    link.backlogged = backlogged;
    const profiler = this.shard.profiler;
    if (profiler === undefined) return;
    const now = absoluteNow();
    if (backlogged) link.backlogSince = now;
    else if (link.backlogSince > 0) profiler.addReplyBacklog(now - link.backlogSince, now);
  }

  /** Answers a request with an error reply, pushed at once (for requests a dead peer dropped). */
  replyError(client: number, id: number, text: string): void {
    const link = this.byId[client];
    if (link === undefined) return;
    const start = beginReply(link.replies, id);
    putLine(link.replies, ValueType.Error, text);
    endFrame(link.replies, start);
    this.shard.beforeOutput();
    link.replies.flush();
    this.shard.control.wakeClient(client);
  }

  /** Pushes replies staged for clients while serving peers, and wakes the clients. */
  flushDirty(): void {
    this.deferred = false;
    this.shard.stats.publish();
    this.shard.beforeOutput();
    for (const link of this.list) {
      if (!link.dirty) continue;
      link.dirty = false;
      this.setBacklogged(link, link.replies.flush() > 0);
      this.shard.control.wakeClient(link.client);
    }
  }

  // The two checks below run before every park: indexed loops, because a for-of that V8 has not
  // optimized allocates an iterator each time, and the shard's garbage is what its scavenges cost.

  /** Whether any client pushed request bytes this shard has not popped yet. */
  anyInput(): boolean {
    const list = this.list;
    for (let i = 0; i < list.length; i++) if (list[i]!.requests.readable()) return true;
    return false;
  }

  /** Whether replies wait for room in some client's reply ring. */
  anyBacklog(): boolean {
    const list = this.list;
    for (let i = 0; i < list.length; i++) if (list[i]!.replies.staged > 0) return true;
    return false;
  }
}
