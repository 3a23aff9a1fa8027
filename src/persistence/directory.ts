// The data directory: made if missing, checked writable, and locked for one process. The lock is a
// file holding the owner's pid, created exclusively; a lock left by a process that no longer runs
// (it was killed) is taken over. Two processes, or one process twice, never write the same files.

import {
  closeSync,
  constants,
  mkdirSync,
  openSync,
  readFileSync,
  unlinkSync,
  writeSync,
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
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(path, 'wx');
      writeSync(fd, `${process.pid}\n`);
      closeSync(fd);
      return () => releaseLock(path);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') {
        throw new PersistenceError(
          path,
          `cannot create the lock file: ${(error as Error).message}`,
        );
      }
    }
    const holder = lockHolder(path);
    if (holder === process.pid) {
      throw new PersistenceError(dir, 'the data directory is already open in this process');
    }
    if (holder !== undefined && processRuns(holder)) {
      throw new PersistenceError(
        dir,
        `the data directory is in use by process ${holder} (${path})`,
      );
    }
    // Left by a process that is gone: take it over.
    try {
      unlinkSync(path);
    } catch {
      // Another process took it over first; the next attempt sees its pid.
    }
  }
  throw new PersistenceError(path, 'the data directory lock is being taken by another process');
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
