// One slot of a full copy, as the records a replica applies (flagged Sync: they count no offset).
// A slot goes whole within one loop turn, so no write can fall between its records; but not as one
// record, which could pass the frame limit (a slot of many keys under one hash tag, a few big
// values): its keys go in Entries records of about `recordBytes` each, with a checksum, and a
// collection whose byte form passes `entryBytesMax` goes as commands that rebuild it in parts
// (RPUSH, SADD, HSET, ZADD of a bounded number of bytes each, then PEXPIREAT), since one entry
// holds a value whole and a collection may be larger than any frame.

import { COMMAND } from '../../src/commands/table.js';
import { endFrame, writeLatin1 } from '../../src/shared/codec.js';
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
  RecordFlag,
  RecordKind,
} from '../../src/shared/journal-format.js';
import { ENTRY_OVERHEAD_BYTES } from '../../src/shared/peer-frames.js';
import type { FrameWriter } from '../../src/shared/ring.js';
import { ValueKind } from '../../src/shared/value-types.js';
import type { HashValue } from '../keyspace/hash-value.js';
import type { Keyspace, SlotTable } from '../keyspace/keyspace.js';
import type { ListValue } from '../keyspace/list-value.js';
import type { SetValue } from '../keyspace/set-value.js';
import type { CollectionValue } from '../keyspace/value.js';
import type { ZSetValue } from '../keyspace/zset-value.js';
import { checksumOf } from './checksum.js';
import { entrySize, putEntryAt } from './journal.js';

/** Sizes a copy keeps to; a test may lower them to reach the splitting paths with little data. */
export interface CopyLimits {
  /** An Entries record closes once it holds this many bytes. */
  recordBytes: number;
  /** A collection whose entry would pass this goes as commands instead. */
  entryBytesMax: number;
}

export const COPY_LIMITS_DEFAULT: CopyLimits = {
  recordBytes: 1024 * 1024,
  entryBytesMax: 16 * 1024 * 1024,
};

/** Whether a copy has nothing to write for `slot`: no key, and no import mark. */
export function isEmptySlot(keyspace: Keyspace, slot: number): boolean {
  return (keyspace.table(slot)?.size ?? 0) === 0 && !keyspace.importMarks.has(slot);
}

/** Writes every key of `slot` not past its deadline to `w`; returns how many keys it wrote. */
export function copySlot(
  w: FrameWriter,
  keyspace: Keyspace,
  slot: number,
  offset: number,
  limits: CopyLimits,
): number {
  const table = keyspace.table(slot);
  const header = new RecordHeader(keyspace.now, offset, slot);
  const mark = keyspace.importMarks.get(slot);
  if (mark !== undefined) {
    // The copy carries the slot's import mark (journal-format.ts, ImportBegin) before its keys,
    // also for a slot with no key yet (an import that just began: its batches follow).
    const at = w.beginFrame(IMPORT_BEGIN_BYTES);
    w.view.setFloat64(at + IMPORT_SEQUENCE, mark, true);
    w.tail = at + IMPORT_BEGIN_BYTES;
    header.close(w, at, RecordKind.ImportBegin);
  }
  if (table === undefined) return 0;
  let start = -1;
  let keys = 0;
  let inRecord = 0;
  // The slot is stepped through by address: a string and its key go from the arena to the record
  // with no string made (nearly every entry); anything else is read as key and value.
  const cursor = table.keys();
  try {
    for (let address = cursor.step(); address !== 0; address = cursor.step()) {
      // A key past its deadline is not copied (its DEL may already be on the way).
      const deadline = table.deadlineAt(address);
      if (deadline !== 0 && deadline <= keyspace.now) continue;
      keys++;
      const keyBytes = table.keyBytesAt(address);
      const stringBytes = keyBytes < 0 ? -1 : table.stringBytesAt(address);
      const key = stringBytes < 0 ? table.keyAt(address) : '';
      const value = stringBytes < 0 ? table.valueAt(address) : '';
      const bytes =
        stringBytes < 0 ? entrySize(key, value) : ENTRY_OVERHEAD_BYTES + keyBytes + stringBytes;
      if (typeof value !== 'string' && bytes > limits.entryBytesMax) {
        if (start >= 0) header.closeEntries(w, start, inRecord);
        start = -1;
        copyInParts(w, header, key, value, deadline, limits.recordBytes);
        continue;
      }
      if (start >= 0 && w.tail - start + bytes > limits.recordBytes) {
        header.closeEntries(w, start, inRecord);
        start = -1;
      }
      if (start < 0) {
        start = w.beginFrame(ENTRIES_START);
        w.tail = start + ENTRIES_START;
        inRecord = 0;
      }
      const at = w.reserve(bytes);
      if (stringBytes < 0) w.tail = putEntryAt(w.buf, w.view, at, key, value, deadline);
      else w.tail = putListedString(w, at, table, address, keyBytes, stringBytes, deadline);
      inRecord++;
    }
  } finally {
    cursor.return();
  }
  if (start >= 0) header.closeEntries(w, start, inRecord);
  return keys;
}

/** putEntryAt() of a listed string whose key and value the arena holds; returns where it ends. */
function putListedString(
  w: FrameWriter,
  at: number,
  table: SlotTable,
  address: number,
  keyBytes: number,
  stringBytes: number,
  deadline: number,
): number {
  const view = w.view;
  view.setUint32(at, keyBytes, true);
  table.copyKeyAt(address, w.buf, at + 4);
  const p = at + 4 + keyBytes;
  view.setUint8(p, ValueKind.String);
  view.setUint32(p + 1, stringBytes, true);
  table.copyStringAt(address, w.buf, p + 5);
  view.setFloat64(p + 5 + stringBytes, deadline, true);
  return p + 5 + stringBytes + 8;
}

/** The header fields every record of one slot's copy shares. */
class RecordHeader {
  constructor(
    private readonly now: number,
    private readonly offset: number,
    private readonly slot: number,
  ) {}

  /** Writes the header of the record begun at `start` (its payload ends at w.tail) and commits. */
  close(w: FrameWriter, start: number, kind: RecordKind): void {
    const view = w.view;
    view.setUint8(start + REC_KIND, kind);
    view.setUint8(start + REC_FLAGS, RecordFlag.Sync);
    view.setUint16(start + REC_SLOT, this.slot, true);
    view.setFloat64(start + REC_NOW, this.now, true);
    view.setFloat64(start + REC_OFFSET, this.offset, true);
    const sum = checksumOf(w.buf, start + REC_HEADER_BYTES, w.tail);
    view.setBigUint64(start + REC_CHECKSUM, sum, true);
    endFrame(w, start);
  }

  closeEntries(w: FrameWriter, start: number, keys: number): void {
    w.view.setUint32(start + ENTRIES_KEYS, keys, true);
    this.close(w, start, RecordKind.Entries);
  }
}

/** Rebuilds `key`'s collection on the replica with commands of about `partBytes` each. */
function copyInParts(
  w: FrameWriter,
  header: RecordHeader,
  key: string,
  value: CollectionValue,
  deadline: number,
  partBytes: number,
): void {
  const command = new CommandParts(w, header, key, partBytes);
  switch (value.kind) {
    case ValueKind.List: {
      const list = value as ListValue;
      command.op = COMMAND.rpush.op;
      for (let i = 0; i < list.size; i++) command.add(list.at(i));
      break;
    }
    case ValueKind.Set:
      command.op = COMMAND.sadd.op;
      (value as SetValue).forEach((member) => {
        command.add(member);
      });
      break;
    case ValueKind.Hash: {
      const hash = value as HashValue;
      command.op = COMMAND.hset.op;
      for (let i = 0; i < hash.size; i++) command.add(hash.fieldAt(i), hash.valueAt(i));
      break;
    }
    default:
      command.op = COMMAND.zadd.op;
      (value as ZSetValue).walk(0, value.size, false, (member, score) => {
        command.add(scoreText(score), member);
      });
  }
  command.close();
  if (deadline !== 0) {
    command.op = COMMAND.pexpireat.op;
    command.add(String(deadline));
    command.close();
  }
}

/** A score as text that parses back to the same double. */
function scoreText(score: number): string {
  if (score === Number.POSITIVE_INFINITY) return 'inf';
  if (score === Number.NEGATIVE_INFINITY) return '-inf';
  return Object.is(score, -0) ? '-0' : String(score);
}

/** Command records `op key args...`, each closed once it holds about `partBytes`. */
class CommandParts {
  op = 0;
  private start = -1;
  private argc = 0;

  constructor(
    private readonly w: FrameWriter,
    private readonly header: RecordHeader,
    private readonly key: string,
    private readonly partBytes: number,
  ) {}

  /** Adds arguments that must stay together (a field and its value, a score and its member). */
  add(first: string, second?: string): void {
    if (this.start >= 0 && this.w.tail - this.start >= this.partBytes) this.close();
    if (this.start < 0) this.open();
    this.put(first);
    if (second !== undefined) this.put(second);
  }

  close(): void {
    if (this.start < 0) return;
    const view = this.w.view;
    view.setUint8(this.start + CMD_OP, this.op);
    view.setUint8(this.start + CMD_OP + 1, 0);
    view.setUint16(this.start + CMD_OP + 2, 0, true);
    view.setUint32(this.start + CMD_ARGC, this.argc, true);
    this.header.close(this.w, this.start, RecordKind.Command);
    this.start = -1;
  }

  private open(): void {
    this.start = this.w.beginFrame(CMD_ARGS);
    this.w.tail = this.start + CMD_ARGS;
    this.argc = 0;
    this.put(this.key);
  }

  private put(arg: string): void {
    const w = this.w;
    const at = w.reserve(4 + arg.length);
    w.view.setUint32(at, arg.length, true);
    writeLatin1(w.buf, at + 4, arg);
    w.tail = at + 4 + arg.length;
    this.argc++;
  }
}
