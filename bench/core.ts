// Core engine benchmark (tinybench): slotdb GET and SET throughput, auto-pipelined, against a plain
// Map in the main thread on the same keys; 1 vs 2 vs 4 shards; pipelined GET with each key built
// per call (as a caller does: `key:${id}`), against a Map doing the same; latency of one awaited
// GET and of db.sync.get; and the machine's raw cross-thread round trip, the floor for any of them.
//
//   npm run bench -- --rounds 3 --keys 100000 --batch 1000 --time 1000
//
// Every figure is the median over rounds; within a round, tinybench's median over samples.

import { mkdirSync, writeFileSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import { Bench, hrtimeNowTimestampProvider } from 'tinybench';
import { SlotDB } from '../src/index.js';
import { addClientTasks, clientFigures, latencyMicros, opsPerSecond } from './client-tasks.js';
import { machine, median, numberFlags } from './machine.js';

const flags = numberFlags({ rounds: 3, keys: 100_000, batch: 1000, time: 1000, valueBytes: 32 });
const SHARD_COUNTS = [1, 2, 4];

const ids = Array.from({ length: flags.keys }, (_, i) => i);
// Visit keys in a fixed shuffled order, so no run is favoured by a cache-friendly sequence.
for (let i = ids.length - 1; i > 0; i--) {
  const j = (i * 2654435761) % (i + 1);
  [ids[i], ids[j]] = [ids[j]!, ids[i]!];
}
const keys = ids.map((id) => `key:${id}`);
const value = 'v'.repeat(flags.valueBytes);

type Figures = Record<string, number[]>;
const figures: Figures = {};
function record(name: string, value: number): void {
  figures[name] ??= [];
  figures[name].push(value);
}

function newBench(): Bench {
  return new Bench({
    time: flags.time,
    warmupTime: 200,
    timestampProvider: hrtimeNowTimestampProvider,
  });
}

async function mapRound(): Promise<void> {
  const map = new Map<string, string>();
  for (const key of keys) map.set(key, value);
  const bench = newBench();
  let cursor = 0;
  let sink = 0;
  bench.add('map get', () => {
    for (let i = 0; i < flags.batch; i++) {
      sink += map.get(keys[cursor]!)!.length;
      cursor = cursor + 1 === keys.length ? 0 : cursor + 1;
    }
  });
  bench.add('map set', () => {
    for (let i = 0; i < flags.batch; i++) {
      map.set(keys[cursor]!, value);
      cursor = cursor + 1 === keys.length ? 0 : cursor + 1;
    }
  });
  bench.add('map get, keys built', () => {
    for (let i = 0; i < flags.batch; i++) {
      sink += map.get(`key:${ids[cursor]!}`)!.length;
      cursor = cursor + 1 === keys.length ? 0 : cursor + 1;
    }
  });
  await bench.run();
  if (sink === 0) throw new Error('the Map benchmark read nothing');
  record('map.get keys built ops/s', opsPerSecond(bench, 'map get, keys built', flags.batch));
  record('map.get ops/s', opsPerSecond(bench, 'map get', flags.batch));
  record('map.set ops/s', opsPerSecond(bench, 'map set', flags.batch));
}

async function slotdbRound(shards: number): Promise<void> {
  const db = await SlotDB.open({ shards });
  try {
    for (let i = 0; i < keys.length; i += 10_000)
      await db.mSet(keys.slice(i, i + 10_000).map((k) => [k, value] as [string, string]));
    const bench = newBench();
    addClientTasks(bench, db, keys, value, flags.batch);
    let cursor = 0;
    const pending: Promise<string | null>[] = new Array(flags.batch);
    bench.add('get, keys built', async () => {
      for (let i = 0; i < flags.batch; i++) {
        pending[i] = db.get(`key:${ids[cursor]!}`);
        cursor = cursor + 1 === ids.length ? 0 : cursor + 1;
      }
      const values = await Promise.all(pending);
      if (values[0] !== value) throw new Error('a GET with a built key read the wrong value');
    });
    await bench.run();
    record(
      `get keys built ops/s, ${shards} shard`,
      opsPerSecond(bench, 'get, keys built', flags.batch),
    );
    const client = clientFigures(bench, flags.batch);
    record(`get ops/s, ${shards} shard`, client.getOps);
    record(`set ops/s, ${shards} shard`, client.setOps);
    record(`awaited get p50 µs, ${shards} shard`, client.awaitedP50);
    record(`awaited get p99 µs, ${shards} shard`, client.awaitedP99);
    record(`sync get p50 µs, ${shards} shard`, client.syncP50);
    record(`sync get p99 µs, ${shards} shard`, client.syncP99);
  } finally {
    await db.close();
  }
}

async function roundTripRound(): Promise<void> {
  const sab = new SharedArrayBuffer(8);
  const words = new Int32Array(sab);
  const worker = new Worker(new URL('./round-trip-worker.js', import.meta.url), {
    workerData: sab,
  });
  await new Promise((resolve) => setTimeout(resolve, 50));
  const bench = newBench();
  let n = 0;
  bench.add('raw round trip', () => {
    n++;
    Atomics.store(words, 0, n);
    while (Atomics.load(words, 1) !== n);
  });
  await bench.run();
  Atomics.store(words, 0, -1);
  await worker.terminate();
  const latency = latencyMicros(bench, 'raw round trip');
  record('raw round trip p50 µs', latency.p50);
  record('raw round trip p99 µs', latency.p99);
}

async function main(): Promise<void> {
  const about = machine();
  console.log(
    `slotdb core benchmark: ${about.cores} cores (${about.cpu}), Node ${about.node}, ${flags.rounds} rounds`,
  );
  for (let round = 1; round <= flags.rounds; round++) {
    console.log(`round ${round}/${flags.rounds}`);
    await mapRound();
    await roundTripRound();
    for (const shards of SHARD_COUNTS) await slotdbRound(shards);
  }
  const medians = Object.fromEntries(
    Object.entries(figures).map(([name, values]) => [name, median(values)]),
  );
  const rows: Record<string, string>[] = [];
  const mapGet = medians['map.get ops/s']!;
  const mapSet = medians['map.set ops/s']!;
  const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');
  rows.push({ measure: 'Map.get (main thread)', value: `${fmt(mapGet)} ops/s`, 'vs Map': '1' });
  rows.push({ measure: 'Map.set (main thread)', value: `${fmt(mapSet)} ops/s`, 'vs Map': '1' });
  for (const shards of SHARD_COUNTS) {
    const get = medians[`get ops/s, ${shards} shard`]!;
    const set = medians[`set ops/s, ${shards} shard`]!;
    rows.push({
      measure: `GET pipelined, ${shards} shard(s)`,
      value: `${fmt(get)} ops/s`,
      'vs Map': (get / mapGet).toFixed(3),
    });
    rows.push({
      measure: `SET pipelined, ${shards} shard(s)`,
      value: `${fmt(set)} ops/s`,
      'vs Map': (set / mapSet).toFixed(3),
    });
  }
  const mapBuilt = medians['map.get keys built ops/s']!;
  rows.push({
    measure: 'Map.get, keys built per call (main thread)',
    value: `${fmt(mapBuilt)} ops/s`,
    'vs Map': '1',
  });
  for (const shards of SHARD_COUNTS) {
    const built = medians[`get keys built ops/s, ${shards} shard`]!;
    rows.push({
      measure: `GET pipelined, keys built per call, ${shards} shard(s)`,
      value: `${fmt(built)} ops/s`,
      'vs Map': (built / mapBuilt).toFixed(3),
    });
  }
  for (const shards of SHARD_COUNTS) {
    rows.push({
      measure: `awaited GET, ${shards} shard(s)`,
      value: `p50 ${medians[`awaited get p50 µs, ${shards} shard`]!.toFixed(1)} µs, p99 ${medians[`awaited get p99 µs, ${shards} shard`]!.toFixed(1)} µs`,
      'vs Map': '',
    });
    rows.push({
      measure: `db.sync.get, ${shards} shard(s)`,
      value: `p50 ${medians[`sync get p50 µs, ${shards} shard`]!.toFixed(2)} µs, p99 ${medians[`sync get p99 µs, ${shards} shard`]!.toFixed(2)} µs`,
      'vs Map': '',
    });
  }
  rows.push({
    measure: 'raw cross-thread round trip (Atomics spin)',
    value: `p50 ${medians['raw round trip p50 µs']!.toFixed(2)} µs, p99 ${medians['raw round trip p99 µs']!.toFixed(2)} µs`,
    'vs Map': '',
  });
  console.table(rows);
  const result = { benchmark: 'core', machine: about, flags, medians, rounds: figures };
  const directory = new URL('../../bench/results/', import.meta.url);
  mkdirSync(directory, { recursive: true });
  writeFileSync(new URL('core.json', directory), `${JSON.stringify(result, null, 2)}\n`);
  console.log('wrote bench/results/core.json');
}

await main();
