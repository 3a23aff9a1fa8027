// `npm start -- --dir <path>`, as a user runs it twice: the first run starts a new data directory,
// the second finds every key the first left there.

import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { cleanTempDirsAfterEach, tempDir } from '../support/data-dirs.js';

const run = promisify(execFile);
const DEMO = join(import.meta.dirname, '..', '..', 'dist', 'scripts', 'demo.js');

cleanTempDirsAfterEach();

async function demo(...args: string[]): Promise<string> {
  const { stdout } = await run(process.execPath, [DEMO, ...args], { timeout: 60_000 });
  return stdout;
}

describe('the demo with --dir', () => {
  it('keeps its keys in the directory: a second run finds the keys of the first', async () => {
    const dir = join(tempDir(), 'data');
    const first = await demo('--dir', dir, '--keys', '2000');
    expect(first).toContain(`persistent run: data directory ${dir}`);
    expect(first).toContain('a new directory: no keys from a previous run');
    const kept = /The ([\d,]+) keys are kept in /.exec(first)?.[1];
    expect(kept).toBeDefined();

    const second = await demo('--dir', dir, '--keys', '2000');
    expect(second).toContain(`found ${kept} keys from the previous run`);
    expect(second).toContain('this is run 2 on this directory');
    expect(second).toContain('no errors reached the caller');
  });

  it('refuses an unknown option with its usage', async () => {
    const failed = await run(process.execPath, [DEMO, '--dri', 'x']).catch(
      (error: { code: number; stderr: string }) => error,
    );
    expect(failed).toMatchObject({ code: 2 });
    expect((failed as { stderr: string }).stderr).toContain('usage: npm start');
  });
});
