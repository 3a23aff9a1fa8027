// Executing a request frame on this shard: decode its arguments into the shared Call, run the
// command's handler, and stage the reply in the ring of the client named in the frame. With the
// request router, this is the hot path: no allocation or closure per request.

import { commandByOp, Flag, OP_FLAGS } from '../../src/commands/table.js';
import {
  beginReply,
  endFrame,
  REP_META,
  REQ_ARGC,
  REQ_CLIENT,
  REQ_FLAGS,
  REQ_HEADER_BYTES,
  REQ_ID,
  REQ_OP,
  REQ_SEAT_GENERATION,
  REQ_SLOT,
  RequestFlag,
  readU16,
  readU32,
} from '../../src/shared/codec.js';
import { ARGS_MAX, FRAME_BYTES_MAX } from '../../src/shared/limits.js';
import { replyTooLarge } from '../../src/shared/reply-errors.js';
import type { FrameWriter } from '../../src/shared/ring.js';
import {
  absoluteNow,
  ReplyMeta,
  RTIMING_BYTES,
  RTIMING_EXECUTED,
  RTIMING_PUSHED,
  RTIMING_REPLIED,
  RTIMING_REPLY_BACKLOG,
  TIMING_BYTES,
} from '../../src/shared/timing-layout.js';
import { blockingSignal } from '../blocking/signal.js';
import { Call } from '../commands/call.js';
import { HANDLERS } from '../commands/index.js';
import { journalWrite } from '../replication/journal-ops.js';
import type { Replication } from '../replication/replication.js';
import { waitSignal } from '../replication/signal.js';
import type { Shard } from '../shard.js';
import type { ClientLink } from './client-links.js';

/** Names of opcodes, for error texts (lower-case, as Redis prints them). */
const NAMES: string[] = HANDLERS.map((handler, op) =>
  handler === undefined ? '' : commandByOp(op).name,
);

export class Execution {
  /**
   * While a profile runs: when this shard began the request at hand (absolute ms). In a run of
   * requests that is when the one before it replied, so a profiled request costs one clock read;
   * 0 after other work (a batch, a migration step), and the next request reads the clock.
   */
  mark = 0;
  readonly call: Call;
  private readonly replication: Replication;
  private readonly persistence: Shard['persistence'];
  private readonly clientsById: readonly (ClientLink | undefined)[];
  private lastBuf: Buffer | undefined;
  private lastView: DataView<ArrayBufferLike> = new DataView(new ArrayBuffer(0));

  constructor(private readonly shard: Shard) {
    this.call = new Call(shard.keyspace, shard.id, shard.control.owner);
    this.call.journal = shard.replication.journal;
    this.replication = shard.replication;
    this.persistence = shard.persistence;
    this.clientsById = shard.clients.byId;
  }

  /** Executes a request frame here; the reply goes to the client named in the frame. */
  execute(buf: Buffer, at: number): void {
    this.executeWith(buf, at, undefined);
  }

  /** Answers a request frame with an error instead of executing it. */
  executeError(buf: Buffer, at: number, text: string): void {
    this.executeWith(buf, at, text);
  }

  executeWith(buf: Buffer, at: number, errorText: string | undefined): void {
    const length = readU32(buf, at);
    const client = readU16(buf, at + REQ_CLIENT);
    const link = this.clientsById[client];
    // The client detached, or the frame is from an earlier holder of its seat: nobody waits for
    // this reply, and the seat's new holder must not receive it.
    if (link === undefined || readU16(buf, at + REQ_SEAT_GENERATION) !== link.generation) return;
    const replies = link.replies;
    const start = beginReply(replies, readU32(buf, at + REQ_ID));
    const timed = (buf[at + REQ_FLAGS]! & RequestFlag.Timed) !== 0;
    const timing = timed ? this.beginReplyTiming(replies, start, buf, at) : -1;
    const valueStart = replies.tail;
    const call = this.call;
    call.out = replies;
    const op = buf[at + REQ_OP]!;
    const error = errorText ?? this.decode(buf, at, length, timed);
    const replication = this.replication;
    if (error !== undefined) {
      call.error(error);
    } else if (
      OP_FLAGS[op]! & Flag.Write &&
      (replication.writeRefusal ?? this.persistence?.refusal) !== undefined
    ) {
      // A replica takes no writes (READONLY); a primary short of good replicas neither
      // (NOREPLICAS), nor one whose log could not be written (MISCONF).
      call.error((replication.writeRefusal ?? this.persistence?.refusal)!);
    } else {
      const handler = HANDLERS[op];
      if (handler === undefined) {
        call.error(`ERR slotdb: shard ${this.shard.id} has no handler for opcode ${op}`);
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
        if (replication.journal !== undefined) this.journalWrite(op, link);
      }
    }
    // WAIT, WAITAOF, SAVE asked for the shard: answered now, or held (until replicas acknowledge,
    // the log is on disk, the snapshot is committed).
    if (waitSignal.asked) {
      // A profiled request that is held keeps its timing block for its reply.
      const block =
        timing >= 0 ? Buffer.from(replies.buf.subarray(timing, timing + RTIMING_BYTES)) : undefined;
      const id = readU32(buf, at + REQ_ID);
      if (replication.waitAsked(call, link, id, this.shard.keyspace.now, block)) {
        replies.rollback(start);
        return;
      }
    }
    // A blocking command that found no data parks instead of answering; a key that blocked
    // requests wait on got a list: they are served right after this command (workers/blocking).
    if (blockingSignal.flags !== 0) {
      if (this.shard.blocking.afterHandler(call, buf, at, replies, start)) return;
      this.finishReply(link, start, valueStart, timing);
      this.shard.blocking.serveReady();
      return;
    }
    this.finishReply(link, start, valueStart, timing);
  }

  /**
   * Records the write that just ran in the journal (journal-ops.ts), and notes the caller's last
   * write offset for its WAIT.
   */
  private journalWrite(op: number, link: ClientLink): void {
    const journal = this.replication.journal!;
    journalWrite(journal, this.call, op);
    if (OP_FLAGS[op]! & Flag.Write) link.lastWriteOffset = journal.offset;
  }

  /** Ends the reply frame begun at `start` (its value at `valueStart`) and marks it to go. */
  private finishReply(link: ClientLink, start: number, valueStart: number, timing: number): void {
    const replies = link.replies;
    // A reply past the frame limit (many large values, a long KEYS) would fail its own commit and
    // take the shard down: it is dropped and the caller gets the reason instead.
    if (replies.tail - start > FRAME_BYTES_MAX) {
      const bytes = replies.tail - start;
      replies.rollback(valueStart);
      this.call.error(replyTooLarge(bytes));
    }
    if (timing >= 0) {
      this.mark = absoluteNow();
      replies.view.setFloat64(timing + RTIMING_REPLIED, this.mark, true);
    }
    endFrame(replies, start);
    link.dirty = true;
  }

  /**
   * Points the Call at the arguments of the request frame at `at`. Returns the error text of a
   * corrupt frame (too many arguments, arguments that do not end where the frame ends), which
   * answers that request alone; a bad frame never stops the shard. The loop reads no further than
   * ARGS_MAX lengths; one that runs past the frame (or the buffer: NaN) fails the end check.
   */
  private decode(buf: Buffer, at: number, length: number, timed: boolean): string | undefined {
    const call = this.call;
    const op = buf[at + REQ_OP]!;
    const slot = readU16(buf, at + REQ_SLOT);
    const argc = readU32(buf, at + REQ_ARGC);
    call.name = NAMES[op] ?? '';
    if (argc > ARGS_MAX) {
      return `ERR slotdb: corrupt request (opcode ${op}, slot ${slot}): ${argc} arguments, more than ARGS_MAX (${ARGS_MAX})`;
    }
    let p = at + REQ_HEADER_BYTES + (timed ? TIMING_BYTES : 0);
    for (let i = 0; i < argc; i++) {
      const bytes = readU32(buf, p);
      call.argStart[i] = p + 4;
      p += 4 + bytes;
      call.argEnd[i] = p;
    }
    if (p !== at + length) {
      return `ERR slotdb: corrupt request (opcode ${op}, slot ${slot}): arguments end at ${p - at}, the frame at ${length}`;
    }
    call.buf = buf;
    call.argc = argc;
    call.slot = slot;
    return undefined;
  }

  /** FLUSHALL dropped every key: migrations under way start over on empty tables. */
  private afterFlush(): void {
    this.shard.migrations.afterFlush(this.shard.clock);
  }

  /** When this shard began the request at hand (see `mark`). */
  markNow(): number {
    if (this.mark === 0) this.mark = absoluteNow();
    return this.mark;
  }

  /** A DataView on a request frame's buffer: a ring's, kept; a parked frame's, made once. */
  private viewOf(buf: Buffer): DataView<ArrayBufferLike> {
    if (buf !== this.lastBuf) {
      this.lastBuf = buf;
      this.lastView = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    }
    return this.lastView;
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
    for (let i = 0; i < TIMING_BYTES; i += 4) {
      out.setUint32(block + i, input.getUint32(timing + i, true), true);
    }
    out.setFloat64(block + RTIMING_EXECUTED, this.markNow(), true);
    out.setFloat64(block + RTIMING_REPLIED, 0, true);
    out.setFloat64(block + RTIMING_PUSHED, 0, true);
    replies.stampOnPush(block + RTIMING_PUSHED, block + RTIMING_REPLY_BACKLOG);
    replies.tail = block + RTIMING_BYTES;
    return block;
  }
}
