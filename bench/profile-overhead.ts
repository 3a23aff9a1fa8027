// What the migration stall profiler costs (tinybench): the same tasks with the profiler off and on,
// side by side in one process, alternating each round so drift hits both alike.
//
//   npm run bench:profile -- --rounds 5 --shards 1 --batch 1000 --time 1000
//
// Tasks: auto-pipelined GET and SET (throughput), one awaited GET and db.sync.get (latency). The
// overhead is the median over rounds of each round's on/off ratio.

import { mkdirSync, writeFileSync } from 'node:fs';
import { Bench, hrtimeNowTimestampProvider } from 'tinybench';
import { SlotDB } from '../src/index.js';
import { addClientTasks, type ClientFigures, clientFigures } from './client-tasks.js';
import { machine, median, numberFlags } from './machine.js';

const flags = numberFlags({ rounds: 5, shards: 1, keys: 100_000, batch: 1000, time: 1000 });
const keys = Array.from({ length: flags.keys }, (_, i) => `key:${(i * 7919) % flags.keys}`);
const value = 'v'.repeat(32);

type Sample = ClientFigures;

async function measure(db: SlotDB): Promise<Sample> {
  const bench = new Bench({
    time: flags.time,
    warmupTime: 200,
    timestampProvider: hrtimeNowTimestampProvider,
  });
  addClientTasks(bench, db, keys, value, flags.batch);
  await bench.run();
  return clientFigures(bench, flags.batch);
}

async function main(): Promise<void> {
  const about = machine();
  console.log(
    `slotdb profiler overhead: ${about.cores} cores (${about.cpu}), Node ${about.node}, ${flags.shards} shard(s), ${flags.rounds} rounds`,
  );
  const db = await SlotDB.open({ shards: flags.shards });
  const off: Sample[] = [];
  const on: Sample[] = [];
  let profiledOps = 0;
  try {
    for (let i = 0; i < keys.length; i += 10_000)
      await db.mSet(keys.slice(i, i + 10_000).map((k) => [k, value] as [string, string]));
    for (let round = 1; round <= flags.rounds; round++) {
      // Alternate which goes first, so neither always runs on a warmer process.
      for (const profiled of round % 2 === 1 ? [false, true] : [true, false]) {
        const profile = profiled ? db.profile({ bucketMs: 100 }) : undefined;
        const sample = await measure(db);
        if (profile !== undefined) profiledOps += (await profile.stop()).totals.ops;
        (profiled ? on : off).push(sample);
        console.log(
          `round ${round}/${flags.rounds} profile ${profiled ? 'on ' : 'off'}: GET ${Math.round(sample.getOps).toLocaleString('en-US')} ops/s, awaited GET p50 ${sample.awaitedP50.toFixed(2)} µs`,
        );
      }
    }
  } finally {
    await db.close();
  }
  if (profiledOps === 0) throw new Error('the profiled rounds recorded no operations');
  const ratio = (pick: (s: Sample) => number): number =>
    median(on.map((s, i) => pick(s) / pick(off[i]!)));
  const rows = [
    {
      measure: 'GET pipelined ops/s',
      off: median(off.map((s) => s.getOps)),
      on: median(on.map((s) => s.getOps)),
      ratio: ratio((s) => s.getOps),
    },
    {
      measure: 'SET pipelined ops/s',
      off: median(off.map((s) => s.setOps)),
      on: median(on.map((s) => s.setOps)),
      ratio: ratio((s) => s.setOps),
    },
    {
      measure: 'awaited GET p50 µs',
      off: median(off.map((s) => s.awaitedP50)),
      on: median(on.map((s) => s.awaitedP50)),
      ratio: ratio((s) => s.awaitedP50),
    },
    {
      measure: 'awaited GET p99 µs',
      off: median(off.map((s) => s.awaitedP99)),
      on: median(on.map((s) => s.awaitedP99)),
      ratio: ratio((s) => s.awaitedP99),
    },
    {
      measure: 'db.sync.get p50 µs',
      off: median(off.map((s) => s.syncP50)),
      on: median(on.map((s) => s.syncP50)),
      ratio: ratio((s) => s.syncP50),
    },
    {
      measure: 'db.sync.get p99 µs',
      off: median(off.map((s) => s.syncP99)),
      on: median(on.map((s) => s.syncP99)),
      ratio: ratio((s) => s.syncP99),
    },
  ];
  console.table(
    rows.map((r) => ({
      measure: r.measure,
      'profile off': r.off.toFixed(r.off > 1000 ? 0 : 2),
      'profile on': r.on.toFixed(r.on > 1000 ? 0 : 2),
      'on / off': r.ratio.toFixed(3),
    })),
  );
  console.log(`the profiled rounds recorded ${profiledOps.toLocaleString('en-US')} operations`);
  const directory = new URL('../../bench/results/', import.meta.url);
  mkdirSync(directory, { recursive: true });
  writeFileSync(
    new URL('profile-overhead.json', directory),
    `${JSON.stringify({ benchmark: 'profile-overhead', machine: about, flags, rows, rounds: { off, on } }, null, 2)}\n`,
  );
  console.log('wrote bench/results/profile-overhead.json');
}

await main();
