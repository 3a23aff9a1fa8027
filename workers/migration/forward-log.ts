// The requests a migration source forwarded to its target and the target has not yet reported
// executed, or that blocked there (BLPOP...: the target says when they block and when they leave).
// If the target dies first, the source answers them (with SHARDDOWN) so that nobody waits forever;
// if it fails over, with a FailoverError (a request may have run there). A log outlives its move's
// flip until its target ran all of it: requests waiting at the flip went there last.

import { REQ_CLIENT, REQ_ID, readU16, readU32 } from '../../src/shared/codec.js';
import { shardDown } from '../../src/shared/reply-errors.js';
import type { BlockedCaller } from '../blocking/notices.js';
import type { ShardContext } from '../shard-context.js';

/** The log is trimmed of executed entries once it holds this many. */
const FORWARD_LOG_TRIM = 4096;

export class ForwardLog {
  /** Forwards the target has not reported executed: [sequence, client, request id] triples. */
  private readonly entries: number[] = [];
  /** Forwarded requests blocked at the target, by client × 2^32 + request id. */
  private readonly blocked = new Map<number, BlockedCaller>();

  constructor(
    private readonly shard: ShardContext,
    readonly target: number,
  ) {}

  /** Forwards a request frame to the target and remembers who waits for its reply. */
  forward(buf: Buffer, at: number): void {
    const sequence = this.shard.forward(this.target, buf, at);
    this.entries.push(sequence, readU16(buf, at + REQ_CLIENT), readU32(buf, at + REQ_ID));
    if (this.entries.length >= FORWARD_LOG_TRIM * 3) this.trim();
  }

  /** Whether the target ran (and answered) every forward, and none is blocked there. */
  get settled(): boolean {
    this.trim();
    return this.entries.length === 0 && this.blocked.size === 0;
  }

  /** Drops the forwards the target has reported executed. */
  private trim(): void {
    const control = this.shard.control;
    const index = control.forwardsIndex(this.shard.id, this.target);
    const done = Atomics.load(control.forwardsDone, index);
    let keep = 0;
    while (keep < this.entries.length && this.entries[keep]! <= done) keep += 3;
    this.entries.splice(0, keep);
  }

  /** The target said a forwarded request blocked there (`parked`), or left (answered, moved). */
  noteBlocked(caller: BlockedCaller, parked: boolean): void {
    const key = caller.client * 2 ** 32 + caller.id;
    if (parked) this.blocked.set(key, caller);
    else this.blocked.delete(key);
  }

  /**
   * The target died: answers with SHARDDOWN (or `text`) every forward it did not report
   * executed, and every one blocked there (once each: a request can be both, if the target died in
   * between).
   */
  answerUnexecuted(text = shardDown(this.target)): void {
    this.trim();
    const entries = this.entries;
    for (let i = 0; i < entries.length; i += 3) {
      this.blocked.delete(entries[i + 1]! * 2 ** 32 + entries[i + 2]!);
      this.shard.replyError(entries[i + 1]!, entries[i + 2]!, text);
    }
    entries.length = 0;
    for (const caller of this.blocked.values())
      this.shard.replyError(caller.client, caller.id, text);
    this.blocked.clear();
  }
}
