// Snapshots written and read back, without workers: every value type (strings of any bytes, lists,
// sets, hashes, sorted sets with ±inf and -0 scores, keys with deadlines, collections big enough to
// go "in parts" as commands) comes back through snapshot + log, compressed or stored, with writes
// made while the snapshot was being written; random commands of every type with snapshots taken
// mid-run recover to the primary's keys. A snapshot with a damaged block, a damaged trailer or no
// trailer (an incomplete file) is refused with a PersistenceError naming the file and the block.

import { createHash } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { PersistenceError } from '../../src/errors.js';
import {
  B_CODEC,
  B_STORED,
  BLOCK_HEADER_BYTES,
  BlockCodec,
  FILE_HEADER_BYTES,
} from '../../src/persistence/file-format.js';
import { REC_FLAGS, REC_KIND, RecordFlag, RecordKind } from '../../src/shared/journal-format.js';
import { uncompressBlock } from '../../workers/persistence/lz4.js';
import { type Arg, randomCommand } from '../support/commands.js';
import { randomHashCommand } from '../support/hash-commands.js';
import { randomListCommand } from '../support/list-commands.js';
import { LogHarness, liveKeys, T0 } from '../support/log-harness.js';
import { fuzzSeed, Random } from '../support/random.js';
import { randomSetCommand } from '../support/sets-commands.js';
import { randomZsetCommand } from '../support/zset-commands.js';

let harness: LogHarness | undefined;

afterEach(() => {
  harness?.close();
  harness = undefined;
});

function start(): LogHarness {
  harness = new LogHarness();
  return harness;
}

/** Keys of every type, and a few with deadlines. */
function everyType(h: LogHarness, prefix: string): void {
  h.run(['SET', `${prefix}s`, 'plain']);
  h.run(['SET', `${prefix}empty`, '']);
  h.run(['SET', `${prefix}bin`, Buffer.from([0, 0xff, 0x80, 10, 13, 0])]);
  h.run(['SET', `${prefix}ü`, 'ünïcödé', 'PX', '3600000']);
  h.run(['SET', `${prefix}n`, '9223372036854775807']);
  h.run(['RPUSH', `${prefix}list`, 'a', '', 'ü', Buffer.from([0xfe])]);
  h.run(['LPUSH', `${prefix}list`, 'head']);
  h.run(['SADD', `${prefix}set`, 'm1', 'm2', '', '17']);
  h.run(['SADD', `${prefix}intset`, '1', '2', '-3', '9223372036854775807']);
  h.run(['HSET', `${prefix}hash`, 'f', 'v', '', 'empty field', 'ü', Buffer.from([0])]);
  h.run(['ZADD', `${prefix}z`, 'inf', 'top', '-inf', 'bottom', '-0', 'negzero', '0', 'zero']);
  h.run(['ZADD', `${prefix}z`, '1e308', 'big', '-2.5', 'neg', '0.1', 'tenth']);
  h.run(['ZADD', `${prefix}zsame`, '1', 'a', '1', 'b', '1', 'c']);
  h.run(['ZINCRBY', `${prefix}z`, '-0', 'negzero2']);
  h.run(['EXPIRE', `${prefix}list`, '7200']);
  h.run(['PEXPIREAT', `${prefix}z`, String(T0 + 86_400_000)]);
  h.run(['HSET', `${prefix}ttlhash`, 'x', '1']);
  h.run(['PEXPIRE', `${prefix}ttlhash`, '5000']);
}

describe('every value type through snapshot and log', () => {
  for (const compress of [true, false]) {
    it(`comes back (${compress ? 'LZ4' : 'stored'} blocks), with writes made during the snapshot`, () => {
      const h = start();
      // Not written yet when the snapshot ends (as a SAVE after writes of the same batch finds
      // them): they belong to the old log only, before the new one's start.
      everyType(h, 'a:');
      let turn = 0;
      h.snapshot(
        compress,
        // Writes between the snapshot's turns: to slots written already and to slots not yet.
        () => {
          turn++;
          h.run(['SET', `during${turn}`, String(turn)]);
          h.run(['RPUSH', 'a:list', `during${turn}`]);
          h.run(['ZINCRBY', 'a:z', '1', 'neg']);
          if (turn === 2) h.run(['DEL', 'a:set']);
        },
        () => everyType(h, 'b:'),
      );
      everyType(h, 'c:');
      h.sync();
      const { keyspace, report } = h.recover();
      expect(report.snapshotKeys).toBeGreaterThan(10);
      expect(report.warnings).toEqual([]);
      expect(liveKeys(keyspace, T0)).toEqual(h.expected());
      // The infinite scores are there (a score of -0 is kept as 0 by ZADD, as Redis does).
      expect(h.expected().find((line) => line.includes('"c:z"'))).toMatch(/-Infinity.*Infinity/);
    });
  }

  it('collections bigger than one entry go in parts and come back whole', () => {
    const h = start();
    const mib = (i: number) => `${String(i).padStart(4, '0')}${'x'.repeat(1024 * 1024)}`;
    for (let i = 0; i < 17; i++) {
      h.run(['RPUSH', 'big:list', mib(i)]);
      h.run(['SADD', 'big:set', mib(i)]);
      h.run(['HSET', 'big:hash', `f${i}`, mib(i)]);
      const score = i === 0 ? '-inf' : i === 1 ? 'inf' : i === 2 ? '-0' : String(i / 3);
      h.run(['ZADD', 'big:z', score, mib(i)]);
    }
    h.run(['PEXPIRE', 'big:hash', '600000']);
    h.run(['SET', 'small', 'x']);
    const name = h.snapshot(true);
    h.sync();
    const kinds = snapshotRecords(h.read(name)).map(([kind]) => kind);
    // The four collections went as commands (RPUSH/SADD/HSET/ZADD parts, and a PEXPIREAT).
    expect(kinds.filter((kind) => kind === RecordKind.Command).length).toBeGreaterThanOrEqual(5);
    const { keyspace } = h.recover();
    expect(digest(liveKeys(keyspace, T0))).toEqual(digest(h.expected()));
    expect(keyspace.keyCount).toBe(5);
  });

  it('random commands of every type, with snapshots mid-run, recover to the primary’s keys', () => {
    const seed = fuzzSeed();
    const r = new Random(seed);
    const h = start();
    for (let step = 0; step < 3000; step++) {
      h.run(anyCommand(r));
      if (r.chance(0.3)) h.sync();
      if (step % 1000 === 500) {
        h.snapshot(r.chance(0.5), () => {
          for (let i = r.int(4); i > 0; i--) h.run(anyCommand(r));
        });
      }
    }
    h.sync();
    const { keyspace } = h.recover();
    expect(liveKeys(keyspace, h.pair.primary.now), `seed ${seed}`).toEqual(h.expected());
  });
});

function anyCommand(r: Random): Arg[] {
  switch (r.int(5)) {
    case 0:
      return randomCommand(r);
    case 1:
      return randomListCommand(r);
    case 2:
      return randomHashCommand(r);
    case 3:
      return randomSetCommand(r).args;
    default:
      return randomZsetCommand(r);
  }
}

/** The lines' digests (values of megabytes would make an unreadable diff). */
function digest(lines: string[]): string[] {
  return lines.map((line) => createHash('sha256').update(line).digest('hex'));
}

/** The blocks of a snapshot file: where each starts, its codec and stored bytes. */
function snapshotBlocks(bytes: Buffer): { position: number; codec: number; stored: number }[] {
  const blocks = [];
  let position = FILE_HEADER_BYTES;
  for (;;) {
    const codec = bytes.readUInt32LE(position + B_CODEC);
    const stored = bytes.readUInt32LE(position + B_STORED);
    blocks.push({ position, codec, stored });
    if (codec === BlockCodec.End) return blocks;
    position += BLOCK_HEADER_BYTES + stored;
  }
}

/** Every record of a snapshot file as [kind, flags]. */
function snapshotRecords(bytes: Buffer): [number, number][] {
  const records: [number, number][] = [];
  for (const block of snapshotBlocks(bytes)) {
    if (block.codec === BlockCodec.End) break;
    const at = block.position + BLOCK_HEADER_BYTES;
    const stored = bytes.subarray(at, at + block.stored);
    const raw = block.codec === BlockCodec.Lz4 ? uncompressBlock(stored) : stored;
    for (let p = 0; p < raw.length; p += raw.readUInt32LE(p)) {
      records.push([raw[p + REC_KIND]!, raw[p + REC_FLAGS]!]);
    }
  }
  for (const [, flags] of records) expect(flags).toBe(RecordFlag.Sync);
  return records;
}

/** A snapshot of many slots (several blocks) and the harness whose files name it. */
function writeSnapshot(compress: boolean): { h: LogHarness; name: string; bytes: Buffer } {
  const h = start();
  for (let i = 0; i < 6000; i++) h.run(['SET', `key${i}`, `value${i}`.repeat(8)]);
  const name = h.snapshot(compress);
  h.sync();
  return { h, name, bytes: h.read(name) };
}

function refusal(h: LogHarness): PersistenceError {
  try {
    h.recover();
  } catch (error) {
    expect(error).toBeInstanceOf(PersistenceError);
    return error as PersistenceError;
  }
  throw new Error('the snapshot was loaded');
}

describe('a damaged snapshot is refused', () => {
  for (const compress of [true, false]) {
    const how = compress ? 'LZ4' : 'stored';
    it(`a byte changed in any block (${how}): the block's checksum names it`, () => {
      const { h, name, bytes } = writeSnapshot(compress);
      const blocks = snapshotBlocks(bytes).filter((block) => block.codec !== BlockCodec.End);
      expect(blocks.length).toBeGreaterThan(1);
      for (const block of blocks) {
        for (const within of [0, block.stored >> 1, block.stored - 1]) {
          const bad = Buffer.from(bytes);
          bad[block.position + BLOCK_HEADER_BYTES + within]! ^= 0x10;
          h.write(name, bad);
          const error = refusal(h);
          expect(error.file).toBe(h.path(name));
          expect(error.offset).toBe(block.position);
          expect(error.problem).toMatch(/checksum/);
        }
      }
    });

    it(`a damaged block header (${how}): its raw size or codec`, () => {
      const { h, name, bytes } = writeSnapshot(compress);
      const block = snapshotBlocks(bytes)[1]!;
      for (const [field, value] of [
        [0, 1],
        [B_CODEC, 7],
      ]) {
        const bad = Buffer.from(bytes);
        bad.writeUInt32LE(value!, block.position + field!);
        h.write(name, bad);
        const error = refusal(h);
        expect(error.file).toBe(h.path(name));
        expect(error.offset).toBe(block.position);
      }
    });
  }

  it('without its trailer, cut anywhere: an incomplete file', () => {
    const { h, name, bytes } = writeSnapshot(true);
    const blocks = snapshotBlocks(bytes);
    const end = blocks[blocks.length - 1]!.position;
    const cuts = [FILE_HEADER_BYTES + 5, ...blocks.map((block) => block.position), end + 3];
    for (const cut of [...cuts, end + BLOCK_HEADER_BYTES + 4, bytes.length - 1]) {
      h.write(name, bytes.subarray(0, cut));
      const error = refusal(h);
      expect(error.file, `cut at ${cut}`).toBe(h.path(name));
      expect(error.problem, `cut at ${cut}`).toMatch(/ends early|incomplete/);
    }
  });

  it('with a damaged trailer', () => {
    const { h, name, bytes } = writeSnapshot(false);
    const bad = Buffer.from(bytes);
    bad[bytes.length - 32]! ^= 0x01;
    h.write(name, bad);
    const error = refusal(h);
    expect(error.file).toBe(h.path(name));
    expect(error.problem).toMatch(/trailer/);
  });
});
