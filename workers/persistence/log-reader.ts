// Reading a shard's log back at recovery: the records in order, each checked (its length, its
// checksum, its offset chaining on the one before, a kind the journal writes) and applied.
//
// A bad record at the very end is a torn write: the process died while writing it. It is cut off
// with a warning (Redis's aof-load-truncated), or refused when `loadTruncated` is false. A bad
// record with good bytes after it is corruption: the open is refused with an error naming the file
// and the byte, unless `loadCorrupt` is 'truncate' (as redis-check-aof --fix does): then a copy of
// the whole file is kept beside it and the log is cut before the bad record.

import { copyFileSync, fstatSync, ftruncateSync, readSync } from 'node:fs';
import { PersistenceError } from '../../src/errors.js';
import { FILE_HEADER_BYTES } from '../../src/persistence/file-format.js';
import {
  REC_CHECKSUM,
  REC_FLAGS,
  REC_HEADER_BYTES,
  REC_KIND,
  REC_OFFSET,
  RecordKind,
} from '../../src/shared/journal-format.js';
import { checksumOf } from '../replication/checksum.js';

export interface LoadPolicy {
  /** A torn last record is cut off (true, the default) or refused. */
  readonly loadTruncated: boolean;
  /** A corrupt record in the middle is refused (the default) or the log is cut before it. */
  readonly loadCorrupt: 'refuse' | 'truncate';
}

/** Applies one record at buf[at]; returns why it could not be applied, or undefined. */
export type ApplyRecord = (buf: Buffer, view: DataView, at: number) => string | undefined;

export interface LogReplay {
  /** The journal offset after the last good record. */
  readonly offset: number;
  /** The file's size once read (and cut, if it was). */
  readonly size: number;
  readonly records: number;
  readonly warnings: string[];
}

const CHUNK_BYTES = 8 * 1024 * 1024;

const LOG_KINDS = new Set<number>([
  RecordKind.Command,
  RecordKind.Entries,
  RecordKind.DropSlot,
  RecordKind.ImportBegin,
]);

/**
 * Reads the log open at `fd`, whose records start at journal offset `start`, applying each good
 * record from journal offset `from` on (a promoted replica applies only what it lacks).
 */
export function replayLog(
  path: string,
  fd: number,
  start: number,
  apply: ApplyRecord,
  policy: LoadPolicy,
  from = start,
): LogReplay {
  const fileSize = fstatSync(fd).size;
  const reader = new ChunkReader(fd, fileSize);
  let position = FILE_HEADER_BYTES + from - start; // the next record
  if (position > fileSize) {
    throw new PersistenceError(path, `the log ends before journal offset ${from}`, fileSize);
  }
  let offset = from;
  let records = 0;
  const warnings: string[] = [];
  while (position < fileSize) {
    let at = reader.ensure(position, REC_HEADER_BYTES);
    if (reader.end - at >= REC_HEADER_BYTES) {
      const length = lengthAt(reader.view, at);
      if (length > REC_HEADER_BYTES) at = reader.ensure(position, length);
    }
    const { buf, view } = reader;
    let problem = checkRecord(buf, view, at, reader.end, offset);
    if (problem !== undefined) {
      const length = reader.end - at >= 4 ? lengthAt(view, at) : 0;
      let last = length < REC_HEADER_BYTES || position + length >= fileSize;
      // A record that seems to run past the end may be a middle one whose length was damaged:
      // it is a torn write only if no good record follows it.
      const next = last ? goodRecordAfter(fd, position, fileSize, offset) : -1;
      if (next >= 0) {
        last = false;
        problem = `${problem} (a good record follows at byte ${next})`;
      }
      return cut(path, fd, position, offset, records, warnings, problem, last, policy);
    }
    const failed = apply(buf, view, at);
    if (failed !== undefined) {
      return cut(path, fd, position, offset, records, warnings, failed, false, policy);
    }
    offset = view.getFloat64(at + REC_OFFSET, true);
    position += lengthAt(view, at);
    records++;
  }
  return { offset, size: fileSize, records, warnings };
}

/** A window of a file read in chunks: file bytes [start, start + end) are in buf[0, end). */
class ChunkReader {
  buf = Buffer.allocUnsafeSlow(CHUNK_BYTES);
  view = new DataView(this.buf.buffer, this.buf.byteOffset, this.buf.byteLength);
  private start = 0;
  end = 0;

  constructor(
    private readonly fd: number,
    private readonly fileSize: number,
  ) {}

  /** Brings file bytes [position, position + bytes) into buf (fewer at the file's end). */
  ensure(position: number, bytes: number): number {
    const want = Math.min(bytes, this.fileSize - position);
    const local = position - this.start;
    if (local >= 0 && local + want <= this.end) return local;
    const keep = local >= 0 && local < this.end ? this.end - local : 0;
    if (want > this.buf.length) {
      const next = Buffer.allocUnsafeSlow(want + CHUNK_BYTES);
      this.buf.copy(next, 0, local, local + keep);
      this.buf = next;
      this.view = new DataView(next.buffer, next.byteOffset, next.byteLength);
    } else if (keep > 0) {
      this.buf.copy(this.buf, 0, local, local + keep);
    }
    this.start = position;
    this.end = keep + readInto(this.fd, this.buf, keep, position + keep, this.fileSize);
    return 0;
  }
}

function lengthAt(view: DataView, at: number): number {
  return view.getUint32(at, true);
}

/** Reads file bytes [from, fileSize) into buf at `into`, as many as fit. Returns how many. */
function readInto(fd: number, buf: Buffer, into: number, from: number, fileSize: number): number {
  let done = 0;
  const want = Math.min(buf.length - into, fileSize - from);
  while (done < want) {
    const n = readSync(fd, buf, into + done, want - done, from + done);
    if (n === 0) break;
    done += n;
  }
  return done;
}

/** Why the record at buf[at] (of bufEnd bytes read) is not a good log record, or undefined. */
function checkRecord(
  buf: Buffer,
  view: DataView,
  at: number,
  bufEnd: number,
  offset: number,
): string | undefined {
  if (bufEnd - at < REC_HEADER_BYTES) return 'a record header runs past the end of the file';
  const length = lengthAt(view, at);
  if (length < REC_HEADER_BYTES) return `a record of ${length} bytes (shorter than its header)`;
  if (at + length > bufEnd) return `a record of ${length} bytes runs past the end of the file`;
  const stored = view.getBigUint64(at + REC_CHECKSUM, true);
  view.setBigUint64(at + REC_CHECKSUM, 0n, true);
  const sum = checksumOf(buf, at, at + length);
  view.setBigUint64(at + REC_CHECKSUM, stored, true);
  if (sum !== stored) return 'a record whose checksum does not match its bytes';
  if (!LOG_KINDS.has(buf[at + REC_KIND]!) || buf[at + REC_FLAGS]! !== 0) {
    return `a record of kind ${buf[at + REC_KIND]} flags ${buf[at + REC_FLAGS]}, which no log holds`;
  }
  const next = view.getFloat64(at + REC_OFFSET, true);
  if (next !== offset + length) {
    return `a record ending at journal offset ${next} where ${offset + length} follows`;
  }
  return undefined;
}

/**
 * The byte of the first good log record (whole, its checksum right, ending past journal offset
 * `offset`) after a bad one at `position`, or -1. Slow, but only a damaged log comes here.
 */
function goodRecordAfter(fd: number, position: number, fileSize: number, offset: number): number {
  const chunk = Buffer.allocUnsafeSlow(Math.min(CHUNK_BYTES, fileSize - position));
  const view = new DataView(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  for (let base = position + 1; base + REC_HEADER_BYTES <= fileSize; ) {
    const bytes = readInto(fd, chunk, 0, base, fileSize);
    const end = bytes - REC_HEADER_BYTES;
    for (let at = 0; at <= end; at++) {
      const length = view.getUint32(at, true);
      if (length < REC_HEADER_BYTES || base + at + length > fileSize) continue;
      if (!LOG_KINDS.has(chunk[at + REC_KIND]!) || chunk[at + REC_FLAGS] !== 0) continue;
      const next = view.getFloat64(at + REC_OFFSET, true);
      if (!(next >= offset + REC_HEADER_BYTES + length)) continue;
      const record = Buffer.allocUnsafe(length);
      readInto(fd, record, 0, base + at, base + at + length);
      const recordView = new DataView(record.buffer, record.byteOffset, record.byteLength);
      if (checkRecord(record, recordView, 0, length, next - length) === undefined) {
        return base + at;
      }
    }
    base += end + 1;
  }
  return -1;
}

/** A bad record at `position`: cut the log there, or refuse, as the policy says. */
function cut(
  path: string,
  fd: number,
  position: number,
  offset: number,
  records: number,
  warnings: string[],
  problem: string,
  last: boolean,
  policy: LoadPolicy,
): LogReplay {
  if (last && policy.loadTruncated) {
    ftruncateSync(fd, position);
    warnings.push(
      `${path}: the last record was torn (${problem}) at byte ${position}; cut off, the log holds ${records} records up to journal offset ${offset}`,
    );
    return { offset, size: position, records, warnings };
  }
  if (!last && policy.loadCorrupt === 'truncate') {
    const copy = `${path}.corrupt-${Date.now()}`;
    copyFileSync(path, copy);
    ftruncateSync(fd, position);
    warnings.push(
      `${path}: ${problem} at byte ${position}; the log was cut there (${records} records kept), the whole file is kept as ${copy}`,
    );
    return { offset, size: position, records, warnings };
  }
  const hint = last
    ? 'the last record is torn; open with aofLoadTruncated: true to cut it off'
    : `open with aofLoadCorrupt: 'truncate' to load the ${records} records before it (the file is kept)`;
  throw new PersistenceError(path, `${problem}; ${hint}`, position);
}
