// Every supported combination of the options that change how data is stored (appendfsync x
// snapshotCompression x replicas), each with a snapshot and a live move of a few slots: after a
// reopen with the same options the keys of every type and the slot map are as they were, and a
// snapshot written with one compression reads back with the other. Then the option clashes: each is
// an OptionError at open naming both options, before anything is written to the directory.

import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { kPool } from '../../dist/src/db.js';
import { OptionError, SlotDB } from '../../dist/src/index.js';
import { keyspaceDigest, replicasStreaming } from '../../dist/src/testing.js';
import { cleanTempDirsAfterEach, tempDir, untilSnapshots } from '../support/data-dirs.js';

cleanTempDirsAfterEach();

const SHARDS = 2;
const FSYNCS = ['always', 'everysec', 'no'] as const;
const COMPRESSIONS = ['lz4', 'none'] as const;

/**
 * Keys of every type, some changed after they were made, some with a deadline, some deleted. The
 * commands go out pipelined (a key's commands run in the order sent): a few fsyncs, not hundreds.
 */
async function writeEveryType(db: SlotDB, round: string): Promise<void> {
  const n = 120;
  const writes: Promise<unknown>[] = [
    db.mSet(Array.from({ length: n }, (_, i) => [`${round}:s${i}`, `value-${i}`.repeat(4)])),
  ];
  for (let i = 0; i < n; i += 4) {
    writes.push(
      db.append(`${round}:s${i}`, '+more'),
      db.hSet(`${round}:h${i}`, { a: `${i}`, b: 'bee', c: 'sea'.repeat(i) }),
      db.hDel(`${round}:h${i}`, 'b'),
      db.rPush(`${round}:l${i}`, ['x', 'y', `${i}`, 'z']),
      db.lPop(`${round}:l${i}`),
      db.sAdd(`${round}:set${i}`, ['m1', 'm2', `m${i}`]),
      db.sRem(`${round}:set${i}`, 'm2'),
      db.zAdd(`${round}:z${i}`, [
        { score: i, value: 'one' },
        { score: -1.5, value: 'two' },
      ]),
      db.zIncrBy(`${round}:z${i}`, 0.25, 'two'),
      db.incrBy(`${round}:n${i}`, i * 1000),
      db.set(`${round}:t${i}`, 'lasts', { PX: 3_600_000 }),
      db.del(`${round}:s${i + 1}`),
    );
  }
  await Promise.all(writes);
}

/** Every primary's keys in canonical form (slot, key, type, value, deadline), merged. */
async function everyKey(db: SlotDB): Promise<string[]> {
  const control = db[kPool]!.control;
  const lines: string[] = [];
  for (let shard = 0; shard < SHARDS; shard++) {
    lines.push(...(await keyspaceDigest(db, control.primaryOf(shard))).lines);
  }
  return lines.sort();
}

function slotMap(db: SlotDB): number[] {
  return Array.from({ length: 16384 }, (_, slot) => db.slotOwner(slot));
}

/** Slots of keys written in `round`, one from each shard, moved to the other shard. */
async function moveSomeSlots(db: SlotDB, round: string): Promise<void> {
  const bySource = new Map<number, number[]>();
  for (let i = 0; i < 40; i += 4) {
    const slot = db.sync.clusterKeySlot(`${round}:h${i}`);
    const owner = db.slotOwner(slot);
    const slots = bySource.get(owner) ?? [];
    if (slots.length < 2 && !slots.includes(slot)) slots.push(slot);
    bySource.set(owner, slots);
  }
  for (const [source, slots] of bySource) {
    const summary = await db.migrateSlots(slots, 1 - source, { batchKeys: 2 });
    expect(summary.slots).toBe(slots.length);
    expect(summary.keys).toBeGreaterThan(0);
  }
}

describe('every combination of storage options', () => {
  for (const appendfsync of FSYNCS) {
    for (const snapshotCompression of COMPRESSIONS) {
      for (const replicas of [0, 1]) {
        const name = `appendfsync '${appendfsync}', snapshotCompression '${snapshotCompression}', replicas: ${replicas}`;
        it(`${name}: a snapshot and a move, then a reopen finds every key and the slot map`, async () => {
          const dir = tempDir();
          const options = {
            shards: SHARDS,
            replicas,
            dir,
            appendfsync,
            snapshotCompression,
            autoAofRewriteMinSize: 4096,
          };
          let db = await SlotDB.open(options);
          let keys: string[];
          let owners: number[];
          try {
            if (replicas > 0) await replicasStreaming(db);
            await writeEveryType(db, 'a');
            await untilSnapshots(db, SHARDS);
            await moveSomeSlots(db, 'a');
            // Writes after the move land on the slots' new owners.
            await writeEveryType(db, 'b');
            keys = await everyKey(db);
            owners = slotMap(db);
            expect(keys.length).toBeGreaterThan(300);
          } finally {
            await db.close();
          }
          // The same options, then (once per compression) the other compression: a snapshot
          // reads back whatever the compression it was written with.
          const other: typeof snapshotCompression = snapshotCompression === 'lz4' ? 'none' : 'lz4';
          const both = appendfsync === 'always' && replicas === 0;
          const reopens = both ? [snapshotCompression, other] : [snapshotCompression];
          for (const compression of reopens) {
            db = await SlotDB.open({ ...options, snapshotCompression: compression });
            try {
              expect(slotMap(db)).toEqual(owners);
              expect(await everyKey(db)).toEqual(keys);
              expect(await db.get('a:s0')).toBe(`${'value-0'.repeat(4)}+more`);
            } finally {
              await db.close();
            }
          }
        });
      }
    }
  }
});

describe('options that clash', () => {
  const dirOptions = {
    appendfsync: 'always',
    snapshotCompression: 'none',
    autoAofRewriteMinSize: 1024,
    autoAofRewritePercentage: 50,
    aofLoadTruncated: false,
    aofLoadCorrupt: 'truncate',
  } as const;

  it.each(Object.entries(dirOptions))(
    '%s without dir is an OptionError naming both',
    async (name, value) => {
      const error = await SlotDB.open({ shards: 1, [name]: value }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(OptionError);
      expect((error as OptionError).option).toBe(name);
      expect((error as Error).message).toContain(`'${name}'`);
      expect((error as Error).message).toContain("option 'dir'");
    },
  );

  it.each([
    ['aofLoadCorrupt', { aofLoadCorrupt: 'truncate', aofLoadTruncated: false }, 'aofLoadTruncated'],
    [
      'autoAofRewriteMinSize',
      { autoAofRewriteMinSize: 1024, autoAofRewritePercentage: 0 },
      'autoAofRewritePercentage',
    ],
  ] as const)(
    '%s clashing with %s is an OptionError naming both; the directory is not made',
    async (name, clash, partner) => {
      const dir = join(tempDir(), 'data');
      const error = await SlotDB.open({ shards: 1, dir, ...clash }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(OptionError);
      expect((error as OptionError).option).toBe(name);
      expect((error as Error).message).toContain(`'${name}'`);
      expect((error as Error).message).toContain(partner);
      expect(existsSync(dir)).toBe(false);
    },
  );

  it.each([
    ['dir', ''],
    ['appendfsync', 'sometimes'],
    ['snapshotCompression', 'zstd'],
    ['autoAofRewriteMinSize', -1],
    ['autoAofRewritePercentage', 1.5],
    ['aofLoadTruncated', 'yes'],
    ['aofLoadCorrupt', 'fix'],
  ] as const)('a bad %s is an OptionError naming it', async (name, value) => {
    const dir = join(tempDir(), 'data');
    const error = await SlotDB.open({ shards: 1, dir, [name]: value }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OptionError);
    expect((error as OptionError).option).toBe(name);
    expect(existsSync(dir)).toBe(false);
  });
});
