// WAIT and WAITAOF requests a primary holds until enough replicas acknowledged the caller's last
// write (and, for WAITAOF, its log holds that write on disk), or their timeout passes (valkey's
// waitCommand, waitaofCommand, processClientsWaitingReplicas). A replica that applies records wakes
// its primary, and so does the syncer thread once it fsynced the log; the primary counts again on
// its next turn: no polling.

import { beginReply, endFrame, putArrayHeader, putInt, REP_META } from '../../src/shared/codec.js';
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

/** A request held on this shard: where its reply goes once it is answered. */
export interface HeldRequest {
  readonly link: ClientLink;
  /** The seat generation the request came with: a later holder of the seat gets no reply. */
  readonly generation: number;
  readonly id: number;
  /** While a profile runs: the reply's timing block, as the execution began it. */
  readonly timing: Buffer | undefined;
}

export interface PendingWait extends HeldRequest {
  /** The caller's last write on this shard: replicas (and the log) must hold this offset. */
  readonly offset: number;
  readonly needed: number;
  /** Absolute Unix ms; Infinity waits for ever. */
  readonly deadline: number;
  /** WAITAOF: local fsyncs wanted (0 or 1), answered as [local, replicas]; WAIT: undefined. */
  readonly local?: number;
}

export class Waits {
  readonly list: PendingWait[] = [];
  /** The earliest deadline held (Infinity: none). */
  nextAt = Number.POSITIVE_INFINITY;

  /** `synced()`: the journal offset this shard's log holds on disk (what WAITAOF counts). */
  constructor(private readonly synced: () => number = () => 0) {}

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
    const synced = this.synced();
    let kept = 0;
    let answered = 0;
    let nextAt = Number.POSITIVE_INFINITY;
    for (let i = 0; i < list.length; i++) {
      const wait = list[i]!;
      const acks = count(wait.offset);
      const wanted = wait.local;
      const local = wanted !== undefined && synced >= wait.offset ? 1 : 0;
      if ((acks >= wait.needed && local >= (wanted ?? 0)) || wait.deadline <= now) {
        reply(wait, acks, wanted === undefined ? -1 : local);
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

  /**
   * Whether a WAITAOF held here for its local fsync can be answered now (the syncer thread
   * publishes the offset on disk and wakes the shard; a shard about to park looks once more).
   * Only one whose replicas are there too: one still short of replicas would keep the shard from
   * parking until they are (a replica's acknowledgement wakes the shard itself).
   */
  anyLocalDone(count: (offset: number) => number): boolean {
    const list = this.list;
    if (list.length === 0) return false;
    const synced = this.synced();
    for (let i = 0; i < list.length; i++) {
      const wait = list[i]!;
      if (wait.local === 1 && synced >= wait.offset && count(wait.offset) >= wait.needed) {
        return true;
      }
    }
    return false;
  }

  /** Drops the waits of a client that detached. */
  dropClient(client: number): void {
    const kept = this.list.filter((wait) => wait.link.client !== client);
    this.list.length = 0;
    this.list.push(...kept);
  }
}

/** WAIT's reply, the count of replicas; WAITAOF's (`local` 0 or 1), [local, replicas]. */
function reply(wait: PendingWait, acks: number, local: number): void {
  const start = beginHeld(wait);
  if (start < 0) return;
  const replies = wait.link.replies;
  if (local >= 0) {
    putArrayHeader(replies, 2);
    putInt(replies, local);
  }
  putInt(replies, acks);
  endHeld(wait, start);
}

/**
 * Begins the reply of a held request in its link's reply writer: returns where the frame starts
 * (for endHeld, after the value is written), or -1 when the seat has another holder now.
 */
export function beginHeld(held: HeldRequest): number {
  const link = held.link;
  if (link.generation !== held.generation) return -1;
  const replies = link.replies;
  const start = beginReply(replies, held.id);
  if (held.timing !== undefined) putWaitTiming(replies, start, held.timing);
  return start;
}

export function endHeld(held: HeldRequest, start: number): void {
  endFrame(held.link.replies, start);
  held.link.dirty = true;
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
