// Helpers for the persistence tests: temporary data directories (removed after each test), the
// bytes of a directory's files (a refused open must leave them as they were), and the snapshots a
// database committed (auto rewrites of a small autoAofRewriteMinSize).

import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach } from 'vitest';
import { kPool } from '../../dist/src/db.js';
import type { SlotDB } from '../../dist/src/index.js';

const made: string[] = [];

/** A new temporary directory, removed after the test (call at test time, not at collection). */
export function tempDir(copyOf?: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'slotdb-'));
  made.push(dir);
  if (copyOf !== undefined) cpSync(copyOf, dir, { recursive: true });
  return dir;
}

/** Removes the directories tempDir() made (the test files register it with afterEach). */
function removeTempDirs(): void {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
}

/** Registers the removal of temporary directories after each test of the calling file. */
export function cleanTempDirsAfterEach(): void {
  afterEach(removeTempDirs);
}

/** Every file of `dir` (recursively) with its bytes, by path relative to `dir`. */
export function filesOf(dir: string): Record<string, string> {
  const files: Record<string, string> = {};
  const walk = (at: string, prefix: string): void => {
    for (const name of readdirSync(at).sort()) {
      const path = join(at, name);
      if (statSync(path).isDirectory()) walk(path, `${prefix}${name}/`);
      else files[`${prefix}${name}`] = readFileSync(path).toString('base64');
    }
  };
  walk(dir, '');
  return files;
}

/** Snapshots committed since the database opened (the opening thread's record of them). */
export function snapshotsCommitted(db: SlotDB): number {
  return db[kPool]?.store?.snapshots.length ?? 0;
}

/** Waits until `db` committed at least `count` snapshots, for 10 s at most. */
export async function untilSnapshots(db: SlotDB, count: number): Promise<void> {
  const deadline = performance.now() + 10_000;
  while (snapshotsCommitted(db) < count) {
    if (performance.now() > deadline) {
      throw new Error(`${snapshotsCommitted(db)} snapshots committed in 10 s, not ${count}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
