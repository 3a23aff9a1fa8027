// Recovery of one shard when a database opens on a directory: its snapshot (if the manifest names
// one), then its log from the snapshot's offset, each record applied as a replica applies its
// primary's stream (workers/replication/apply.ts). What it finds wrong it reports with the file and
// byte; what it cuts off (a torn last record) it reports as a warning.

import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { join } from 'node:path';
import { PersistenceError } from '../../src/errors.js';
import {
  B_CHECKSUM,
  B_CODEC,
  B_RAW,
  B_STORED,
  BLOCK_HEADER_BYTES,
  BlockCodec,
  checkFileHeader,
  FILE_HEADER_BYTES,
  LOG_MAGIC,
  SNAPSHOT_END_MAGIC,
  SNAPSHOT_MAGIC,
  SNAPSHOT_TRAILER_BYTES,
} from '../../src/persistence/file-format.js';
import { REC_LENGTH } from '../../src/shared/journal-format.js';
import type { RecoveryReport, ShardFiles } from '../../src/shared/persistence-messages.js';
import type { Keyspace } from '../keyspace/keyspace.js';
import { RecordApplier } from '../replication/apply.js';
import { checksumOf } from '../replication/checksum.js';
import type { LogFile } from './append-log.js';
import { type LoadPolicy, replayLog } from './log-reader.js';
import { uncompressBlock } from './lz4.js';

/** What recovery found, before the slots are listed (persistence.ts adds them). */
export type ReplayReport = Omit<RecoveryReport, 'slots' | 'importSequence'>;

/** Loads `files` into `keyspace`; returns the log, open for appending, and what it found. */
export function recover(
  dir: string,
  shard: number,
  /** The seat the slot map names for this shard's slots (commands run as that worker). */
  seat: number,
  files: ShardFiles,
  keyspace: Keyspace,
  owner: Uint16Array,
  policy: LoadPolicy,
): { log: LogFile; report: ReplayReport } {
  const started = performance.now();
  const applier = new RecordApplier(keyspace, seat, owner);
  // Records run as a replica runs them: keys expire by the DEL records the log holds.
  const { expireOnRead, expired } = keyspace;
  keyspace.expireOnRead = false;
  keyspace.expired = undefined;
  const apply = (buf: Buffer, view: DataView, at: number) => applier.apply(buf, view, at);
  try {
    let snapshotOffset = 0;
    let snapshotKeys = 0;
    if (files.snapshot !== null) {
      ({ offset: snapshotOffset, keys: snapshotKeys } = loadSnapshot(
        join(dir, files.snapshot),
        shard,
        apply,
      ));
    }
    const path = join(dir, files.log);
    const fd = openLogFile(path);
    try {
      const start = readLogStart(path, fd, shard);
      if (start !== snapshotOffset) {
        throw new PersistenceError(
          path,
          `starts at journal offset ${start}, but its snapshot holds offset ${snapshotOffset}`,
        );
      }
      const replay = replayLog(path, fd, start, apply, policy);
      const report: ReplayReport = {
        offset: replay.offset,
        keys: keyspace.keyCount,
        snapshotKeys,
        logRecords: replay.records,
        ms: performance.now() - started,
        warnings: replay.warnings,
      };
      return { log: { path, fd, size: replay.size }, report };
    } catch (error) {
      closeSync(fd);
      throw error;
    }
  } finally {
    keyspace.expireOnRead = expireOnRead;
    keyspace.expired = expired;
  }
}

export function openLogFile(path: string): number {
  try {
    return openSync(path, 'r+');
  } catch (error) {
    throw new PersistenceError(path, `cannot open the log: ${(error as Error).message}`);
  }
}

/** Checks the header of the log open at `fd`; returns the journal offset it starts at. */
export function readLogStart(path: string, fd: number, shard: number): number {
  const header = Buffer.alloc(FILE_HEADER_BYTES);
  const read = readSync(fd, header, 0, FILE_HEADER_BYTES, 0);
  return checkFileHeader(path, header.subarray(0, read), LOG_MAGIC, shard);
}

/** Applies a snapshot's records; returns the journal offset and key count its trailer gives. */
export function loadSnapshot(
  path: string,
  shard: number,
  apply: (buf: Buffer, view: DataView, at: number) => string | undefined,
): { offset: number; keys: number } {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (error) {
    throw new PersistenceError(path, `cannot open the snapshot: ${(error as Error).message}`);
  }
  try {
    const size = fstatSync(fd).size;
    const header = readExactly(fd, path, 0, FILE_HEADER_BYTES, size);
    checkFileHeader(path, header, SNAPSHOT_MAGIC, shard);
    let position = FILE_HEADER_BYTES;
    for (;;) {
      const block = readExactly(fd, path, position, BLOCK_HEADER_BYTES, size);
      const codec = block.readUInt32LE(B_CODEC);
      if (codec === BlockCodec.End) {
        const trailer = readExactly(
          fd,
          path,
          position + BLOCK_HEADER_BYTES,
          SNAPSHOT_TRAILER_BYTES,
          size,
        );
        if (trailer.toString('latin1', 0, 8) !== SNAPSHOT_END_MAGIC) {
          throw new PersistenceError(path, 'the snapshot trailer is damaged', position);
        }
        return { offset: trailer.readDoubleLE(8), keys: trailer.readDoubleLE(16) };
      }
      const rawBytes = block.readUInt32LE(B_RAW);
      const storedBytes = block.readUInt32LE(B_STORED);
      const stored = readExactly(fd, path, position + BLOCK_HEADER_BYTES, storedBytes, size);
      if (checksumOf(stored, 0, stored.length) !== block.readBigUInt64LE(B_CHECKSUM)) {
        throw new PersistenceError(
          path,
          'a snapshot block whose checksum does not match',
          position,
        );
      }
      const raw = decode(path, position, codec, stored, rawBytes);
      applyBlock(path, position, raw, apply);
      position += BLOCK_HEADER_BYTES + storedBytes;
    }
  } finally {
    closeSync(fd);
  }
}

function decode(
  path: string,
  position: number,
  codec: number,
  stored: Buffer,
  raw: number,
): Buffer {
  let bytes: Buffer;
  if (codec === BlockCodec.Stored) bytes = stored;
  else if (codec === BlockCodec.Lz4) {
    try {
      bytes = uncompressBlock(stored);
    } catch (error) {
      throw new PersistenceError(
        path,
        `an LZ4 block that does not decompress: ${(error as Error).message}`,
        position,
      );
    }
  } else throw new PersistenceError(path, `a block of unknown codec ${codec}`, position);
  if (bytes.length !== raw) {
    throw new PersistenceError(
      path,
      `a block of ${bytes.length} bytes where its header says ${raw}`,
      position,
    );
  }
  return bytes;
}

function applyBlock(
  path: string,
  position: number,
  raw: Buffer,
  apply: (buf: Buffer, view: DataView, at: number) => string | undefined,
): void {
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  let at = 0;
  while (at < raw.length) {
    const length = at + 4 <= raw.length ? view.getUint32(at + REC_LENGTH, true) : 0;
    const failed = length === 0 ? 'a record of no length' : apply(raw, view, at);
    if (failed !== undefined) {
      throw new PersistenceError(
        path,
        `a snapshot record that cannot be loaded (${failed}), in the block`,
        position,
      );
    }
    at += length;
  }
}

function readExactly(
  fd: number,
  path: string,
  position: number,
  bytes: number,
  size: number,
): Buffer {
  if (position + bytes > size) {
    throw new PersistenceError(path, 'the snapshot ends early (an incomplete file)', position);
  }
  const buf = Buffer.allocUnsafe(bytes);
  let done = 0;
  while (done < bytes) {
    const n = readSync(fd, buf, done, bytes - done, position + done);
    if (n === 0) throw new PersistenceError(path, 'the snapshot ends early', position);
    done += n;
  }
  return buf;
}
