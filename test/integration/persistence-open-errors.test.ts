// Opening a data directory that cannot be used: each refusal is a clear PersistenceError naming the
// file (or the directory), and leaves every file of the directory byte for byte as it was. Covers
// a directory that is not writable or is a file, a manifest or a log or a snapshot that is not
// slotdb's, is damaged or comes from a newer slotdb, a log of another shard or missing, another
// shard count, and the lock: one process, once.

import { execFileSync, spawn } from 'node:child_process';
import {
  chmodSync,
  cpSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PersistenceError } from '../../dist/src/errors.js';
import { SlotDB } from '../../dist/src/index.js';
import { cleanTempDirsAfterEach, filesOf, tempDir, untilSnapshots } from '../support/data-dirs.js';
import { mountTmpfs, type Tmpfs } from '../support/tmpfs.js';

const CHILD = fileURLToPath(new URL('../support/open-dir.mjs', import.meta.url));
const SHARDS = 2;
/** Keys the prepared directory holds. */
const KEYS = 310;

cleanTempDirsAfterEach();

/** A directory with a snapshot and a log per shard, made once; each test damages a copy. */
let prepared: string;
beforeAll(async () => {
  prepared = mkdtempSync(join(tmpdir(), 'slotdb-'));
  const db = await SlotDB.open({ shards: SHARDS, dir: prepared, autoAofRewriteMinSize: 4096 });
  try {
    await db.mSet(Array.from({ length: 300 }, (_, i) => [`k${i}`, 'v'.repeat(40)]));
    for (let i = 0; i < 300; i += 50) await db.set(`k${i}`, 'w'.repeat(40));
    await untilSnapshots(db, SHARDS);
    // Records after the snapshots: each log holds some.
    await db.mSet(Array.from({ length: 10 }, (_, i) => [`m${i}`, 'x']));
  } finally {
    await db.close();
  }
});
afterAll(() => rmSync(prepared, { recursive: true, force: true }));

function manifestOf(dir: string): Record<string, unknown> & {
  files: { snapshot: string | null; log: string }[];
} {
  return JSON.parse(readFileSync(join(dir, 'MANIFEST'), 'utf8'));
}

/**
 * Opens `dir` (after `damage` changed it), expects a PersistenceError whose message contains each
 * of `says` and whose file is `file`; then checks that the files are as they were before the open.
 */
async function expectRefused(
  dir: string,
  file: string,
  says: readonly string[],
  options: Record<string, unknown> = {},
): Promise<PersistenceError> {
  const before = filesOf(dir);
  const error = await SlotDB.open({ shards: SHARDS, dir, ...options }).then(
    async (db) => {
      await db.close();
      throw new Error(`${dir} opened`);
    },
    (e: unknown) => e as PersistenceError,
  );
  expect(error).toBeInstanceOf(PersistenceError);
  expect(error.file).toBe(file);
  for (const text of says) expect(error.message).toContain(text);
  expect(filesOf(dir)).toEqual(before);
  return error;
}

describe('opening a data directory that cannot be used', () => {
  it('is refused when the directory is not writable (nothing is written there)', async (ctx) => {
    const dir = tempDir(prepared);
    const root = process.getuid?.() === 0;
    if (root) {
      // chmod does not stop root: a read-only tmpfs does, where mounting is allowed.
      const mount = readOnlyMount(dir);
      if (typeof mount === 'string') return ctx.skip(mount);
      try {
        await expectRefused(mount.path, mount.path, ['not writable']);
      } finally {
        mount.unmount();
      }
      return;
    }
    chmodSync(dir, 0o500);
    try {
      await expectRefused(dir, dir, ['not writable']);
    } finally {
      chmodSync(dir, 0o700);
    }
  });

  it('is refused when the path is a file', async () => {
    const parent = tempDir();
    const path = join(parent, 'not-a-dir');
    writeFileSync(path, 'some bytes the user cares about');
    await expectRefused(parent, path, ['cannot create the data directory'], { dir: path });
    expect(readFileSync(path, 'utf8')).toBe('some bytes the user cares about');
  });

  it('is refused when MANIFEST is not a slotdb manifest, is damaged, or comes from a newer slotdb', async () => {
    const cases: [string, (manifest: Record<string, unknown>) => string, string][] = [
      ['not JSON', () => 'hello, this is not json', 'not a slotdb manifest (not JSON)'],
      [
        'another format',
        () => JSON.stringify({ format: 'rocksdb', version: 1 }),
        'not a slotdb manifest',
      ],
      ['JSON null', () => 'null', 'not a slotdb manifest'],
      [
        'a newer version',
        (m) => JSON.stringify({ ...m, version: 99 }),
        'written by a newer slotdb (format version 99',
      ],
      [
        'a field missing',
        (m) => JSON.stringify({ ...m, files: undefined }),
        'the manifest is damaged',
      ],
      [
        'a slot map with a hole',
        (m) =>
          JSON.stringify({
            ...m,
            owners: [
              [0, 100, 0],
              [200, 16383, 1],
            ],
          }),
        "the manifest's slot map is damaged near slot 101",
      ],
      [
        'a slot map naming a shard that is not there',
        (m) => JSON.stringify({ ...m, owners: [[0, 16383, 7]] }),
        "the manifest's slot map is damaged near slot 0",
      ],
    ];
    for (const [, damage, says] of cases) {
      const dir = tempDir(prepared);
      writeFileSync(join(dir, 'MANIFEST'), damage(manifestOf(dir)));
      await expectRefused(dir, join(dir, 'MANIFEST'), [says]);
    }
  });

  it('is refused when a log is not a slotdb log, comes from a newer slotdb, belongs to another shard, or is missing', async () => {
    const cases: [(path: string) => void, string][] = [
      [(path) => patch(path, 0, Buffer.from('NOTSLOTD')), 'not a slotdb log file'],
      [(path) => patchU32(path, 8, 7), 'written by a newer slotdb (format version 7'],
      [(path) => patchU32(path, 12, 1), 'belongs to shard 1, not to shard 0'],
      [(path) => truncateSync(path, 10), 'not a slotdb log file'],
      [(path) => rmSync(path), 'cannot open the log'],
    ];
    for (const [damage, says] of cases) {
      const dir = tempDir(prepared);
      const log = join(dir, manifestOf(dir).files[0]!.log);
      damage(log);
      await expectRefused(dir, log, [says]);
    }
  });

  it('is refused when a snapshot lacks its trailer, is not one, or comes from a newer slotdb', async () => {
    const cases: [(path: string) => void, string][] = [
      [(path) => truncateSync(path, readFileSync(path).length - 32), 'the snapshot ends early'],
      [(path) => truncateSync(path, readFileSync(path).length - 60), 'the snapshot ends early'],
      [(path) => patch(path, 0, Buffer.from('SLOTDBLG')), 'not a slotdb snapshot file'],
      [(path) => patchU32(path, 8, 2), 'written by a newer slotdb (format version 2'],
      [(path) => rmSync(path), 'cannot open the snapshot'],
    ];
    for (const [damage, says] of cases) {
      const dir = tempDir(prepared);
      const snapshot = join(dir, manifestOf(dir).files[1]!.snapshot!);
      damage(snapshot);
      await expectRefused(dir, snapshot, [says]);
    }
  });

  it('is refused with another shard count, naming both counts', async () => {
    const dir = tempDir(prepared);
    const error = await expectRefused(dir, dir, ['shards: 2', 'shards: 3'], { shards: 3 });
    expect(error.problem).toMatch(/written with shards: 2.*opened with shards: 3/);
    await expectRefused(dir, dir, ['shards: 2', 'shards: 1'], { shards: 1 });
  });

  it('deletes no data file when the manifest names a file that is missing', async () => {
    // A manifest restored from an older copy, say: the newer files it does not name may be the
    // only copy of the data; a refused open must not remove them.
    const dir = tempDir(prepared);
    const manifest = manifestOf(dir);
    manifest.files[0]!.log = 'shard-0-1.log';
    manifest.files[0]!.snapshot = null;
    writeFileSync(join(dir, 'MANIFEST'), JSON.stringify(manifest));
    await expectRefused(dir, join(dir, 'shard-0-1.log'), ['cannot open the log']);
  });
});

describe('opening a data directory that can be used', () => {
  it('removes what a crash left of a snapshot not committed, once the named files are read', async () => {
    const dir = tempDir(prepared);
    const leftovers = ['shard-0-3.snap.tmp', 'shard-1-3.log', 'shard-1-3.snap'];
    for (const name of leftovers) writeFileSync(join(dir, name), 'half a file');
    writeFileSync(join(dir, 'notes.txt'), 'not slotdb');
    const db = await SlotDB.open({ shards: SHARDS, dir });
    try {
      expect(await db.dbSize()).toBe(KEYS);
    } finally {
      await db.close();
    }
    const names = Object.keys(filesOf(dir));
    for (const name of leftovers) expect(names).not.toContain(name);
    expect(names).toContain('notes.txt');
  });
});

describe('the lock of a data directory', () => {
  it('is never taken over when it holds no process id (it is not a lock slotdb left)', async () => {
    const dir = tempDir(prepared);
    writeFileSync(join(dir, 'LOCK'), '');
    const error = await SlotDB.open({ shards: SHARDS, dir }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PersistenceError);
    expect((error as PersistenceError).file).toBe(join(dir, 'LOCK'));
    expect((error as Error).message).toContain('holds no process id');
    expect(readFileSync(join(dir, 'LOCK'), 'utf8')).toBe('');
  });

  it('refuses a second open in the same process, and lets it in once the first closed', async () => {
    const dir = tempDir(prepared);
    const db = await SlotDB.open({ shards: SHARDS, dir });
    try {
      const lock = readFileSync(join(dir, 'LOCK'), 'utf8');
      expect(lock.trim()).toBe(String(process.pid));
      const error = await SlotDB.open({ shards: SHARDS, dir }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(PersistenceError);
      expect((error as PersistenceError).file).toBe(dir);
      expect((error as Error).message).toContain('already open in this process');
      // The first one goes on, its lock intact.
      expect(await db.dbSize()).toBe(KEYS);
      expect(readFileSync(join(dir, 'LOCK'), 'utf8')).toBe(lock);
    } finally {
      await db.close();
    }
    const again = await SlotDB.open({ shards: SHARDS, dir });
    expect(await again.dbSize()).toBe(KEYS);
    await again.close();
  });

  it('refuses another process while one has the directory open', async () => {
    const dir = tempDir(prepared);
    const db = await SlotDB.open({ shards: SHARDS, dir });
    try {
      const before = filesOf(dir);
      const outcome = JSON.parse(
        execFileSync(process.execPath, [CHILD, dir, String(SHARDS), 'try'], { encoding: 'utf8' }),
      );
      expect(outcome).toMatchObject({ open: false, name: 'PersistenceError' });
      expect(outcome.message).toContain(`in use by process ${process.pid}`);
      expect(filesOf(dir)).toEqual(before);
    } finally {
      await db.close();
    }
  });

  it('refuses this process while a child holds it, and takes a lock left by a killed process over', async () => {
    const dir = tempDir(prepared);
    const child = spawn(process.execPath, [CHILD, dir, String(SHARDS), 'hold'], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    try {
      const opened = await firstLine(child.stdout);
      expect(JSON.parse(opened)).toEqual({ open: true, keys: KEYS });
      const error = await SlotDB.open({ shards: SHARDS, dir }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(PersistenceError);
      expect((error as Error).message).toContain(`in use by process ${child.pid}`);
    } finally {
      child.kill('SIGKILL');
      await new Promise((resolve) => child.once('exit', resolve));
    }
    // The LOCK names a process that is gone: it is taken over, and the data is all there.
    expect(readFileSync(join(dir, 'LOCK'), 'utf8').trim()).toBe(String(child.pid));
    const db = await SlotDB.open({ shards: SHARDS, dir });
    try {
      expect(readFileSync(join(dir, 'LOCK'), 'utf8').trim()).toBe(String(process.pid));
      expect(await db.dbSize()).toBe(KEYS);
    } finally {
      await db.close();
    }
  });
});

function patch(path: string, at: number, bytes: Buffer): void {
  const file = readFileSync(path);
  bytes.copy(file, at);
  writeFileSync(path, file);
}

function patchU32(path: string, at: number, value: number): void {
  const bytes = Buffer.alloc(4);
  bytes.writeUInt32LE(value);
  patch(path, at, bytes);
}

/** A read-only tmpfs holding a copy of `dir`, or why it could not be mounted. */
function readOnlyMount(dir: string): Tmpfs | string {
  const mount = mountTmpfs('4m');
  if (typeof mount === 'string') {
    return `running as root, where chmod does not stop writes, and ${mount}`;
  }
  cpSync(dir, mount.path, { recursive: true });
  mount.readOnly();
  return mount;
}

function firstLine(stream: NodeJS.ReadableStream): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    stream.on('data', (chunk: Buffer) => {
      text += chunk.toString();
      const end = text.indexOf('\n');
      if (end >= 0) resolve(text.slice(0, end));
    });
    stream.once('end', () => reject(new Error(`the child ended without a line: ${text}`)));
  });
}
