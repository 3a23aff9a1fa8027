import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { StallLog } from '../../workers/shard/stall-log.js';

describe('StallLog (the shard stall log for latency outliers)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'slotdb-stalls-'));
  const file = join(dir, 'stalls.jsonl');
  afterEach(() => rmSync(file, { force: true }));

  const lines = (): { gapMs: number; waitMs: number; at: number; gcs: unknown[] }[] =>
    readFileSync(file, 'utf8')
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => JSON.parse(line));

  it('is off unless SLOTDB_STALL_LOG names a file', () => {
    const before = process.env.SLOTDB_STALL_LOG;
    delete process.env.SLOTDB_STALL_LOG;
    expect(StallLog.fromEnv(0, 0)).toBeUndefined();
    if (before !== undefined) process.env.SLOTDB_STALL_LOG = before;
  });

  it('notes a gap between working turns past the threshold, less the time parked', () => {
    const log = new StallLog(3, file, 1, 1000);
    log.turn(1000.2, 0); // 0.2 ms: not a stall
    log.turn(1010.2, 9.5); // 10 ms, of which 9.5 parked: 0.5 ms, not a stall
    log.turn(1013.7, 9.5); // 3.5 ms, none parked: a stall
    // A turn in which this thread happened to wait 1 ms for a CPU is noted too: not a gap.
    const all = lines();
    for (const line of all) if (line.gapMs < 1) expect(line.waitMs).toBeGreaterThanOrEqual(1);
    const noted = all.filter((line) => line.gapMs >= 1);
    expect(noted).toHaveLength(1);
    expect(noted[0]!.gapMs).toBeCloseTo(3.5, 6);
    expect(noted[0]!.at).toBeCloseTo(performance.timeOrigin + 1013.7, 3);
    expect(Array.isArray(noted[0]!.gcs)).toBe(true);
  });
});
