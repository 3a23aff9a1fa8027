// WAIT requests a primary holds until enough replicas acknowledged the caller's last write, or
// their timeout passes (valkey's waitCommand, replicationCountAcksByOffset). A replica that applies
// records wakes its primary, which counts again on its next turn: no polling.

import { beginReply, endFrame, putInt, REP_META } from '../../src/shared/codec.js';
import type { FrameWriter } from '../../src/shared/ring.js';
import {
  absoluteNow,
  ReplyMeta,
  RTIMING_BYTES,
  RTIMING_EXECUTED,
  RTIMING_PUSHED,
  RTIMING_REPLIED,
  RTIMING_REPLY_BACKLOG,
  RTIMING_WAIT_MS,
  RTIMING_WAIT_REASON,
  WaitReason,
} from '../../src/shared/timing-layout.js';
import type { ClientLink } from '../shard/client-links.js';

export interface PendingWait {
  readonly link: ClientLink;
  /** The seat generation the request came with: a later holder of the seat gets no reply. */
  readonly generation: number;
  readonly id: number;
  /** The caller's last write on this shard: replicas must hold at least this offset. */
  readonly offset: number;
  readonly needed: number;
  /** Absolute Unix ms; Infinity waits for ever. */
  readonly deadline: number;
  /** While a profile runs: the reply's timing block, as the execution began it. */
  readonly timing: Buffer | undefined;
}

export class Waits {
  readonly list: PendingWait[] = [];
  /** The earliest deadline held (Infinity: none). */
  nextAt = Number.POSITIVE_INFINITY;

  add(wait: PendingWait): void {
    this.list.push(wait);
    if (wait.deadline < this.nextAt) this.nextAt = wait.deadline;
  }

  /**
   * Answers the waits that have enough acknowledgements or whose time is up; `count(offset)` says
   * how many replicas hold `offset`. Returns how many it answered.
   */
  settle(now: number, count: (offset: number) => number): number {
    const list = this.list;
    let kept = 0;
    let answered = 0;
    let nextAt = Number.POSITIVE_INFINITY;
    for (let i = 0; i < list.length; i++) {
      const wait = list[i]!;
      const acks = count(wait.offset);
      if (acks >= wait.needed || wait.deadline <= now) {
        reply(wait, acks);
        answered++;
      } else {
        list[kept++] = wait;
        if (wait.deadline < nextAt) nextAt = wait.deadline;
      }
    }
    list.length = kept;
    this.nextAt = nextAt;
    return answered;
  }

  /** Drops the waits of a client that detached. */
  dropClient(client: number): void {
    const kept = this.list.filter((wait) => wait.link.client !== client);
    this.list.length = 0;
    this.list.push(...kept);
  }
}

function reply(wait: PendingWait, acks: number): void {
  const link = wait.link;
  if (link.generation !== wait.generation) return;
  const replies = link.replies;
  const start = beginReply(replies, wait.id);
  if (wait.timing !== undefined) putWaitTiming(replies, start, wait.timing);
  putInt(replies, acks);
  endFrame(replies, start);
  link.dirty = true;
}

/**
 * Writes a held WAIT's timing block into its reply: the time since it began executing counts as
 * a wait for replication (the profiler's replication-wait), and it executes and replies now.
 */
function putWaitTiming(replies: FrameWriter, start: number, timing: Buffer): void {
  replies.view.setUint32(start + REP_META, ReplyMeta.Timed, true);
  const block = replies.reserve(RTIMING_BYTES);
  replies.buf.set(timing, block);
  const view = replies.view;
  const now = absoluteNow();
  const heldMs = Math.max(0, now - view.getFloat64(block + RTIMING_EXECUTED, true));
  view.setFloat32(
    block + RTIMING_WAIT_MS,
    view.getFloat32(block + RTIMING_WAIT_MS, true) + heldMs,
    true,
  );
  view.setUint8(block + RTIMING_WAIT_REASON, WaitReason.Replication);
  view.setFloat64(block + RTIMING_EXECUTED, now, true);
  view.setFloat64(block + RTIMING_REPLIED, now, true);
  view.setFloat64(block + RTIMING_PUSHED, 0, true);
  replies.stampOnPush(block + RTIMING_PUSHED, block + RTIMING_REPLY_BACKLOG);
  replies.tail = block + RTIMING_BYTES;
}
