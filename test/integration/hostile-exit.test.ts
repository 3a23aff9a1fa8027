// After misuse and a close() in the middle of a move, the process ends on its own: nothing slotdb
// started (workers, ports, timers) keeps it alive.

import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const SCRIPT = fileURLToPath(new URL('../support/exit-cleanly.mjs', import.meta.url));

describe('process exit', () => {
  it('ends on its own after misuse and a close() during a move', () => {
    const child = spawnSync(process.execPath, [SCRIPT], { encoding: 'utf8', timeout: 30_000 });
    expect(child.error).toBeUndefined(); // a timeout shows here (ETIMEDOUT): the process hung
    expect(child.status, child.stderr).toBe(0);
    const { outcomes } = JSON.parse(child.stdout.trim().split('\n').pop()!) as {
      outcomes: string[];
    };
    expect(outcomes).toEqual([
      'ArgumentTypeError',
      'ArgumentTypeError',
      'OptionError',
      'ClientClosedError',
    ]);
  });
});
