// The data directory: made if missing, checked writable, and locked for one process. The lock is a
// file holding the owner's pid, created exclusively; a lock left by a process that no longer runs
// (it was killed) is taken over. Two processes, or one process twice, never write the same files.

import {
  constants,
  linkSync,
  mkdirSync,
  readFileSync,
  renameSync,
  rmSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { access, readdir, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { PersistenceError } from '../errors.js';
import { DATA_FILE_PATTERN } from './file-format.js';

export const LOCK_NAME = 'LOCK';

/** Makes `dir` if needed and locks it; returns a function that releases the lock. */
export async function lockDirectory(dir: string): Promise<() => void> {
  try {
    mkdirSync(dir, { recursive: true });
  } catch (error) {
    throw new PersistenceError(
      dir,
      `cannot create the data directory: ${(error as Error).message}`,
    );
  }
  try {
    await access(dir, constants.W_OK | constants.R_OK | constants.X_OK);
  } catch {
    throw new PersistenceError(dir, 'the data directory is not writable by this process');
  }
  const path = join(dir, LOCK_NAME);
  for (let attempt = 0; attempt < 3; attempt++) {
    if (createLock(dir, path)) return () => releaseLock(path);
    const holder = lockHolder(path);
    if (holder === process.pid) {
      throw new PersistenceError(dir, 'the data directory is already open in this process');
    }
    if (holder === undefined) {
      throw new PersistenceError(
        path,
        'the lock file holds no process id; remove it if no process uses the data directory',
      );
    }
    if (processRuns(holder)) {
      throw new PersistenceError(
        dir,
        `the data directory is in use by process ${holder} (${path})`,
      );
    }
    takeOverStale(dir, path, holder);
  }
  throw new PersistenceError(path, 'the data directory lock is being taken by another process');
}

/**
 * Creates the lock with this process's pid in it, or returns false when one exists. The pid is
 * written to a file of this process's own first and linked as the lock: the lock never exists
 * without its pid (an open, then a write, would let another process see it empty).
 */
function createLock(dir: string, path: string): boolean {
  const own = join(dir, `${LOCK_NAME}.${process.pid}`);
  try {
    writeFileSync(own, `${process.pid}\n`);
    linkSync(own, path);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw new PersistenceError(path, `cannot create the lock file: ${(error as Error).message}`);
  } finally {
    rmSync(own, { force: true });
  }
}

/**
 * A lock left by process `dead`, which is gone: moved aside under a name of this process's own
 * (a rename is atomic: of two processes taking it over, one gets it), and removed if it still
 * holds `dead`; if it is another process's fresh lock by then, it is put back.
 */
function takeOverStale(dir: string, path: string, dead: number): void {
  const aside = join(dir, `${LOCK_NAME}.stale.${process.pid}`);
  try {
    renameSync(path, aside);
  } catch {
    return; // another process moved it first: the next attempt sees what is there now
  }
  if (lockHolder(aside) !== dead) {
    try {
      linkSync(aside, path);
    } catch {
      // A third process locked meanwhile: its lock stays.
    }
  }
  rmSync(aside, { force: true });
}

function lockHolder(path: string): number | undefined {
  try {
    const pid = Number.parseInt(readFileSync(path, 'latin1'), 10);
    return Number.isSafeInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

function processRuns(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function releaseLock(path: string): void {
  try {
    if (lockHolder(path) === process.pid) unlinkSync(path);
  } catch {
    // Already gone.
  }
}

/**
 * Removes data files the manifest does not name: what a crash left of a snapshot not committed.
 * They cannot hold data the named files lack (the old log takes every write until a commit).
 */
export async function removeUnnamed(dir: string, named: ReadonlySet<string>): Promise<string[]> {
  const removed: string[] = [];
  for (const name of await readdir(dir)) {
    if (!DATA_FILE_PATTERN.test(name) || named.has(name)) continue;
    await unlink(join(dir, name));
    removed.push(name);
  }
  return removed;
}
