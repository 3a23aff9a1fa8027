// A primary and a replica keyspace in the test's own thread, without workers: commands run on the
// primary through their handlers the way a shard runs them, with the journal recording what they
// did (workers/replication/journal-ops.ts, as the execution calls it); the records are captured,
// and replay() applies them to the replica through a RecordApplier, as a replica's follower does.
// Unit tests of the journal and of replica equality use it.

import { decodeValue } from '../../src/client/reply.js';
import { arityAccepts, COMMAND, type CommandSpec, SplitPolicy } from '../../src/commands/table.js';
import {
  type Argument,
  beginReply,
  beginRequest,
  endFrame,
  NO_SLOT,
  putArgument,
  REP_HEADER_BYTES,
  REQ_HEADER_BYTES,
} from '../../src/shared/codec.js';
import { keySlot } from '../../src/shared/key-slot.js';
import { SLOT_COUNT } from '../../src/shared/limits.js';
import { createRingStorage, FrameWriter } from '../../src/shared/ring.js';
import { blockingSignal } from '../../workers/blocking/signal.js';
import { Call } from '../../workers/commands/call.js';
import { HANDLERS } from '../../workers/commands/index.js';
import { Keyspace } from '../../workers/keyspace/keyspace.js';
import { RecordApplier } from '../../workers/replication/apply.js';
import { keyspaceLines } from '../../workers/replication/digest.js';
import { Journal } from '../../workers/replication/journal.js';
import { journalWrite } from '../../workers/replication/journal-ops.js';

/** Every key of `keyspace` with its type, value and deadline, in a canonical order and form. */
export function dumpKeyspace(keyspace: Keyspace): string[] {
  return keyspaceLines(keyspace);
}

/** The command `args` names (its first word), if a shard runs it with these many arguments. */
export function shardCommand(args: readonly Argument[]): CommandSpec | undefined {
  const name = String(args[0]).toLowerCase() as keyof typeof COMMAND;
  const command = COMMAND[name] as CommandSpec | undefined;
  if (command === undefined || HANDLERS[command.op] === undefined) return undefined;
  if (command.split === SplitPolicy.Local || !arityAccepts(command, args.length)) return undefined;
  return command;
}

export class JournalPair {
  readonly primary = new Keyspace();
  readonly replica = new Keyspace();
  /** Every record the journal made, each in its own buffer. */
  readonly records: Buffer[] = [];
  /** Why records could not be applied (none, when all is well). */
  readonly failures: string[] = [];
  readonly journal: Journal;
  readonly call: Call;
  private readonly applier: RecordApplier;
  private applied = 0;
  private readonly requests = new FrameWriter(createRingStorage(1 << 16));

  constructor() {
    const owner = new Uint16Array(SLOT_COUNT);
    this.journal = new Journal(this.primary, COMMAND.del.op);
    this.journal.sinks.push({
      record: (buf, length) => this.records.push(Buffer.from(buf.subarray(0, length))),
    });
    this.primary.expired = this.journal.expired;
    this.call = new Call(this.primary, 0, owner);
    this.call.journal = this.journal;
    this.call.out = new FrameWriter(createRingStorage(1 << 20));
    this.applier = new RecordApplier(this.replica, 0, owner);
  }

  /**
   * Runs `args` (the command name first) on the primary and journals it; returns the decoded
   * reply, or undefined for a command a shard does not run so (client-side, bad arity).
   */
  run(args: readonly Argument[]): unknown {
    const command = shardCommand(args);
    if (command === undefined) return undefined;
    const rest = args.slice(1);
    const first = rest[command.firstKey];
    const slot =
      first === undefined ? NO_SLOT : keySlot(typeof first === 'number' ? String(first) : first);
    const call = this.call;
    const requests = this.requests;
    const start = beginRequest(requests, 1, slot, command.op, rest.length, 0);
    for (const arg of rest) putArgument(requests, arg);
    endFrame(requests, start);
    call.buf = requests.buf;
    let p = start + REQ_HEADER_BYTES;
    for (let i = 0; i < rest.length; i++) {
      const bytes = requests.buf.readUInt32LE(p);
      call.argStart[i] = p + 4;
      p += 4 + bytes;
      call.argEnd[i] = p;
    }
    call.argc = rest.length;
    call.slot = slot;
    call.name = command.name;
    const out = call.out;
    const replyStart = beginReply(out, 1);
    HANDLERS[command.op]!(call);
    journalWrite(this.journal, call, command.op);
    // Nothing is blocked here: a request that asked to park is answered by nobody.
    blockingSignal.flags = 0;
    const reply =
      out.tail > replyStart + REP_HEADER_BYTES
        ? decodeValue(out.buf, out.view, replyStart + REP_HEADER_BYTES, false)
        : null;
    out.rollback(replyStart);
    requests.rollback(start);
    return reply;
  }

  /** Moves both clocks (the replica's follows the records' own). */
  setNow(now: number): void {
    this.primary.now = now;
  }

  /** Applies the records not applied yet to the replica; returns how many. */
  replay(): number {
    let count = 0;
    for (; this.applied < this.records.length; this.applied++) {
      const record = this.records[this.applied]!;
      const failure = this.applier.apply(record, viewOf(record), 0);
      if (failure !== undefined) this.failures.push(failure);
      count++;
    }
    return count;
  }

  /** Applies one record of the test's making to the replica: undefined, or why it failed. */
  applyRecord(record: Buffer): string | undefined {
    return this.applier.apply(record, viewOf(record), 0);
  }
}

export function viewOf(buf: Buffer): DataView {
  return new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
}
