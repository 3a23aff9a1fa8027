// Snapshot write speed and size, with snapshotCompression 'lz4' and 'none', for three data sets:
// JSON user records (about 150 bytes), random printable strings (64 bytes: little to compress), and
// 64 KiB JSON documents. A round, per data set:
//
//   load it into a new directory with automatic snapshots off (the data is all in the log)
//   reopen with one compression, start a snapshot, wait for its commit; close
//   reopen with the other (from that snapshot), start another of the same data; close
//
// The order of the two alternates between rounds. The figures are the store's snapshot records
// (src/persistence/store.ts: keys, bytes on disk, bytes of records before compression, and the
// time from the snapshot's start to its file written, off the commit's fsync). MB/s is of the
// records before compression: the same work in both cases.
//
// Then the codecs on the same bytes: the uncompressed snapshot's records, cut in blocks of a
// snapshot turn's budget (SNAPSHOT_TURN_BYTES), through lz4-napi, and node:zlib's deflateRaw level 1, gzip at its
// default level 6 and brotli quality 1.

import { closeSync, openSync, readFileSync, readSync } from 'node:fs';
import { join } from 'node:path';
import {
  brotliCompressSync,
  brotliDecompressSync,
  constants,
  deflateRawSync,
  gunzipSync,
  gzipSync,
  inflateRawSync,
} from 'node:zlib';
import { compressSync, uncompressSync } from 'lz4-napi';
import { SlotDB } from '../src/index.js';
import { SNAPSHOT_TURN_BYTES } from '../workers/persistence/snapshot-writer.js';
import type { Figures } from './figures.js';
import {
  documentValue,
  jsonValue,
  loadKeys,
  logBytes,
  printableValue,
  removeDirectory,
  seeded,
  snapshotCommitted,
  startSnapshot,
  storeOf,
  temporaryDirectory,
  triggerOptions,
} from './persistence-setup.js';

export interface SnapshotFlags {
  readonly jsonKeys: number;
  readonly printableKeys: number;
  readonly documents: number;
  /** Bytes of records each codec compresses per pass, and the least time it is timed for. */
  readonly codecBytes: number;
  readonly codecMs: number;
}

interface DataSet {
  readonly name: string;
  readonly keys: number;
  readonly value: (i: number, random: () => number) => string;
}

export function dataSets(flags: SnapshotFlags): DataSet[] {
  return [
    { name: 'JSON records', keys: flags.jsonKeys, value: jsonValue },
    { name: '64 B printable', keys: flags.printableKeys, value: (_, r) => printableValue(64, r) },
    {
      name: '64 KiB documents',
      keys: flags.documents,
      value: (i, r) => documentValue(i, 65536, r),
    },
  ];
}

/** Growth of the log that starts a snapshot when the build has no BGSAVE (persistence-setup.ts). */
const SNAPSHOT_PERCENTAGE = 1;
/** The codecs get blocks of a snapshot turn's size, as the snapshot writer compresses them. */
const BLOCK_BYTES = SNAPSHOT_TURN_BYTES;

/** One round of one data set; returns the uncompressed snapshot's records, in blocks. */
export async function snapshotRound(
  set: DataSet,
  round: number,
  flags: SnapshotFlags,
  figures: Figures,
): Promise<Buffer[]> {
  const dir = temporaryDirectory();
  try {
    const random = seeded(3);
    const db = await SlotDB.open({
      shards: 1,
      dir,
      appendfsync: 'no',
      autoAofRewritePercentage: 0,
    });
    let dataBytes: number;
    try {
      dataBytes = await loadKeys(db, set.keys, 'key:', (i) => set.value(i, random));
    } finally {
      await db.close();
    }
    figures.record(`snapshot ${set.name}: data MB (keys and values)`, dataBytes / 1e6);
    const order = round % 2 === 0 ? (['lz4', 'none'] as const) : (['none', 'lz4'] as const);
    let blocks: Buffer[] = [];
    for (const compression of order) {
      await snapshotOnce(set, dir, compression, figures);
      if (compression === 'none') blocks = snapshotBlocks(dir, flags.codecBytes);
    }
    return blocks;
  } finally {
    removeDirectory(dir);
  }
}

async function snapshotOnce(
  set: DataSet,
  dir: string,
  compression: 'lz4' | 'none',
  figures: Figures,
): Promise<void> {
  const base = logBytes(dir);
  const db = await SlotDB.open({
    shards: 1,
    dir,
    snapshotCompression: compression,
    ...triggerOptions(SNAPSHOT_PERCENTAGE),
  });
  try {
    const before = storeOf(db).snapshots.length;
    const triggerBytes = await startSnapshot(db, dir, SNAPSHOT_PERCENTAGE, base);
    const { keys, bytes, rawBytes, ms } = await snapshotCommitted(db, before);
    const label = `snapshot ${set.name}, ${compression}`;
    figures.record(`${label}: keys`, keys);
    figures.record(`${label}: trigger MB`, triggerBytes / 1e6);
    figures.record(`${label}: records MB`, rawBytes / 1e6);
    figures.record(`${label}: file MB`, bytes / 1e6);
    figures.record(`${label}: file / records`, bytes / rawBytes);
    figures.record(`${label}: write ms`, ms);
    figures.record(`${label}: records MB/s`, rawBytes / 1e6 / (ms / 1000));
  } finally {
    await db.close();
  }
}

/** The first `bytes` of records of the uncompressed snapshot in `dir`, in blocks. */
function snapshotBlocks(dir: string, bytes: number): Buffer[] {
  // The manifest's, not any .snap: the one it replaced may not be removed yet.
  const manifest = JSON.parse(readFileSync(join(dir, 'MANIFEST'), 'utf8')) as {
    files: { snapshot: string | null }[];
  };
  const name = manifest.files[0]!.snapshot;
  if (name === null) throw new Error(`no snapshot in ${dir}`);
  const fd = openSync(join(dir, name), 'r');
  const records: Buffer[] = [];
  let total = 0;
  try {
    // File header (32 bytes), then blocks: a 24-byte header (raw, stored, codec, ...), the bytes.
    const header = Buffer.alloc(24);
    for (let at = 32; total < bytes; ) {
      if (readSync(fd, header, 0, 24, at) < 24) break;
      const stored = header.readUInt32LE(4);
      const codec = header.readUInt32LE(8);
      if (codec === 255) break;
      if (codec !== 0)
        throw new Error(`${name} is compressed: no raw records to compare codecs on`);
      const block = Buffer.alloc(stored);
      readSync(fd, block, 0, stored, at + 24);
      records.push(block);
      total += stored;
      at += 24 + stored;
    }
  } finally {
    closeSync(fd);
  }
  const all = Buffer.concat(records);
  const blocks: Buffer[] = [];
  for (let at = 0; at + BLOCK_BYTES <= Math.min(all.length, bytes); at += BLOCK_BYTES) {
    blocks.push(all.subarray(at, at + BLOCK_BYTES));
  }
  return blocks;
}

interface Codec {
  compress(block: Buffer): Buffer;
  decompress(stored: Buffer, rawBytes: number): Buffer;
}

const CODECS: Record<string, Codec> = {
  'lz4 (lz4-napi)': { compress: (b) => compressSync(b), decompress: (s) => uncompressSync(s) },
  'deflateRaw level 1': {
    compress: (b) => deflateRawSync(b, { level: 1 }),
    decompress: (s) => inflateRawSync(s),
  },
  'gzip level 6': { compress: (b) => gzipSync(b), decompress: (s) => gunzipSync(s) },
  'brotli quality 1': {
    compress: (b) =>
      brotliCompressSync(b, {
        params: {
          [constants.BROTLI_PARAM_QUALITY]: 1,
          [constants.BROTLI_PARAM_SIZE_HINT]: b.length,
        },
      }),
    decompress: (s) => brotliDecompressSync(s),
  },
};

/** Each codec over `blocks`: compress and decompress MB/s (of the records), and stored / raw. */
export function codecRound(name: string, blocks: Buffer[], flags: SnapshotFlags, figures: Figures) {
  if (blocks.length === 0) return;
  const rawBytes = blocks.length * BLOCK_BYTES;
  for (const [codecName, codec] of Object.entries(CODECS)) {
    const stored = blocks.map((block) => codec.compress(block));
    for (let i = 0; i < blocks.length; i++) {
      if (!codec.decompress(stored[i]!, BLOCK_BYTES).equals(blocks[i]!)) {
        throw new Error(`${codecName} did not give the block back`);
      }
    }
    const storedBytes = stored.reduce((sum, s) => sum + s.length, 0);
    const label = `codec ${name}, ${codecName}`;
    figures.record(`${label}: stored / raw`, storedBytes / rawBytes);
    const rate = (pass: () => void): number => {
      let passes = 0;
      const started = performance.now();
      do {
        pass();
        passes++;
      } while (performance.now() - started < flags.codecMs);
      return (passes * rawBytes) / 1e6 / ((performance.now() - started) / 1000);
    };
    figures.record(
      `${label}: compress MB/s`,
      rate(() => {
        for (const block of blocks) codec.compress(block);
      }),
    );
    figures.record(
      `${label}: decompress MB/s`,
      rate(() => {
        for (const s of stored) codec.decompress(s, BLOCK_BYTES);
      }),
    );
  }
}
