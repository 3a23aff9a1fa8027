// A database opened on a directory whose log was damaged, through the public API: a corrupt record
// in the middle (a payload byte, or its length field) refuses the open with a PersistenceError
// naming the file and the byte, and leaves the directory unlocked and untouched; aofLoadCorrupt
// 'truncate' then opens it with the keys before the damage and keeps the whole file beside it, and
// later opens keep that copy. A torn last record is cut off with a warning, or, with
// aofLoadTruncated false, refused.

import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import * as slotdb from '../../dist/src/index.js';
import { SlotDB } from '../../dist/src/index.js';

let dir = '';

afterEach(() => {
  vi.restoreAllMocks();
  rmSync(dir, { recursive: true, force: true });
});

/** A 1-shard directory with `count` keys written one record each; returns its log's path. */
async function written(count: number): Promise<string> {
  dir = mkdtempSync(join(tmpdir(), 'slotdb-'));
  const db = await SlotDB.open({ shards: 1, dir, appendfsync: 'always' });
  for (let i = 0; i < count; i++) await db.set(`k${i}`, `v${i}`);
  await db.close();
  return join(dir, readdirSync(dir).find((name) => name.endsWith('.log'))!);
}

/** Where record `index` of a log starts. */
function recordAt(bytes: Buffer, index: number): number {
  let at = 32;
  for (let i = 0; i < index; i++) at += bytes.readUInt32LE(at);
  return at;
}

/** The fields of src/errors.ts's PersistenceError. */
interface Refusal extends Error {
  readonly file: string;
  readonly offset: number;
  readonly problem: string;
}

async function refusal(options: Record<string, unknown>): Promise<Refusal> {
  try {
    const db = await SlotDB.open({ shards: 1, dir, ...options });
    await db.close();
  } catch (error) {
    expect((error as Error).name).toBe('PersistenceError');
    return error as Refusal;
  }
  throw new Error('the directory was opened');
}

async function dbsize(options: Record<string, unknown> = {}): Promise<number> {
  const db = await SlotDB.open({ shards: 1, dir, ...options });
  try {
    return (await db.sendCommand(['DBSIZE'])) as number;
  } finally {
    await db.close();
  }
}

describe('a damaged log', () => {
  // [what, the byte of the record changed, its new value]
  for (const [what, byte, value] of [
    ['a payload byte', 40, (old: number) => old ^ 1],
    ['its length field', 3, () => 0x40],
  ] as const) {
    it(`a middle record with ${what} refuses the open; aofLoadCorrupt 'truncate' loads up to it`, async () => {
      const log = await written(20);
      const bytes = readFileSync(log);
      const at = recordAt(bytes, 10);
      bytes[at + byte] = value(bytes[at + byte]!);
      writeFileSync(log, bytes);
      const error = await refusal({});
      expect(error.file).toBe(log);
      expect(error.offset).toBe(at);
      expect(error.message).toContain(`${log} at byte ${at}`);
      // Nothing was cut or removed, and the lock was released.
      expect(readFileSync(log)).toEqual(bytes);
      const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
      expect(await dbsize({ aofLoadCorrupt: 'truncate' })).toBe(10);
      expect(warn.mock.calls.flat().join('\n')).toContain(`at byte ${at}`);
      const copies = readdirSync(dir).filter((name) => name.includes('.log.corrupt-'));
      expect(copies).toHaveLength(1);
      expect(readFileSync(join(dir, copies[0]!))).toEqual(bytes);
      // Opened again (as it is now: cut), with the copy still kept.
      expect(await dbsize()).toBe(10);
      expect(readdirSync(dir).filter((name) => name.includes('.log.corrupt-'))).toEqual(copies);
    });
  }

  it('a torn last record is cut off with a warning, or refused with aofLoadTruncated false', async () => {
    const log = await written(5);
    const bytes = readFileSync(log);
    const last = recordAt(bytes, 4);
    writeFileSync(log, bytes.subarray(0, last + 20));
    const error = await refusal({ aofLoadTruncated: false });
    expect(error.file).toBe(log);
    expect(error.offset).toBe(last);
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    expect(await dbsize()).toBe(4);
    expect(warn.mock.calls.flat().join('\n')).toMatch(/torn/);
    expect(statSync(log).size).toBe(last);
  });

  // A caller tells a refused open apart with instanceof, as for every other error class.
  it('its PersistenceError is exported by the package, for instanceof', async () => {
    await written(3);
    writeFileSync(join(dir, 'MANIFEST'), 'not json');
    const error = await refusal({});
    const exported = (slotdb as Record<string, unknown>).PersistenceError;
    expect(exported).toBeTypeOf('function');
    expect(error).toBeInstanceOf(exported as new () => Error);
  });
});
