// A small tmpfs for the persistence tests: a disk that fills up, or a read-only one (chmod does not
// stop root from writing, a read-only mount does). Mounting needs root (CAP_SYS_ADMIN): where it is
// refused, mountTmpfs says why, and the test skips with that reason.

import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface Tmpfs {
  readonly path: string;
  /** Remounts it read-only (what is on it stays readable). */
  readOnly(): void;
  unmount(): void;
}

/** Runs a system command (mount, umount), throwing with its stderr if it fails. */
function system(command: readonly string[]): void {
  execFileSync(command[0]!, command.slice(1), { stdio: 'pipe' });
}

/** A tmpfs of `size` (as mount takes it: '2m') on a new directory, or why it cannot be mounted. */
export function mountTmpfs(size: string): Tmpfs | string {
  const path = mkdtempSync(join(tmpdir(), 'slotdb-tmpfs-'));
  try {
    system(['mount', '-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', path]);
  } catch (error) {
    rmSync(path, { recursive: true, force: true });
    const stderr = (error as { stderr?: Buffer }).stderr?.toString().trim();
    return `cannot mount a tmpfs here (${stderr || (error as Error).message.split('\n')[0]})`;
  }
  return {
    path,
    readOnly: () => system(['mount', '-o', 'remount,ro', path]),
    unmount: () => {
      system(['umount', path]);
      rmSync(path, { recursive: true, force: true });
    },
  };
}
