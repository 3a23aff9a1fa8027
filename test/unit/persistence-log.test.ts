// A shard's log read back at recovery, without workers: records written by the AppendLog come back
// as the keys they made; a last record torn at any byte (in its header or its payload) is cut off
// with a warning and the file truncated before it, or refused with aofLoadTruncated false; a
// damaged record with good records after it (a byte of its payload, its length, its offset) is
// refused with a PersistenceError naming the file and the record's byte, or, with aofLoadCorrupt
// 'truncate', the log is loaded up to it and the whole file kept as a .corrupt-* copy.

import { readdirSync, statSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { PersistenceError } from '../../src/errors.js';
import { FILE_HEADER_BYTES } from '../../src/persistence/file-format.js';
import { REC_KIND, REC_LENGTH, REC_OFFSET } from '../../src/shared/journal-format.js';
import { dumpKeyspace } from '../support/journal-pair.js';
import { LogHarness } from '../support/log-harness.js';

let harness: LogHarness | undefined;

afterEach(() => {
  harness?.close();
  harness = undefined;
});

/** Commands of every type, each one record. */
const COMMANDS: string[][] = [
  ['SET', 'a', 'one'],
  ['RPUSH', 'list', 'x', 'y', 'z'],
  ['SADD', 'set', 'm1', 'm2'],
  ['HSET', 'hash', 'f1', 'v1', 'f2', 'v2'],
  ['ZADD', 'zset', '1.5', 'p', '-inf', 'q'],
  ['INCR', 'counter'],
  ['SET', 'b', 'two', 'PX', '100000'],
  ['LPOP', 'list'],
  ['DEL', 'a'],
  ['INCRBY', 'counter', '41'],
  ['HDEL', 'hash', 'f1'],
  ['APPEND', 'b', '-more'],
];

/** A log of COMMANDS, and the primary's keys after each count of them (dumps[0]: none). */
function writeLog(): { h: LogHarness; bytes: Buffer; starts: number[]; dumps: string[][] } {
  const h = new LogHarness();
  harness = h;
  const dumps = [h.expected()];
  for (const args of COMMANDS) {
    h.run(args);
    // One write per record here, as a loop turn of one request writes it.
    h.sync();
    dumps.push(dumpKeyspace(h.pair.primary));
  }
  const bytes = h.read(h.files.log);
  return { h, bytes, starts: recordStarts(bytes), dumps };
}

/** Where each record of a log file starts, and (last) where the file ends. */
function recordStarts(bytes: Buffer): number[] {
  const starts: number[] = [];
  let at = FILE_HEADER_BYTES;
  while (at < bytes.length) {
    starts.push(at);
    at += bytes.readUInt32LE(at + REC_LENGTH);
  }
  expect(at).toBe(bytes.length);
  return [...starts, at];
}

function refusal(h: LogHarness, policy = { loadTruncated: true, loadCorrupt: 'refuse' as const }) {
  try {
    h.recover(policy);
  } catch (error) {
    expect(error).toBeInstanceOf(PersistenceError);
    return error as PersistenceError;
  }
  throw new Error('the log was loaded');
}

describe('the log read back', () => {
  it('gives the keys its records made, with the journal offset and record count', () => {
    const { h, starts, dumps } = writeLog();
    const { keyspace, report } = h.recover();
    expect(dumpKeyspace(keyspace)).toEqual(dumps[COMMANDS.length]);
    expect(report.logRecords).toBe(COMMANDS.length);
    expect(report.offset).toBe(h.pair.journal.offset);
    expect(report.offset).toBe(starts[starts.length - 1]! - FILE_HEADER_BYTES);
    expect(report.warnings).toEqual([]);
  });

  it('goes on after a reopen: records appended later chain on the ones read', () => {
    const { h, dumps } = writeLog();
    const first = h.recover();
    expect(dumpKeyspace(first.keyspace)).toEqual(dumps[COMMANDS.length]);
    h.run(['SET', 'later', 'x']);
    h.sync();
    const second = h.recover();
    expect(dumpKeyspace(second.keyspace)).toEqual(dumpKeyspace(h.pair.primary));
    expect(second.report.logRecords).toBe(COMMANDS.length + 1);
  });
});

describe('a torn last record', () => {
  it('cut at every byte (header or payload) is cut off with a warning, the file truncated', () => {
    const { h, bytes, starts, dumps } = writeLog();
    const last = starts[starts.length - 2]!;
    const end = starts[starts.length - 1]!;
    for (let cut = last + 1; cut < end; cut++) {
      h.write(h.files.log, bytes.subarray(0, cut));
      const { keyspace, report } = h.recover();
      const where = `cut at byte ${cut} (record ${last}..${end})`;
      expect(dumpKeyspace(keyspace), where).toEqual(dumps[COMMANDS.length - 1]);
      expect(report.logRecords, where).toBe(COMMANDS.length - 1);
      expect(report.warnings, where).toHaveLength(1);
      expect(report.warnings[0], where).toMatch(/torn/);
      expect(report.warnings[0], where).toContain(`at byte ${last}`);
      expect(statSync(h.logPath).size, where).toBe(last);
    }
  });

  it('a tail of zeros (a file extended but not written) is cut off the same way', () => {
    const { h, bytes, dumps } = writeLog();
    h.write(h.files.log, Buffer.concat([bytes, Buffer.alloc(100)]));
    const { keyspace, report } = h.recover();
    expect(dumpKeyspace(keyspace)).toEqual(dumps[COMMANDS.length]);
    expect(report.warnings).toHaveLength(1);
    expect(statSync(h.logPath).size).toBe(bytes.length);
  });

  it('is refused with aofLoadTruncated false, naming the file and the record’s byte', () => {
    const { h, bytes, starts } = writeLog();
    const last = starts[starts.length - 2]!;
    for (const cut of [last + 3, last + 31, last + 33, bytes.length - 1]) {
      h.write(h.files.log, bytes.subarray(0, cut));
      const error = refusal(h, { loadTruncated: false, loadCorrupt: 'refuse' });
      expect(error.file).toBe(h.logPath);
      expect(error.offset).toBe(last);
      expect(error.message).toContain('aofLoadTruncated');
      // Nothing was cut.
      expect(statSync(h.logPath).size).toBe(cut);
    }
  });
});

/** Damages in record `index` of a log: [what, byte within the record, new byte value]. */
function damages(bytes: Buffer, start: number): [string, number, number][] {
  const length = bytes.readUInt32LE(start);
  return [
    ['a payload byte', 40, bytes[start + 40]! ^ 0x01],
    ['the last payload byte', length - 1, bytes[start + length - 1]! ^ 0x80],
    ['the length, one more', REC_LENGTH, bytes[start]! + 1],
    ['the length, one less', REC_LENGTH, bytes[start]! - 1],
    ['the length, huge', REC_LENGTH + 3, 0x7f],
    ['the length, past the file', REC_LENGTH + 2, 0x01],
    ['the length, below a header', REC_LENGTH, 0x08],
    ['the offset field', REC_OFFSET + 7, bytes[start + REC_OFFSET + 7]! ^ 0x40],
    ['the offset field, low byte', REC_OFFSET, bytes[start + REC_OFFSET]! ^ 0x01],
    ['the kind', REC_KIND, 0x09],
  ];
}

describe('a corrupt record in the middle', () => {
  for (const [what] of damages(Buffer.alloc(200, 7), 0)) {
    it(`(${what}) is refused with a PersistenceError naming the file and the byte`, () => {
      const { h, bytes, starts } = writeLog();
      const index = 4;
      const start = starts[index]!;
      const damage = damages(bytes, start).find(([w]) => w === what)!;
      const bad = Buffer.from(bytes);
      bad[start + damage[1]] = damage[2] & 0xff;
      h.write(h.files.log, bad);
      const error = refusal(h);
      expect(error.file).toBe(h.logPath);
      expect(error.offset).toBe(start);
      expect(error.message).toContain(h.logPath);
      expect(error.message).toContain(`at byte ${start}`);
      expect(error.message).toContain("aofLoadCorrupt: 'truncate'");
      // Nothing was cut or copied.
      expect(statSync(h.logPath).size).toBe(bytes.length);
      expect(readdirSync(h.dir).filter((name) => name.includes('.corrupt-'))).toEqual([]);
    });
  }

  it("with aofLoadCorrupt 'truncate' loads the records before it and keeps the whole file", () => {
    const { h, bytes, starts, dumps } = writeLog();
    const index = 6;
    const start = starts[index]!;
    const bad = Buffer.from(bytes);
    bad[start + 40]! ^= 0xff;
    h.write(h.files.log, bad);
    const { keyspace, report } = h.recover({ loadTruncated: true, loadCorrupt: 'truncate' });
    expect(dumpKeyspace(keyspace)).toEqual(dumps[index]);
    expect(report.logRecords).toBe(index);
    expect(report.warnings).toHaveLength(1);
    expect(report.warnings[0]).toContain(`at byte ${start}`);
    expect(statSync(h.logPath).size).toBe(start);
    const copies = readdirSync(h.dir).filter((name) => name.startsWith(`${h.files.log}.corrupt-`));
    expect(copies).toHaveLength(1);
    expect(h.read(copies[0]!)).toEqual(bad);
  });
});
