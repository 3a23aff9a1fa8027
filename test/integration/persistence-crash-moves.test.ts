// Crash recovery with real processes, while slots move and while a shard fails over. A child
// process (test/support/crash-writer.mjs) writes under pipelined load with appendfsync 'always';
// (1) its keys share a few hash tags whose slots keep moving between shards, and it is killed with
// SIGKILL at a random moment: reopened, every acknowledged write is there exactly once (DBSIZE and
// CLUSTER COUNTKEYSINSLOT count exactly the keys SCAN finds: none on two shards, none on a shard
// that does not own its slot), nothing is invented, and a second reopen finds the same (some
// rounds are killed again while reopening, as interrupted moves are settled); (2) with a replica
// per shard, a shard's primary worker is terminated mid-load, mostly while snapshots are taken and
// committed: the replica is promoted (no commit in flight holds the failover up) and takes over
// the log, the writes go on, and then the process is killed or closes: reopened, nothing
// acknowledged is lost. SLOTDB_CRASH_ROUNDS=<n> runs more rounds; SLOTDB_FUZZ_SEED replays one.

import { describe, expect, it } from 'vitest';
import { SlotDB } from '../../dist/src/index.js';
import { checkCrash, readJournal } from '../support/crash-check.js';
import { CrashDir, type WriterConfig } from '../support/crash-round.js';
import { fuzzSeed, Random } from '../support/random.js';
import { readKeyspace } from '../support/typed-model.js';

const ROUNDS = Number(process.env.SLOTDB_CRASH_ROUNDS ?? 2);
const SHARDS = 3;
/** A round takes a few seconds; a loaded machine may take several times that. */
const TIMEOUT_MS = 60_000 + 20_000 * ROUNDS;

/** Reopens the round's directory, checks it, and returns the keyspace it found. */
async function check(crash: CrashDir, seed: number): Promise<unknown> {
  const journal = readJournal(crash.journal, false);
  expect(journal.durable.size, `seed ${seed}: nothing was acknowledged`).toBeGreaterThan(0);
  const db = await SlotDB.open({ shards: SHARDS, dir: crash.dir });
  try {
    const problems = await checkCrash(db, journal);
    expect(problems.slice(0, 20), `seed ${seed}; the writer's stderr: ${crash.stderr}`).toEqual([]);
    return await readKeyspace(db);
  } finally {
    await db.close();
  }
}

describe('a process killed while slots move', () => {
  it(
    'keeps every acknowledged key exactly once, on the shard owning its slot',
    async () => {
      const crash = new CrashDir();
      try {
        for (let round = 0; round < ROUNDS + 1; round++) {
          const seed = fuzzSeed();
          const r = new Random(seed);
          console.log(`migration crash round ${round} seed ${seed}`);
          const config: WriterConfig = {
            seed,
            open: { shards: SHARDS, appendfsync: 'always' },
            groups: 6,
            migrate: true,
          };
          await crash.run(config, r.between(300, 1500));
          // Killed again while opening, perhaps while it settles the interrupted moves.
          if (round % 2 === 1) await crash.killDuringOpen({ shards: SHARDS }, r.between(100, 900));
          const first = await check(crash, seed);
          // The moves settled at the first open stay settled: a second open finds the same keys.
          const db = await SlotDB.open({ shards: SHARDS, dir: crash.dir });
          try {
            expect(await readKeyspace(db), `seed ${seed}: second reopen`).toEqual(first);
          } finally {
            await db.close();
          }
        }
      } finally {
        crash.remove();
      }
    },
    TIMEOUT_MS,
  );
});

describe('a primary worker terminated under load, with a replica', () => {
  it(
    'the promoted replica takes over the log: nothing acknowledged is lost',
    async () => {
      const crash = new CrashDir();
      try {
        for (let round = 0; round < ROUNDS; round++) {
          const seed = fuzzSeed();
          const r = new Random(seed);
          const kill = round % 2 === 0;
          console.log(`failover crash round ${round} (${kill ? 'killed' : 'closed'}) seed ${seed}`);
          // With snapshots taken all the time, the primary dies while one is being committed.
          const snapshots = round % 3 !== 2;
          const config: WriterConfig = {
            seed,
            open: {
              shards: SHARDS,
              appendfsync: 'always',
              replicas: 1,
              ...(snapshots ? { autoAofRewriteMinSize: 4096, autoAofRewritePercentage: 5 } : {}),
            },
            failover: { shard: r.int(SHARDS), afterMs: r.between(100, 600) },
            ...(kill ? {} : { closeAfterMs: r.between(100, 500) }),
          };
          await crash.run(config, r.between(100, 600));
          await check(crash, seed);
        }
      } finally {
        crash.remove();
      }
    },
    TIMEOUT_MS,
  );
});
