// A primary's journal: every write it applies, in order, as one record (src/shared/journal-format.ts),
// with an offset that grows by the bytes of each record. A record is encoded once, into a scratch
// buffer, and handed to every sink (one per replica now; the log on disk is meant to be another).
//
// What goes in: each write command as it ran (its opcode and arguments), run again by a replica at
// the primary's clock; where running it again would not do the same, what it did instead: SPOP
// (which picks at random) as the SREM of the popped members, a blocked pop served from the key
// that got a list as the pop from that key alone (journal-ops.ts). Keys removed by expiry go in
// as DEL. Keys a migration
// brings in go in as Entries, a slot that moved away as DropSlot.

import { writeLatin1 } from '../../src/shared/codec.js';
import {
  CMD_ARGC,
  CMD_ARGS,
  CMD_OP,
  ENTRIES_KEYS,
  ENTRIES_START,
  IMPORT_BEGIN_BYTES,
  IMPORT_SEQUENCE,
  REC_CHECKSUM,
  REC_FLAGS,
  REC_HEADER_BYTES,
  REC_KIND,
  REC_NOW,
  REC_OFFSET,
  REC_SLOT,
  RecordKind,
} from '../../src/shared/journal-format.js';
import { growTo } from '../../src/shared/ring.js';
import { ValueKind } from '../../src/shared/value-types.js';
import type { Call } from '../commands/call.js';
import type { Keyspace } from '../keyspace/keyspace.js';
import type { StoredValue } from '../keyspace/value.js';
import { VALUE_CODECS } from '../keyspace/value-codec.js';

/** Where journal records go: a replica's stream, the log on disk. */
export interface JournalSink {
  /** The record in buf[0, length), of `slot` (NO_SLOT: of none). */
  record(buf: Buffer, length: number, slot: number): void;
}

const SCRATCH_BYTES_MIN = 64 * 1024;

export class Journal {
  /** Bytes of journal records so far: the offset WAIT and the replicas count in. */
  offset = 0;
  readonly sinks: JournalSink[] = [];
  private buf = Buffer.allocUnsafeSlow(SCRATCH_BYTES_MIN);
  private view = new DataView(this.buf.buffer, this.buf.byteOffset, this.buf.byteLength);

  constructor(
    private readonly keyspace: Keyspace,
    private readonly delOp: number,
  ) {}

  /** Continues from `offset` (a promoted replica goes on from the offset it applied). */
  startAt(offset: number): void {
    this.offset = offset;
  }

  /** The command `call` holds (opcode `op`), as it ran. */
  appendCall(op: number, call: Call): void {
    const argc = call.argc;
    const { argStart, argEnd } = call;
    let bytes = REC_HEADER_BYTES + 8;
    // A request frame holds its arguments as the record does (length, bytes, ...): when they lie
    // one after the other in the frame (they do, but inside EXEC offsets were moved), one copy.
    let contiguous = true;
    for (let i = 0; i < argc; i++) {
      bytes += 4 + argEnd[i]! - argStart[i]!;
      if (i > 0 && argStart[i]! !== argEnd[i - 1]! + 4) contiguous = false;
    }
    this.room(bytes);
    const { buf, view } = this;
    if (contiguous && argc > 0) {
      copyBytes(call.buf, argStart[0]! - 4, argEnd[argc - 1]!, buf, CMD_ARGS);
    } else {
      let p = CMD_ARGS;
      for (let i = 0; i < argc; i++) {
        const start = argStart[i]!;
        const end = argEnd[i]!;
        view.setUint32(p, end - start, true);
        copyBytes(call.buf, start, end, buf, p + 4);
        p += 4 + end - start;
      }
    }
    this.finishCommand(op, argc, call.slot, bytes);
  }

  /** A command of opcode `op` with `args` (one-byte strings), run in `slot`. */
  appendArgs(op: number, slot: number, args: readonly string[]): void {
    let bytes = REC_HEADER_BYTES + 8;
    for (const arg of args) bytes += 4 + arg.length;
    this.room(bytes);
    let p = CMD_ARGS;
    for (const arg of args) {
      this.view.setUint32(p, arg.length, true);
      writeLatin1(this.buf, p + 4, arg);
      p += 4 + arg.length;
    }
    this.finishCommand(op, args.length, slot, bytes);
  }

  /**
   * `key` as it is now: its value and deadline (one Entries record), or a DEL when it no longer
   * exists. A migration records this way a key it installed whole (a big key's last piece, a key
   * that came back on a cancel).
   */
  appendKey(slot: number, key: string): void {
    const value = this.keyspace.get(slot, key);
    if (value === undefined) {
      this.appendArgs(this.delOp, slot, [key]);
      return;
    }
    const deadline = this.keyspace.deadline(slot, key) ?? 0;
    this.room(ENTRIES_START + entrySize(key, value));
    const end = putEntryAt(this.buf, this.view, ENTRIES_START, key, value, deadline);
    this.view.setUint32(ENTRIES_KEYS, 1, true);
    this.finish(RecordKind.Entries, 0, slot, end);
  }

  /** Keys a migration brought into `slot`: `keys` entries in batch format, buf[start, end). */
  appendEntries(slot: number, keys: number, from: Buffer, start: number, end: number): void {
    const bytes = ENTRIES_START + end - start;
    this.room(bytes);
    this.view.setUint32(ENTRIES_KEYS, keys, true);
    from.copy(this.buf, ENTRIES_START, start, end);
    this.finish(RecordKind.Entries, 0, slot, bytes);
  }

  /** Every key of `slot` went (the slot moved away). */
  appendDropSlot(slot: number): void {
    this.finish(RecordKind.DropSlot, 0, slot, REC_HEADER_BYTES);
  }

  /** The shard starts importing `slot`, as import number `sequence` (keyspace.importMarks). */
  appendImportBegin(slot: number, sequence: number): void {
    this.room(IMPORT_BEGIN_BYTES);
    this.view.setFloat64(IMPORT_SEQUENCE, sequence, true);
    this.finish(RecordKind.ImportBegin, 0, slot, IMPORT_BEGIN_BYTES);
  }

  /** A key removed because its deadline passed (the keyspace's expired hook). */
  readonly expired = (slot: number, key: string): void => {
    this.appendArgs(this.delOp, slot, [key]);
  };

  private finishCommand(op: number, argc: number, slot: number, bytes: number): void {
    const view = this.view;
    view.setUint8(CMD_OP, op);
    view.setUint8(CMD_OP + 1, 0);
    view.setUint16(CMD_OP + 2, 0, true);
    view.setUint32(CMD_ARGC, argc, true);
    this.finish(RecordKind.Command, 0, slot, bytes);
  }

  private finish(kind: RecordKind, flags: number, slot: number, bytes: number): void {
    const view = this.view;
    this.offset += bytes;
    view.setUint32(0, bytes, true);
    view.setUint8(REC_KIND, kind);
    view.setUint8(REC_FLAGS, flags);
    view.setUint16(REC_SLOT, slot, true);
    view.setFloat64(REC_NOW, this.keyspace.now, true);
    view.setFloat64(REC_OFFSET, this.offset, true);
    view.setBigUint64(REC_CHECKSUM, 0n, true);
    const sinks = this.sinks;
    for (let i = 0; i < sinks.length; i++) sinks[i]!.record(this.buf, bytes, slot);
  }

  private room(bytes: number): void {
    if (bytes <= this.buf.length) return;
    this.buf = Buffer.allocUnsafeSlow(growTo(this.buf.length, bytes));
    this.view = new DataView(this.buf.buffer, this.buf.byteOffset, this.buf.byteLength);
  }
}

/**
 * Copies src[start, end) to dst at `at`. Buffer#copy costs an allocation and a call into C++ per
 * copy; most journal records are a few dozen bytes, which a loop copies faster.
 */
export function copyBytes(src: Buffer, start: number, end: number, dst: Buffer, at: number): void {
  if (end - start > 64) {
    src.copy(dst, at, start, end);
    return;
  }
  for (let i = start; i < end; i++) dst[at + i - start] = src[i]!;
}

/** Bytes of one entry in the batch format (workers/migration/batch.ts). */
export function entrySize(key: string, value: StoredValue): number {
  const payload =
    typeof value === 'string' ? value.length : VALUE_CODECS[value.kind].payloadBytes(value);
  return 4 + key.length + 5 + payload + 8;
}

/** Writes one entry in the batch format at `at`; returns where it ends. */
export function putEntryAt(
  buf: Buffer,
  view: DataView,
  at: number,
  key: string,
  value: StoredValue,
  deadline: number,
): number {
  const kind = typeof value === 'string' ? ValueKind.String : value.kind;
  const payload =
    typeof value === 'string' ? value.length : VALUE_CODECS[value.kind].payloadBytes(value);
  view.setUint32(at, key.length, true);
  writeLatin1(buf, at + 4, key);
  let p = at + 4 + key.length;
  view.setUint8(p, kind);
  view.setUint32(p + 1, payload, true);
  if (typeof value === 'string') writeLatin1(buf, p + 5, value);
  else VALUE_CODECS[value.kind].encode(value, buf, p + 5);
  p += 5 + payload;
  view.setFloat64(p, deadline, true);
  return p + 8;
}
