// The slotdb command line, run as a user runs it: a small profile-migration scenario, then
// profile-diff on its report, and the errors a mistyped command gets.

import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const ROOT = join(import.meta.dirname, '..', '..');
const CLI = join(ROOT, 'dist', 'scripts', 'cli.js');
const OUTPUT = join(ROOT, 'test-output');

async function slotdb(
  ...args: string[]
): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [CLI, ...args], {
      cwd: ROOT,
      timeout: 60_000,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

describe('slotdb command line', () => {
  it('profile-migration writes the HTML and JSON reports and prints a summary; profile-diff compares them', async () => {
    mkdirSync(OUTPUT, { recursive: true });
    const out = join(OUTPUT, 'cli-report.html');
    const args = [
      '--shards',
      '2',
      '--keys',
      '20000',
      '--migrate',
      '5%',
      '--warmup-ms',
      '100',
      '--before-ms',
      '200',
      '--after-ms',
      '200',
      '--bucket-ms',
      '50',
    ];
    const result = await slotdb('profile-migration', ...args, '--out', out);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/moving slots\s+\[#+\] 820\/820/);
    expect(result.stdout).toMatch(/during migration\s+[\d,]+/);
    expect(result.stdout).toMatch(/moved 820 slots/);
    const report = JSON.parse(readFileSync(join(OUTPUT, 'cli-report.json'), 'utf8'));
    expect(report.schema).toBe('slotdb-profile/1');
    expect(report.summary.migratedSlots).toBe(820);
    expect(report.shards).toBe(2);
    expect(readFileSync(out, 'utf8')).toContain('<svg id="timeline"');

    const diff = await slotdb(
      'profile-diff',
      join(OUTPUT, 'cli-report.json'),
      join(OUTPUT, 'cli-report.json'),
    );
    expect(diff.code).toBe(0);
    expect(diff.stdout).toMatch(
      /throughput during migration \(ops\/s\)\s+[\d,]+\s+[\d,]+\s+\+0\.0%\s+same/,
    );
    expect(diff.stdout).not.toMatch(/better|worse/);
  }, 60_000);

  it('explains a mistyped command or option, and exits with 1', async () => {
    const unknown = await slotdb('profile-migraton');
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/unknown command profile-migraton/);
    const badLock = await slotdb('profile-migration', '--lock', 'row');
    expect(badLock.code).toBe(1);
    expect(badLock.stderr).toMatch(/--lock must be key or slot, got row/);
    const unknownFlag = await slotdb('profile-migration', '--shard', '2');
    expect(unknownFlag.code).toBe(1);
    expect(unknownFlag.stderr).toMatch(/unknown option --shard\n/);
    expect(unknownFlag.stderr).not.toMatch(/\n\s+at /); // no stack trace
    const badNumber = await slotdb('profile-migration', '--keys', 'many');
    expect(badNumber.code).toBe(1);
    expect(badNumber.stderr).toMatch(/--keys must be a number from 1 to 50000000, got many/);
    const outOfRange = await slotdb('profile-migration', '--throttle', '-5');
    expect(outOfRange.code).toBe(1);
    expect(outOfRange.stderr).toMatch(/--throttle must be a number from 0 to 1000000000, got -5/);
    const noValue = await slotdb('profile-migration', '--shards');
    expect(noValue.code).toBe(1);
    expect(noValue.stderr).toMatch(/--shards needs a value/);
    const stray = await slotdb('profile-diff', '--verbose', 'a.json', 'b.json');
    expect(stray.code).toBe(1);
    expect(stray.stderr).toMatch(/usage:/);
    const missing = await slotdb('profile-diff', 'a.json', join(OUTPUT, 'no-such-report.json'));
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/cannot read a\.json as a profile report/);
  });
});
