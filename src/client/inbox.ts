// The reply rings of one client thread, one per shard. A poll pops whatever each ring holds,
// finds the pending entry each complete reply frame answers (by its request id), decodes the
// reply and hands it to the client, which settles the command (Client.complete).

import type { HeldKey, ProfileRecorder } from '../profiler/recorder.js';
import { type Argument, REP_HEADER_BYTES, REP_ID, REP_META } from '../shared/codec.js';
import type { ControlBlock } from '../shared/control-block.js';
import { FrameReader } from '../shared/ring.js';
import { ReplyMeta, RTIMING_BYTES } from '../shared/timing-layout.js';
import { PendingFlag, type PendingTable } from './pending.js';
import { decodeValue } from './reply.js';

/** Settles pending entry `index` with its decoded reply. */
export interface ReplyDispatcher {
  complete(index: number, value: unknown): void;
}

/** Told of each reply, and of the seat that sent it, once the thread reads from replicas. */
export interface ReplicaReplies {
  readonly tracking: boolean;
  replied(index: number, seat: number): void;
}

export class Inbox {
  private readonly readers: FrameReader[];

  constructor(
    replies: readonly SharedArrayBuffer[],
    private readonly control: ControlBlock,
    private readonly recorder: ProfileRecorder,
    private readonly pending: PendingTable,
    private readonly replicaReplies: ReplicaReplies,
    /** The outbox's workers written to since the last WAIT (see dispatch). */
    private readonly wrote: Uint32Array,
  ) {
    // A reply frame holds at least its header and one value type byte.
    this.readers = replies.map((storage) => new FrameReader(storage, REP_HEADER_BYTES + 1));
  }

  /** Reads every complete reply that has arrived and dispatches it. Returns how many. */
  poll(dispatcher: ReplyDispatcher): number {
    let replies = 0;
    for (let shard = 0; shard < this.readers.length; shard++) {
      const reader = this.readers[shard]!;
      const popped = reader.fill();
      if (popped === 0 && reader.start === reader.end) continue;
      // Room was made in the ring: a shard parked with replies waiting for it may go on.
      if (popped > 0) this.control.wakeShardWithBacklog(shard);
      this.recorder.repliesArriving();
      for (let at = reader.next(); at >= 0; at = reader.next()) {
        this.dispatch(dispatcher, reader, at, shard);
        reader.advance(at);
        replies++;
      }
    }
    return replies;
  }

  /** Settles the command the reply frame at `at` of the ring from `seat` answers. */
  private dispatch(
    dispatcher: ReplyDispatcher,
    reader: FrameReader,
    at: number,
    seat: number,
  ): void {
    const pending = this.pending;
    const index = pending.lookup(reader.view.getUint32(at + REP_ID, true));
    // A command failed early because a shard on its path died can still be answered later (by a
    // shard that did execute it): its entry is gone, and the late reply is dropped.
    if (index < 0) return;
    // A write answered by another worker than the one it went to: the source of a migration
    // forwarded it, and it is in that worker's journal; this thread's next WAIT waits there too.
    if (pending.flags[index]! & PendingFlag.Write && pending.shard[index] !== seat) {
      this.wrote[seat]!++;
    }
    const buffers = (pending.flags[index]! & PendingFlag.Buffers) !== 0;
    if (this.replicaReplies.tracking) this.replicaReplies.replied(index, seat);
    let valueAt = at + REP_HEADER_BYTES;
    if (reader.view.getUint32(at + REP_META, true) & ReplyMeta.Timed) {
      const key = pending.key[index] as Argument | HeldKey | undefined;
      this.recorder.onReply(reader.view, valueAt, pending.slot[index]!, key);
      valueAt += RTIMING_BYTES;
    }
    dispatcher.complete(index, decodeValue(reader.buf, reader.view, valueAt, buffers));
  }

  /** Whether any reply ring holds bytes not popped yet. */
  anyReadable(): boolean {
    for (let shard = 0; shard < this.readers.length; shard++) {
      if (this.readers[shard]!.readable()) return true;
    }
    return false;
  }
}
