// Applying journal records to a keyspace: what a replica does with its primary's stream (and what
// a recovery will do with a log read back from disk). A Command record runs the command's own
// handler at the primary's clock, with its reply thrown away; an Entries record stores keys as they
// are. Applying never blocks and never throws: a record that cannot be applied is reported, and
// the caller decides (a replica asks for a full copy).

import { arityAccepts, commandByOp, nameWords, OP_COUNT } from '../../src/commands/table.js';
import { NO_SLOT } from '../../src/shared/codec.js';
import {
  CMD_ARGC,
  CMD_ARGS,
  CMD_OP,
  ENTRIES_KEYS,
  ENTRIES_START,
  IMPORT_BEGIN_BYTES,
  IMPORT_SEQUENCE,
  REC_HEADER_BYTES,
  REC_KIND,
  REC_LENGTH,
  REC_NOW,
  REC_SLOT,
  RecordKind,
} from '../../src/shared/journal-format.js';
import { ARGS_MAX, SLOT_COUNT } from '../../src/shared/limits.js';
import { createRingStorage, FrameWriter } from '../../src/shared/ring.js';
import { isValueKind, ValueKind } from '../../src/shared/value-types.js';
import { blockingSignal } from '../blocking/signal.js';
import { Call } from '../commands/call.js';
import { HANDLERS } from '../commands/index.js';
import type { Keyspace } from '../keyspace/keyspace.js';
import type { StoredValue } from '../keyspace/value.js';
import { VALUE_CODECS } from '../keyspace/value-codec.js';

/** Runs journal records against one keyspace, with one Call whose replies go nowhere. */
export class RecordApplier {
  private readonly call: Call;
  /** Replies of applied commands are staged here and dropped; the writer is never flushed. */
  private readonly sink = new FrameWriter(createRingStorage(64));

  constructor(
    private readonly keyspace: Keyspace,
    shard: number,
    owner: Uint16Array,
  ) {
    this.call = new Call(keyspace, shard, owner);
    this.call.out = this.sink;
    this.call.noBlock = true;
  }

  /**
   * Applies the record at `at` of `buf`. Returns undefined, or why the record could not be applied
   * (a corrupt record: the keyspace may then differ from the primary's).
   */
  apply(buf: Buffer, view: DataView, at: number): string | undefined {
    const length = view.getUint32(at + REC_LENGTH, true);
    if (length < REC_HEADER_BYTES || at + length > buf.length) {
      return `record length ${length} does not fit its buffer`;
    }
    const kind = buf[at + REC_KIND]!;
    const slot = view.getUint16(at + REC_SLOT, true);
    // Only a command may be of no one slot (FLUSHALL).
    if (slot >= SLOT_COUNT && (slot !== NO_SLOT || kind !== RecordKind.Command)) {
      return `record of kind ${kind} names slot ${slot}`;
    }
    const keyspace = this.keyspace;
    keyspace.now = view.getFloat64(at + REC_NOW, true);
    switch (kind) {
      case RecordKind.Command:
        return this.command(buf, view, at, slot);
      case RecordKind.Entries:
        return applyEntries(keyspace, buf, view, at, slot);
      case RecordKind.DropSlot:
        keyspace.dropSlot(slot);
        return undefined;
      case RecordKind.ImportBegin:
        if (view.getUint32(at + REC_LENGTH, true) !== IMPORT_BEGIN_BYTES)
          return 'import record of the wrong length';
        keyspace.importMarks.set(slot, view.getFloat64(at + IMPORT_SEQUENCE, true));
        return undefined;
      case RecordKind.Ping:
        return undefined;
      default:
        return `record of kind ${kind} is not a write`;
    }
  }

  private command(buf: Buffer, view: DataView, at: number, slot: number): string | undefined {
    const end = at + view.getUint32(at + REC_LENGTH, true);
    if (end < at + CMD_ARGS) return 'command record too short for its opcode and argument count';
    const op = buf[at + CMD_OP]!;
    const argc = view.getUint32(at + CMD_ARGC, true);
    const handler = op < OP_COUNT ? HANDLERS[op] : undefined;
    if (handler === undefined) return `command record with unknown opcode ${op}`;
    if (argc > ARGS_MAX) return `command record with ${argc} arguments`;
    const command = commandByOp(op);
    if (!arityAccepts(command, argc + nameWords(command))) {
      return `'${command.name}' record with ${argc} arguments`;
    }
    const call = this.call;
    let p = at + CMD_ARGS;
    for (let i = 0; i < argc; i++) {
      if (p + 4 > end) return 'command record arguments run past its end';
      const bytes = view.getUint32(p, true);
      call.argStart[i] = p + 4;
      p += 4 + bytes;
      call.argEnd[i] = p;
    }
    if (p !== end) return 'command record arguments do not end where it ends';
    call.buf = buf;
    call.argc = argc;
    call.slot = slot === NO_SLOT ? 0 : slot;
    call.name = command.name;
    const mark = this.sink.tail;
    try {
      handler(call);
    } catch (error) {
      return `'${call.name}' failed: ${(error as Error).message}`;
    } finally {
      this.sink.rollback(mark);
      // Nothing blocks on a replica: whatever a handler signalled is void here.
      blockingSignal.flags = 0;
    }
    return undefined;
  }
}

/** Stores the keys of an Entries record (a copied slot, a migrated batch, a key as it now is). */
export function applyEntries(
  keyspace: Keyspace,
  buf: Buffer,
  view: DataView,
  at: number,
  slot: number,
): string | undefined {
  const end = at + view.getUint32(at + REC_LENGTH, true);
  if (end < at + ENTRIES_START) return 'entries record too short for its key count';
  const keys = view.getUint32(at + ENTRIES_KEYS, true);
  let p = at + ENTRIES_START;
  for (let i = 0; i < keys; i++) {
    if (p + 4 > end) return `entry ${i} starts past the record's end`;
    const keyEnd = p + 4 + view.getUint32(p, true);
    if (keyEnd + 5 > end) return `entry ${i} runs past the record's end`;
    const kind = buf[keyEnd]!;
    if (!isValueKind(kind)) return `entry ${i} has unknown value type ${kind}`;
    const payloadStart = keyEnd + 5;
    const payloadEnd = payloadStart + view.getUint32(keyEnd + 1, true);
    if (payloadEnd + 8 > end) return `entry ${i} runs past the record's end`;
    const value = decodeValue(kind, buf, payloadStart, payloadEnd);
    if (value === undefined) return `entry ${i} has an unreadable value`;
    const key = buf.toString('latin1', p + 4, keyEnd);
    const deadline = view.getFloat64(payloadEnd, true);
    keyspace.set(slot, key, value);
    if (deadline !== 0) keyspace.setDeadline(slot, key, deadline);
    p = payloadEnd + 8;
  }
  return p === end ? undefined : 'entries do not end where the record ends';
}

/** A value in the batch format, or undefined when its bytes are not one. */
function decodeValue(
  kind: ValueKind,
  buf: Buffer,
  start: number,
  end: number,
): StoredValue | undefined {
  if (kind === ValueKind.String) return buf.toString('latin1', start, end);
  try {
    return VALUE_CODECS[kind].decode(buf, start, end);
  } catch {
    return undefined;
  }
}
