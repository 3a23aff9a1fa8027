// The files of a data directory, as bytes. Both sides read them: the opening thread creates a
// shard's first log, the shard writes its log and snapshots and reads them back at recovery.
//
// A log file (shard-<n>-<generation>.log):
//
//   0  8 bytes  'SLOTDBLG'
//   8  u32      format version (FORMAT_VERSION; a newer one is refused)
//  12  u32      the shard
//  16  f64      the journal offset the log starts at (its snapshot's offset, 0 for the first log)
//  24  8 bytes  0
//  32           journal records (src/shared/journal-format.ts), each checksummed: XXH64 of the
//               whole record with its checksum field read as 0. A record's offset field is the
//               offset just past it, so the records of a log chain: each one's offset is the one
//               before plus its length, and the byte of offset o is at 32 + o - start.
//
// A snapshot file (shard-<n>-<generation>.snap), written while the shard serves:
//
//   0  8 bytes  'SLOTDBSN'
//   8  u32      format version
//  12  u32      the shard
//  16  16 bytes 0
//  32           blocks: a 24-byte header (u32 raw bytes, u32 stored bytes, u32 codec: 0 stored,
//               1 LZ4; u32 0; u64 XXH64 of the stored bytes), then the stored bytes. Raw, the
//               blocks are one run of journal records flagged Sync: the slots as a full copy sends
//               them, and the journal records made meanwhile for slots already written. Applied in
//               order, they give the shard's keys as of the snapshot's offset.
//   end         a block header of codec END and 0 bytes, then 'SLOTDBEN', f64 the journal offset
//               the snapshot holds, f64 its keys, 8 bytes 0. A file without it is incomplete.

import { PersistenceError } from '../errors.js';

export const FORMAT_VERSION = 1;
export const LOG_MAGIC = 'SLOTDBLG';
export const SNAPSHOT_MAGIC = 'SLOTDBSN';
export const SNAPSHOT_END_MAGIC = 'SLOTDBEN';
export const FILE_HEADER_BYTES = 32;
export const BLOCK_HEADER_BYTES = 24;
export const SNAPSHOT_TRAILER_BYTES = 32;

export const BlockCodec = { Stored: 0, Lz4: 1, End: 255 } as const;

/** Offsets in a file header. */
const H_VERSION = 8;
const H_SHARD = 12;
const H_START = 16;

/** Offsets in a block header. */
export const B_RAW = 0;
export const B_STORED = 4;
export const B_CODEC = 8;
export const B_CHECKSUM = 16;

/** The header of a log or snapshot file of `shard`; a log's starts at journal offset `start`. */
export function fileHeader(magic: string, shard: number, start = 0): Buffer {
  const header = Buffer.alloc(FILE_HEADER_BYTES);
  header.write(magic, 0, 'latin1');
  header.writeUInt32LE(FORMAT_VERSION, H_VERSION);
  header.writeUInt32LE(shard, H_SHARD);
  header.writeDoubleLE(start, H_START);
  return header;
}

/**
 * Checks a file header read from `file`: its magic, version and shard. Returns the journal offset
 * a log starts at. Throws a PersistenceError naming the file otherwise.
 */
export function checkFileHeader(
  file: string,
  header: Buffer,
  magic: string,
  shard: number,
): number {
  const what = magic === LOG_MAGIC ? 'log' : 'snapshot';
  if (header.length < FILE_HEADER_BYTES || header.toString('latin1', 0, 8) !== magic) {
    throw new PersistenceError(file, `not a slotdb ${what} file (its header is not one)`);
  }
  const version = header.readUInt32LE(H_VERSION);
  if (version > FORMAT_VERSION) {
    throw new PersistenceError(
      file,
      `written by a newer slotdb (format version ${version}; this one reads up to ${FORMAT_VERSION})`,
    );
  }
  if (version < 1) throw new PersistenceError(file, `unknown format version ${version}`);
  const owner = header.readUInt32LE(H_SHARD);
  if (owner !== shard) {
    throw new PersistenceError(file, `belongs to shard ${owner}, not to shard ${shard}`);
  }
  const start = header.readDoubleLE(H_START);
  if (!Number.isFinite(start) || start < 0) {
    throw new PersistenceError(file, `starts at an impossible journal offset ${start}`);
  }
  return start;
}

/** File names in a data directory. */
export function logName(shard: number, generation: number): string {
  return `shard-${shard}-${generation}.log`;
}

export function snapshotName(shard: number, generation: number): string {
  return `shard-${shard}-${generation}.snap`;
}

/** Names of files slotdb writes in a data directory (anything else there is left alone). */
export const DATA_FILE_PATTERN = /^shard-\d+-\d+\.(log|snap|snap\.tmp)$/;
