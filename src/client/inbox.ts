// The reply rings of one client thread, one per shard. A poll pops whatever each ring holds and
// hands every complete reply frame to the client, which settles its command (Client.dispatch).

import { REP_HEADER_BYTES } from '../shared/codec.js';
import type { ControlBlock } from '../shared/control-block.js';
import { FrameReader } from '../shared/ring.js';
import type { ProfileRecorder } from '../profiler/recorder.js';

/** Settles the command a reply frame (at `at` in `reader`'s buffer) answers. */
export interface ReplyDispatcher {
  dispatch(reader: FrameReader, at: number): void;
}

export class Inbox {
  private readonly readers: FrameReader[];

  constructor(
    replies: readonly SharedArrayBuffer[],
    private readonly control: ControlBlock,
    private readonly recorder: ProfileRecorder,
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
        dispatcher.dispatch(reader, at);
        reader.advance(at);
        replies++;
      }
    }
    return replies;
  }

  /** Whether any reply ring holds bytes not popped yet. */
  anyReadable(): boolean {
    for (let shard = 0; shard < this.readers.length; shard++) {
      if (this.readers[shard]!.readable()) return true;
    }
    return false;
  }
}
