// The persistence commands with real workers and a data directory: WAITAOF under each appendfsync
// policy, without `dir` and with replicas; SAVE whose snapshot a reopen finds; BGSAVE, LASTSAVE and
// BGREWRITEAOF; their errors; INFO persistence and db.stats() while a snapshot runs.

import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { errorOf, keysOnEveryShard, type SlotDB, withDb } from '../support/db.js';

/** How long a condition polled here may take on a loaded machine (the syncer runs every second). */
const SETTLE_MS_MAX = 15_000;
const POLL_MS = 20;

let dir: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'slotdb-'));
});

afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

async function until(what: string, done: () => boolean | Promise<boolean>): Promise<void> {
  const started = Date.now();
  while (!(await done())) {
    if (Date.now() - started > SETTLE_MS_MAX) throw new Error(`${what}: not within the deadline`);
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

/** Writes a key on every shard, so that WAITAOF goes to every primary. */
async function writeEverywhere(db: SlotDB, prefix: string): Promise<void> {
  for (const key of keysOnEveryShard(db, prefix)) await db.set(key, 'v');
}

const saving = (db: SlotDB): boolean => db.stats().shards.some((s) => s.persistence?.saving);

describe('WAITAOF', () => {
  it('appendfsync always: the writes are on disk before their replies, local is 1 at once', async () => {
    await withDb({ shards: 2, dir, appendfsync: 'always' }, async (db) => {
      await writeEverywhere(db, 'a');
      expect(await db.waitAof(1, 0, 0)).toEqual([1, 0]);
      // Pipelined with the write: held until the end of the turn's fsync, then answered.
      const [, reply] = await Promise.all([db.set('p', '1'), db.waitAof(1, 0, 0)]);
      expect(reply).toEqual([1, 0]);
      expect(await db.sendCommand(['WAITAOF', '0', '0', '0'])).toEqual([1, 0]);
      // No replicas: asking for one waits out the timeout and says what it reached.
      expect(await db.waitAof(1, 1, 50)).toEqual([1, 0]);
      // Inside a transaction it answers at once.
      expect(await db.multi().get('p').waitAof(1, 0, 0).exec()).toEqual(['1', [1, 0]]);
      const persistence = db.stats().shards.map((shard) => shard.persistence!);
      for (const shard of persistence) expect(shard.synced).toBe(shard.written);
    });
  });

  it('appendfsync everysec: held until the syncer thread has the writes on disk', async () => {
    await withDb({ shards: 2, dir, appendfsync: 'everysec' }, async (db) => {
      await writeEverywhere(db, 'b');
      expect(await db.waitAof(1, 0, 0)).toEqual([1, 0]);
      for (const shard of db.stats().shards) {
        expect(shard.persistence!.synced).toBeGreaterThanOrEqual(shard.offset);
      }
    });
  });

  it('appendfsync no: local never reaches 1, the timeout answers', async () => {
    await withDb({ shards: 1, dir, appendfsync: 'no' }, async (db) => {
      await db.set('c', '1');
      expect(await db.waitAof(1, 0, 100)).toEqual([0, 0]);
      expect(await db.waitAof(0, 0, 0)).toEqual([0, 0]);
    });
  });

  it('without dir: numlocal is refused as Redis refuses it with appendonly off', async () => {
    await withDb({ shards: 2 }, async (db) => {
      await writeEverywhere(db, 'd');
      expect(await errorOf(db.waitAof(1, 0, 0))).toBe(
        'ERR WAITAOF cannot be used when numlocal is set but appendonly is disabled.',
      );
      expect(await db.waitAof(0, 0, 0)).toEqual([0, 0]);
      expect(await db.multi().get('d').waitAof(0, 0, 0).exec()).toEqual([null, [0, 0]]);
      const refused = await db
        .multi()
        .get('d')
        .waitAof(1, 0, 0)
        .exec()
        .catch((error: { replies: unknown[] }) => error.replies);
      expect((refused[1] as Error).message).toBe(
        'ERR WAITAOF cannot be used when numlocal is set but appendonly is disabled.',
      );
    });
  });

  it('counts the replicas that hold the writes', async () => {
    await withDb({ shards: 2, replicas: 1, dir, appendfsync: 'always' }, async (db) => {
      await writeEverywhere(db, 'e');
      expect(await db.waitAof(1, 1, 0)).toEqual([1, 1]);
      expect(await db.waitAof(0, 2, 50)).toEqual([1, 1]);
    });
  });

  it('checks its arguments in Redis’s order, with Redis’s texts', async () => {
    await withDb({ shards: 1, dir }, async (db) => {
      const refusal = (args: string[]): Promise<string> =>
        errorOf(db.sendCommand(['WAITAOF', ...args]));
      expect(await refusal(['2', '0', '0'])).toBe(
        'ERR value is out of range, value must between 0 and 1',
      );
      expect(await refusal(['0', '-1', '0'])).toBe('ERR value is out of range, must be positive');
      expect(await refusal(['0', '0', '-1'])).toBe('ERR timeout is negative');
      expect(await refusal(['x', '0', '0'])).toBe('ERR value is not an integer or out of range');
      expect(await refusal(['0', '0'])).toBe("ERR wrong number of arguments for 'waitaof' command");
    });
  });
});

describe('SAVE, BGSAVE, BGREWRITEAOF, LASTSAVE', () => {
  it('SAVE answers once every shard’s snapshot is committed; a reopen finds the keys', async () => {
    const keys = Array.from({ length: 200 }, (_, i) => `s${i}`);
    await withDb({ shards: 2, dir, appendfsync: 'no' }, async (db) => {
      for (const key of keys) await db.set(key, key);
      expect(await db.lastSave()).toBe(0);
      const before = Math.floor(Date.now() / 1000);
      expect(await db.save()).toBe('OK');
      expect(await db.lastSave()).toBeGreaterThanOrEqual(before);
      expect(db.stats().lastSave).toBe(await db.lastSave());
      const files = readdirSync(dir);
      for (const shard of [0, 1]) {
        const snapshot = files.find((name) =>
          new RegExp(`^shard-${shard}-\\d+\\.snap$`).test(name),
        );
        expect(snapshot, `shard ${shard}'s snapshot among ${files.join(', ')}`).toBeDefined();
      }
      // With appendfsync no, WAITAOF finds the writes on disk after SAVE (it fsyncs the log).
      expect(await db.waitAof(1, 0, 0)).toEqual([1, 0]);
    });
    await withDb({ shards: 2, dir }, async (db) => {
      expect(await db.dbSize()).toBe(keys.length);
      expect(await db.get('s7')).toBe('s7');
      expect(await db.lastSave()).toBeGreaterThan(0);
    });
  });

  it('BGSAVE starts a snapshot, LASTSAVE moves once it is committed; one under way is refused', async () => {
    await withDb({ shards: 2, dir }, async (db) => {
      await writeEverywhere(db, 'g');
      // Sent together: the second reaches each shard while its snapshot is under way.
      const replies = await Promise.all([
        db.bgSave(),
        db.bgSave({ SCHEDULE: true }),
        errorOf(db.bgSave()),
        errorOf(db.bgRewriteAof()),
        errorOf(db.save()),
      ]);
      expect(replies).toEqual([
        'Background saving started',
        'Background saving scheduled',
        'ERR Background save already in progress',
        'ERR Background append only file rewriting already in progress',
        'ERR Background save already in progress',
      ]);
      await until('the snapshot committed', async () => (await db.lastSave()) > 0);
      await until('no snapshot under way', () => !saving(db));
      expect(await errorOf(db.sendCommand(['BGSAVE', 'NOW']))).toBe('ERR syntax error');
      expect(await errorOf(db.sendCommand(['SAVE', 'x']))).toBe(
        "ERR wrong number of arguments for 'save' command",
      );
      // SAVE looks beyond one slot: a transaction refuses it when it is queued; LASTSAVE runs.
      expect(await errorOf(db.multi().save().exec())).toMatch(/'save' cannot run inside/);
      expect(await db.multi().get('g').lastSave().exec()).toEqual([null, await db.lastSave()]);
    });
  });

  it('BGREWRITEAOF replaces each log with a snapshot and an empty log', async () => {
    await withDb({ shards: 2, dir, appendfsync: 'no' }, async (db) => {
      for (let i = 0; i < 300; i++) await db.set(`r${i % 10}`, `value ${i}`);
      const grown = db.stats().shards.map((shard) => shard.persistence!.logBytes);
      expect(Math.min(...grown)).toBeGreaterThan(1000);
      expect(await db.bgRewriteAof()).toBe('Background append only file rewriting started');
      await until('the rewrite committed', () => {
        const logs = db.stats().shards.map((shard) => shard.persistence!);
        return logs.every((log, shard) => !log.saving && log.logBytes < grown[shard]!);
      });
      const info = String(await db.info('persistence'));
      expect(info).toMatch(/^# Persistence shard 0\r\nloading:0\r\n/);
      expect(info).toContain('aof_enabled:1\r\naof_rewrite_in_progress:0\r\n');
      expect(info).toContain(`rdb_last_save_time:${await db.lastSave()}\r\n`);
    });
  });

  it('a snapshot that cannot be written or committed answers an error; the database goes on', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    try {
      await withDb({ shards: 1, dir, appendfsync: 'always' }, async (db) => {
        await db.set('k', 'v');
        // The snapshot's file cannot be created: a directory has its name.
        const tmp = join(dir, 'shard-0-2.snap.tmp');
        mkdirSync(tmp);
        expect(await errorOf(db.save())).toMatch(/^ERR slotdb: .*cannot write a snapshot/);
        expect(await errorOf(db.bgSave())).toMatch(/^ERR slotdb: .*cannot write a snapshot/);
        rmSync(tmp, { recursive: true });
        // Written, but the opening thread cannot rename it into place: the commit is abandoned.
        const target = join(dir, 'shard-0-2.snap');
        mkdirSync(target);
        writeFileSync(join(target, 'in-the-way'), '');
        expect(await errorOf(db.save())).toBe(
          'ERR slotdb: the snapshot was not committed (the database printed why)',
        );
        rmSync(target, { recursive: true });
        expect(await db.get('k')).toBe('v');
        expect(await db.save()).toBe('OK');
        await db.set('k', 'w');
      });
      await withDb({ shards: 1, dir }, async (db) => {
        expect(await db.get('k')).toBe('w');
      });
    } finally {
      warn.mockRestore();
    }
  });

  it('without dir each is refused with the reason, and LASTSAVE answers 0', async () => {
    await withDb({ shards: 2 }, async (db) => {
      expect(await errorOf(db.save())).toBe(
        'ERR slotdb: SAVE needs a data directory (open the database with dir)',
      );
      expect(await errorOf(db.bgSave())).toBe(
        'ERR slotdb: BGSAVE needs a data directory (open the database with dir)',
      );
      expect(await errorOf(db.sendCommand(['BGREWRITEAOF']))).toBe(
        'ERR slotdb: BGREWRITEAOF needs a data directory (open the database with dir)',
      );
      expect(await db.lastSave()).toBe(0);
      expect(db.sync.lastSave()).toBe(0);
      expect(db.stats().shards.every((shard) => shard.persistence === undefined)).toBe(true);
      expect(String(await db.info('persistence'))).toContain('aof_enabled:0\r\n');
      expect(existsSync(join(dir, 'MANIFEST'))).toBe(false);
    });
  });
});
