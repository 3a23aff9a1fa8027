// Crash recovery with real processes: a child process writes to a database on disk under pipelined
// load (new keys, keys with deadlines, INCR counters, list, set, hash and sorted-set members,
// deletes; test/support/crash-writer.mjs) and is killed with SIGKILL at a random moment. The
// directory is then opened again here, and every write the child saw acknowledged under
// appendfsync 'always' must be there, exactly once, and nothing it never sent
// (test/support/crash-check.ts). Variants: appendfsync 'everysec' where only what WAITAOF confirmed
// must survive, and kills while snapshots are being written and committed (a small
// autoAofRewriteMinSize takes them all the time). SLOTDB_CRASH_ROUNDS=<n> runs more rounds;
// SLOTDB_FUZZ_SEED=<seed> replays one.

import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SlotDB } from '../../dist/src/index.js';
import { checkCrash, readJournal } from '../support/crash-check.js';
import { type CrashRound, crashRound, type WriterConfig } from '../support/crash-round.js';
import { fuzzSeed, Random } from '../support/random.js';

const ROUNDS = Number(process.env.SLOTDB_CRASH_ROUNDS ?? 2);
const SHARDS = 3;
/** A round takes a few seconds; a loaded machine may take several times that. */
const TIMEOUT_MS = 60_000 + 20_000 * ROUNDS;

/** Reopens the round's directory and checks it against the child's journal. */
async function check(round: CrashRound, seed: number, confirmed: boolean): Promise<number> {
  const journal = readJournal(round.journal, confirmed);
  const db = await SlotDB.open({ shards: SHARDS, dir: round.dir });
  let problems: string[];
  try {
    problems = await checkCrash(db, journal);
  } finally {
    await db.close();
  }
  const where = `seed ${seed}; the writer's stderr: ${round.stderr}`;
  expect(problems.slice(0, 20), where).toEqual([]);
  return journal.durable.size;
}

describe('a process killed under load, appendfsync always', () => {
  it(
    'loses no acknowledged write and invents none',
    async () => {
      for (let round = 0; round < ROUNDS + 1; round++) {
        const seed = fuzzSeed();
        const r = new Random(seed);
        console.log(`crash round ${round} seed ${seed}`);
        const config: WriterConfig = { seed, open: { shards: SHARDS, appendfsync: 'always' } };
        const crash = await crashRound(config, r.between(150, 1200));
        try {
          expect(await check(crash, seed, false)).toBeGreaterThan(0);
        } finally {
          crash.remove();
        }
      }
    },
    TIMEOUT_MS,
  );
});

describe('a process killed under load, appendfsync everysec', () => {
  it(
    'loses no write WAITAOF confirmed',
    async (context) => {
      for (let round = 0; round < ROUNDS; round++) {
        const seed = fuzzSeed();
        const r = new Random(seed);
        console.log(`everysec crash round ${round} seed ${seed}`);
        const config: WriterConfig = {
          seed,
          open: { shards: SHARDS, appendfsync: 'everysec' },
          confirm: true,
        };
        const crash = await crashRound(config, r.between(2500, 4000));
        try {
          const text = readFileSync(crash.journal, 'utf8');
          // Until WAITAOF is in, there is nothing to confirm with.
          if (/^E .*unknown command/im.test(text)) context.skip();
          const confirmed = await check(crash, seed, true);
          expect(confirmed, `seed ${seed}: nothing was confirmed`).toBeGreaterThan(0);
        } finally {
          crash.remove();
        }
      }
    },
    TIMEOUT_MS,
  );
});

describe('a process killed while snapshots are written', () => {
  it(
    'loses no acknowledged write, whatever the snapshot was doing',
    async () => {
      let committed = 0;
      let midway = 0;
      for (let round = 0; round < ROUNDS + 1; round++) {
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
        const crash = await crashRound(config, r.between(300, 1500));
        try {
          const files = readdirSync(crash.dir);
          // A snapshot file not renamed yet, or a shard with two logs: a snapshot was under way.
          const logs = files.filter((name) => name.endsWith('.log')).length;
          if (files.some((name) => name.endsWith('.snap.tmp')) || logs > SHARDS) midway++;
          const manifest = JSON.parse(readFileSync(join(crash.dir, 'MANIFEST'), 'utf8'));
          if (manifest.files.some((f: { snapshot: string | null }) => f.snapshot !== null)) {
            committed++;
          }
          expect(await check(crash, seed, false)).toBeGreaterThan(0);
        } finally {
          crash.remove();
        }
      }
      console.log(
        `snapshot crash: ${committed} rounds with snapshots committed, ${midway} killed mid-way`,
      );
      expect(committed).toBeGreaterThan(0);
    },
    TIMEOUT_MS,
  );
});
