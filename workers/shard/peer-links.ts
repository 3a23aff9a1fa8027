// The shard's links to other shards: one ring each way per peer, created when two shards first
// take part in a migration. They carry the migration frames (src/shared/peer-frames.ts) and
// FORWARDs, requests handed on to the shard that can run them.

import { InvariantError } from '../../src/errors.js';
import { REQ_FLAGS, REQ_HEADER_BYTES, RequestFlag, readU32 } from '../../src/shared/codec.js';
import {
  ACK_APPLY_MS,
  ACK_BATCH,
  ACK_OK,
  ACK_RECEIVED,
  BATCH_BATCH,
  FORWARD_HEADER_BYTES,
  PEER_FRAME_MIN,
  PEER_KIND,
  PEER_MIGRATION,
  PEER_SLOT,
  PeerFrame,
  PIECE_NUMBER,
} from '../../src/shared/peer-frames.js';
import { FrameReader, FrameWriter } from '../../src/shared/ring.js';
import { absoluteNow, TIMING_FORWARDED } from '../../src/shared/timing-layout.js';
import { readBlockedNotice } from '../blocking/notices.js';
import { readImportLimits } from '../migration/control-frames.js';
import { refuseBatch } from '../migration/role.js';
import type { Shard } from '../shard.js';
import { FRAMES_PER_TURN_MAX } from './client-links.js';
import { requestFailure } from './request-router.js';

export interface PeerLink {
  readonly peer: number;
  readonly out: FrameWriter;
  readonly in: FrameReader;
}

export class PeerLinks {
  readonly list: PeerLink[] = [];
  readonly byId: (PeerLink | undefined)[] = [];
  /** Peers with frames staged this turn (see flushPeer). */
  private readonly dirtyById: boolean[] = [];
  /** Some peer has frames staged this turn. */
  dirty = false;
  /** FORWARD frames sent to each peer (their sequence numbers on that ring). */
  private readonly forwardsSent: number[] = [];

  constructor(private readonly shard: Shard) {}

  /** Links this shard to `peer` (once; a second link message for the same peer changes nothing). */
  link(peer: number, out: SharedArrayBuffer, input: SharedArrayBuffer): void {
    if (this.byId[peer] !== undefined) return;
    const link: PeerLink = {
      peer,
      out: new FrameWriter(out),
      in: new FrameReader(input, PEER_FRAME_MIN),
    };
    this.list.push(link);
    this.byId[peer] = link;
  }

  /** The ring writer towards a peer shard. */
  writer(peer: number): FrameWriter {
    const link = this.byId[peer];
    if (link === undefined) {
      throw new InvariantError(`shard ${this.shard.id} has no ring to shard ${peer}`);
    }
    return link.out;
  }

  /**
   * Marks what was staged for a peer to go at the end of this loop turn. One push and at most one
   * wake per peer per turn: a shard moving many small slots stages several frames per turn for the
   * same peer, and a wake is a system call.
   */
  flushPeer(peer: number): void {
    this.dirtyById[peer] = true;
    this.dirty = true;
  }

  flushDirty(): void {
    this.dirty = false;
    this.shard.beforeOutput();
    for (const link of this.list) {
      if (!this.dirtyById[link.peer]) continue;
      this.dirtyById[link.peer] = false;
      link.out.flush();
      this.shard.control.wakeShard(link.peer);
    }
  }

  /** Hands a request frame to another shard (FORWARD); returns its sequence number on that ring. */
  forward(peer: number, buf: Buffer, at: number): number {
    const shard = this.shard;
    const length = readU32(buf, at);
    if (buf[at + REQ_FLAGS]! & RequestFlag.Timed) {
      buf.writeDoubleLE(absoluteNow(), at + REQ_HEADER_BYTES + TIMING_FORWARDED);
    }
    shard.profiler?.addRedirection(absoluteNow());
    const writer = this.writer(peer);
    const start = writer.beginFrame(FORWARD_HEADER_BYTES + length);
    writer.view.setUint32(start, FORWARD_HEADER_BYTES + length, true);
    writer.buf[start + PEER_KIND] = PeerFrame.Forward;
    buf.copy(writer.buf, start + FORWARD_HEADER_BYTES, at, at + length);
    writer.tail = start;
    writer.commit(start + FORWARD_HEADER_BYTES + length);
    shard.stats.redirected++;
    this.flushPeer(peer);
    const sent = (this.forwardsSent[peer] ?? 0) + 1;
    this.forwardsSent[peer] = sent;
    return sent;
  }

  /** Handles what one peer sent, up to FRAMES_PER_TURN_MAX frames. Returns frames handled. */
  serve(link: PeerLink): number {
    const shard = this.shard;
    const execution = shard.execution;
    execution.mark = 0;
    if (link.out.staged > 0) {
      shard.beforeOutput();
      link.out.flush();
    }
    const input = link.in;
    const popped = input.fill();
    if (popped === 0 && input.start === input.end) return 0;
    if (popped > 0) shard.control.wakeShardWithBacklog(link.peer);
    let frames = 0;
    let forwards = 0;
    for (let at = input.next(); at >= 0; at = input.next()) {
      const kind = input.buf[at + PEER_KIND];
      const forward = kind === PeerFrame.Forward;
      if (forward) forwards++;
      else execution.mark = 0;
      this.onFrame(link.peer, input.buf, input.view, at);
      if (!forward) execution.mark = 0;
      input.advance(at);
      // One piece of a big key a turn: the clients' requests wait for one piece at most.
      if (++frames >= FRAMES_PER_TURN_MAX || kind === PeerFrame.Piece) break;
    }
    if (frames > 0) shard.clients.flushDirty();
    // Only now are the replies of those forwards in the clients' rings: count them as done, so
    // that the peer knows which of its forwards it must answer itself if this shard dies.
    if (forwards > 0) {
      const control = shard.control;
      Atomics.add(control.forwardsDone, control.forwardsIndex(link.peer, shard.id), forwards);
    }
    return frames;
  }

  /** One frame from `peer`: a FORWARD is routed; the rest go to their migration's role. */
  private onFrame(peer: number, buf: Buffer, view: DataView, at: number): void {
    const shard = this.shard;
    const kind = buf[at + PEER_KIND]!;
    if (kind === PeerFrame.Forward) {
      shard.stats.ops++;
      try {
        shard.router.route(buf, view, at + FORWARD_HEADER_BYTES, peer);
      } catch (error) {
        throw requestFailure(error, buf, at + FORWARD_HEADER_BYTES);
      }
      return;
    }
    const slot = view.getUint16(at + PEER_SLOT, true);
    const id = view.getUint32(at + PEER_MIGRATION, true);
    const migrations = shard.migrations;
    const role = migrations.byId.get(id);
    switch (kind) {
      case PeerFrame.Batch: {
        // Replies to forwarded requests go out before a batch is applied, not after it.
        shard.clients.flushDirty();
        const batch = view.getUint32(at + BATCH_BATCH, true);
        if (role !== undefined) role.onBatch(buf, view, at, batch);
        else refuseBatch(shard, peer, slot, id, batch);
        return;
      }
      case PeerFrame.Piece: {
        shard.clients.flushDirty();
        const piece = view.getUint32(at + PIECE_NUMBER, true);
        if (role !== undefined) role.onPiece(buf, view, at, piece);
        else refuseBatch(shard, peer, slot, id, piece);
        return;
      }
      case PeerFrame.Ack:
        role?.onAck(
          view.getUint32(at + ACK_BATCH, true),
          buf[at + ACK_OK] === 1,
          shard.clock,
          view.getFloat64(at + ACK_RECEIVED, true),
          view.getFloat64(at + ACK_APPLY_MS, true),
        );
        return;
      case PeerFrame.Flip:
        role?.onFlip();
        return;
      case PeerFrame.Drop:
        role?.onDrop();
        return;
      case PeerFrame.Return:
        if (role !== undefined) migrations.handOver(role, role.onReturn());
        return;
      case PeerFrame.Returned:
        role?.onReturned(shard.clock);
        return;
      case PeerFrame.Import:
        migrations.imported(id, slot, peer, readImportLimits(view, at));
        return;
      case PeerFrame.Blocked: {
        const notice = readBlockedNotice(view, at);
        const outgoing = migrations.outgoing[slot];
        if (outgoing?.migration === id)
          outgoing.forwarded.noteBlocked(notice.caller, notice.parked);
        return;
      }
      default:
        throw new InvariantError(
          `shard ${shard.id} got a peer frame of unknown kind ${kind} from shard ${peer}`,
        );
    }
  }

  /** Whether any peer pushed bytes this shard has not popped yet. */
  anyInput(): boolean {
    for (const link of this.list) if (link.in.readable()) return true;
    return false;
  }

  /** Whether frames wait for room in some peer's ring. */
  anyBacklog(): boolean {
    for (const link of this.list) if (link.out.staged > 0) return true;
    return false;
  }
}
