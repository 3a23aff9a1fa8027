// Crash recovery with real processes: a child process writes to a database on disk under pipelined
// load (new keys, keys with deadlines, INCR counters, list, set, hash and sorted-set members,
// deletes; test/support/crash-writer.mjs) and is killed with SIGKILL at a random moment; the next
// round opens what it left and writes on, and is killed in turn. After each kill the directory is
// opened here, and every write a child saw acknowledged under appendfsync 'always' must be there,
// exactly once, and nothing that was never sent (test/support/crash-check.ts). Variants:
// appendfsync 'everysec', where only what WAITAOF confirmed must survive; kills while snapshots
// are written and committed (a small autoAofRewriteMinSize takes them all the time); a kill while
// the directory is being opened. SLOTDB_CRASH_ROUNDS=<n> runs more rounds; SLOTDB_FUZZ_SEED=<seed>
// replays one.

import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SlotDB } from '../../dist/src/index.js';
import { checkCrash, readJournal } from '../support/crash-check.js';
import { CrashDir, type WriterConfig } from '../support/crash-round.js';
import { fuzzSeed, Random } from '../support/random.js';

const ROUNDS = Number(process.env.SLOTDB_CRASH_ROUNDS ?? 2);
const SHARDS = 3;
/** A round takes a few seconds; a loaded machine may take several times that. */
const TIMEOUT_MS = 60_000 + 20_000 * ROUNDS;

/** Reopens the directory and checks it against the writers' journal; returns the durable count. */
async function check(crash: CrashDir, seed: number, confirmed: boolean): Promise<number> {
  const journal = readJournal(crash.journal, confirmed);
  const db = await SlotDB.open({ shards: SHARDS, dir: crash.dir });
  let problems: string[];
  try {
    problems = await checkCrash(db, journal);
  } finally {
    await db.close();
  }
  expect(problems.slice(0, 20), `seed ${seed}; the writer's stderr: ${crash.stderr}`).toEqual([]);
  return journal.durable.size;
}

describe('a process killed under load, appendfsync always', () => {
  it(
    'loses no acknowledged write and invents none, round after round',
    async () => {
      const crash = new CrashDir();
      try {
        for (let round = 0; round < ROUNDS; round++) {
          const seed = fuzzSeed();
          const r = new Random(seed);
          console.log(`crash round ${round} seed ${seed}`);
          const config: WriterConfig = { seed, open: { shards: SHARDS, appendfsync: 'always' } };
          await crash.run(config, r.between(150, 1200));
          expect(await check(crash, seed, false)).toBeGreaterThan(0);
        }
        // Killed while opening (recovering, or just after): the next open finds it all the same.
        const seed = fuzzSeed();
        await crash.killDuringOpen({ shards: SHARDS }, new Random(seed).between(100, 900));
        await check(crash, seed, false);
      } finally {
        crash.remove();
      }
    },
    TIMEOUT_MS,
  );
});

describe('a process killed under load, appendfsync everysec', () => {
  it(
    'loses no write WAITAOF confirmed',
    async () => {
      const crash = new CrashDir();
      try {
        for (let round = 0; round < ROUNDS; round++) {
          const seed = fuzzSeed();
          const r = new Random(seed);
          console.log(`everysec crash round ${round} seed ${seed}`);
          const config: WriterConfig = {
            seed,
            open: { shards: SHARDS, appendfsync: 'everysec' },
            confirm: true,
          };
          await crash.run(config, r.between(2500, 4000));
          const confirmed = await check(crash, seed, true);
          expect(confirmed, `seed ${seed}: nothing was confirmed`).toBeGreaterThan(0);
        }
      } finally {
        crash.remove();
      }
    },
    TIMEOUT_MS,
  );
});

describe('a process killed while snapshots are written', () => {
  it(
    'loses no acknowledged write, whatever the snapshot was doing',
    async () => {
      const crash = new CrashDir();
      let committed = 0;
      let midway = 0;
      try {
        for (let round = 0; round < ROUNDS; round++) {
          const seed = fuzzSeed();
          const r = new Random(seed);
          console.log(`snapshot crash round ${round} seed ${seed}`);
          const config: WriterConfig = {
            seed,
            open: {
              shards: SHARDS,
              appendfsync: 'always',
              snapshotCompression: r.pick(['lz4', 'none'] as const),
              autoAofRewriteMinSize: r.between(2048, 16384),
              autoAofRewritePercentage: r.between(1, 30),
            },
          };
          await crash.run(config, r.between(300, 1500));
          const files = readdirSync(crash.dir);
          // A snapshot file not renamed yet, or a shard with two logs: a snapshot was under way.
          const logs = files.filter((name) => name.endsWith('.log')).length;
          if (files.some((name) => name.endsWith('.snap.tmp')) || logs > SHARDS) midway++;
          const manifest = JSON.parse(readFileSync(join(crash.dir, 'MANIFEST'), 'utf8'));
          if (manifest.files.some((f: { snapshot: string | null }) => f.snapshot !== null)) {
            committed++;
          }
          expect(await check(crash, seed, false)).toBeGreaterThan(0);
        }
      } finally {
        crash.remove();
      }
      console.log(`snapshot crash: ${committed} rounds after a commit, ${midway} killed mid-way`);
      expect(committed).toBeGreaterThan(0);
    },
    TIMEOUT_MS,
  );
});
