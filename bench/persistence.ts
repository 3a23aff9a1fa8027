// Persistence benchmark: what a data directory costs and how fast it writes and comes back.
//
//   1. write throughput: pipelined SET on one shard in memory and with appendfsync 'no',
//      'everysec', 'always', as ratios to in memory (goal: everysec >= 0.8), and an awaited SET's
//      p50/p99; redis-server without AOF and with AOF everysec/always beside it, as ratios to its
//      own no-AOF figure (persistence-throughput.ts);
//   2. recovery: keys/s loading `keys` keys from the log alone and from a snapshot alone;
//   3. latency: awaited GET/SET p50/p99/max in steady state and while a snapshot of those keys is
//      written (goal: max <= 2 ms above steady) (persistence-recovery.ts, 2 and 3);
//   4. snapshot write MB/s and size with LZ4 and without, for three kinds of values, and LZ4 against
//      node:zlib on the same blocks (persistence-snapshots.ts);
//   5. a snapshot turn taken apart in this thread: step() times, the parts of a turn, and what a
//      hand-off to another thread would cost the shard (snapshot-turns.ts).
//
// Every figure is the median over rounds; ratios are taken within a round (side by side) and their
// median reported. The machine's core count is printed with the results: on 2 cores the client
// thread, the shard and the syncer share them, and the figures of a loaded machine are noisy.
//
//   npm run bench:persistence               full run (a few minutes)
//   npm run bench:persistence -- --quick    fewer keys, one round: a check that it all works
//   npm run bench:persistence -- --rounds 5 --keys 2000000

import { mkdirSync, writeFileSync } from 'node:fs';
import { SlotDB } from '../src/index.js';
import { Figures } from './figures.js';
import { machine, numberFlags } from './machine.js';
import { recoveryRound } from './persistence-recovery.js';
import { persistenceReport } from './persistence-report.js';
import {
  documentValue,
  printableValue,
  removeDirectory,
  seeded,
  snapshotTrigger,
  temporaryDirectory,
} from './persistence-setup.js';
import { codecRound, dataSets, snapshotRound } from './persistence-snapshots.js';
import { redisRound, SLOTDB_MODES, slotdbRound, warmUp } from './persistence-throughput.js';
import { redisServerPath } from './redis-peer.js';
import { keyspaceOf, timeParts, timeSteps } from './snapshot-turns.js';

const FULL = {
  rounds: 3,
  /** tinybench time per task (ms), and SETs issued together in the pipelined task. */
  time: 1000,
  batch: 256,
  /** SETs redis-benchmark sends per mode. */
  redisRequests: 2_000_000,
  /** Keys of the recovery and latency part, and how long steady latency is sampled (ms). */
  keys: 1_000_000,
  steadyMs: 1500,
  /** The snapshot data sets: JSON records, 64-byte printable strings, 64 KiB documents. */
  jsonKeys: 300_000,
  printableKeys: 500_000,
  documents: 1000,
  codecBytes: 8 * 1024 * 1024,
  codecMs: 300,
};
const QUICK: typeof FULL = {
  rounds: 1,
  time: 300,
  batch: 256,
  redisRequests: 300_000,
  keys: 100_000,
  steadyMs: 1000,
  jsonKeys: 30_000,
  printableKeys: 50_000,
  documents: 100,
  codecBytes: 2 * 1024 * 1024,
  codecMs: 100,
};

const quick = process.argv.includes('--quick');
if (quick) process.argv.splice(process.argv.indexOf('--quick'), 1);
const flags = numberFlags(quick ? QUICK : FULL);
const figures = new Figures();

/** Snapshot turns of the latency part's keys and of 64 KiB documents, in this thread. */
function turnsRound(): void {
  const dir = temporaryDirectory();
  try {
    const small = seeded(1);
    const sets = [
      ['turns, 32 B values', flags.keys, () => printableValue(32, small)],
      ['turns, 64 KiB documents', flags.documents, (i: number) => documentValue(i, 65536, small)],
    ] as const;
    for (const [label, count, value] of sets) {
      const keyspace = keyspaceOf(count, 'key:', value);
      // A first pass thrown away: a shard that snapshots has run this code before.
      timeSteps(new Figures(), label, keyspace, dir, false);
      timeSteps(figures, label, keyspace, dir, true);
      timeSteps(figures, label, keyspace, dir, false);
      timeParts(figures, label, keyspace, dir);
    }
  } finally {
    removeDirectory(dir);
  }
}

async function main(): Promise<void> {
  const about = machine();
  const withRedis = redisServerPath() !== undefined;
  const probe = await SlotDB.open({ shards: 1 });
  const trigger = await snapshotTrigger(probe);
  await probe.close();
  console.log(
    `slotdb persistence benchmark: ${about.cores} cores (${about.cpu}), Node ${about.node}, ` +
      `${flags.rounds} rounds${quick ? ' (quick)' : ''}; snapshots started by ${trigger}` +
      (withRedis ? '' : '; redis-server is not installed: no peer figures'),
  );
  await warmUp(flags);
  for (let round = 0; round < flags.rounds; round++) {
    console.log(`round ${round + 1}/${flags.rounds}: throughput`);
    // The order rotates between rounds, so a drift of the machine favours no mode.
    const order = SLOTDB_MODES.map((_, i) => SLOTDB_MODES[(i + round) % SLOTDB_MODES.length]!);
    await slotdbRound(order, flags, figures);
    if (withRedis) await redisRound(flags, figures);
    console.log(`round ${round + 1}/${flags.rounds}: recovery and latency`);
    await recoveryRound(flags, figures);
    console.log(`round ${round + 1}/${flags.rounds}: snapshots and codecs`);
    for (const set of dataSets(flags)) {
      const blocks = await snapshotRound(set, round, flags, figures);
      codecRound(set.name, blocks, flags, figures);
    }
    console.log(`round ${round + 1}/${flags.rounds}: snapshot turns`);
    turnsRound();
  }
  const text = persistenceReport(about, { ...flags, quick, trigger }, figures);
  console.log(text);
  // A quick run is a check that every part works: it leaves the results of a full run alone.
  if (quick) return;
  const directory = new URL('../../bench/results/', import.meta.url);
  mkdirSync(directory, { recursive: true });
  writeFileSync(new URL('persistence.md', directory), text);
  const result = {
    benchmark: 'persistence',
    machine: about,
    flags,
    trigger,
    rounds: figures.rounds,
  };
  writeFileSync(new URL('persistence.json', directory), `${JSON.stringify(result, null, 2)}\n`);
  console.log('wrote bench/results/persistence.md and persistence.json');
}

await main();
