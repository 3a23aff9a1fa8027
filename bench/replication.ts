// Replication benchmark (tinybench for the steady figures): what replicas cost and what they buy.
//
//   1. write throughput: pipelined SET on one shard with 0, 1 and 2 replicas, as ratios to none;
//   2. WAIT latency: an awaited SET alone, then SET + wait(1), and SET + waitAll, p50 and p99;
//   3. failover time: a shard's primary is killed (Worker.terminate) over and over; measured from
//      the worker's exit to the first successful write on its slots, and the failover itself (from
//      the exit's notice to the new primary holding the slots);
//   4. full copy: a replica of a loaded primary is killed; the replacement's full copy, from its
//      start to streaming, in keys/s and MB/s, for small values and for 64 KiB values;
//   5. a slot move with replicas: one slot of small keys moves back and forth between two shards
//      with 0, 1 and 2 replicas each (the target acknowledges a batch once its replicas hold it),
//      and with 1 replica but the move option `replicas: 0` (nothing waits for them).
//
// Every figure is the median over rounds (within a round, tinybench's median over samples). With
// 2 cores every replica is one more thread than there are cores: the figures are oversubscribed.
//
//   npm run bench:replication -- --rounds 3

import { mkdirSync, writeFileSync } from 'node:fs';
import { Bench, hrtimeNowTimestampProvider } from 'tinybench';
import { keySlot, SlotDB } from '../src/index.js';
import { failoverRecords, replicasStreaming, replicaWorker, shardWorker } from '../src/testing.js';
import { latencyMicros, opsPerSecond } from './client-tasks.js';
import { type Machine, machine, median, numberFlags } from './machine.js';

const flags = numberFlags({
  rounds: 3,
  /** tinybench time per task (ms). */
  time: 1000,
  /** SETs issued together in the throughput task. */
  batch: 256,
  valueBytes: 32,
  /** Primary deaths per round in the failover part. */
  kills: 6,
  /** Keys a replica copies in the small-value full copy. */
  copyKeys: 1_000_000,
  /** 64 KiB values in the large-value full copy. */
  copyLarge: 2000,
  /** Keys of the slot that moves in the migration part, and moves per setup. */
  moveKeys: 100_000,
  moves: 3,
});

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

const value = 'v'.repeat(flags.valueBytes);
const keys = Array.from({ length: 100_000 }, (_, i) => `key:${i}`);

async function throughputAndWaits(replicas: number): Promise<void> {
  const db = await SlotDB.open({ shards: 1, replicas });
  try {
    const bench = newBench();
    let cursor = 0;
    const next = (): string => {
      cursor = cursor + 1 === keys.length ? 0 : cursor + 1;
      return keys[cursor]!;
    };
    bench.add('set', async () => {
      const pending: Promise<unknown>[] = [];
      for (let i = 0; i < flags.batch; i++) pending.push(db.set(next(), value));
      await Promise.all(pending);
    });
    bench.add('awaited set', async () => {
      await db.set(next(), value);
    });
    if (replicas > 0) {
      bench.add('set + wait(1)', async () => {
        await db.set(next(), value);
        if ((await db.wait(1, 0)) < 1) throw new Error('wait(1) answered 0');
      });
      bench.add('set + waitAll', async () => {
        await db.set(next(), value);
        const { acknowledged, configured } = await db.waitAll(0);
        if (acknowledged !== configured) throw new Error('waitAll answered fewer');
      });
    }
    await bench.run();
    record(`set ops/s, ${replicas} replicas`, opsPerSecond(bench, 'set', flags.batch));
    const alone = latencyMicros(bench, 'awaited set');
    record(`awaited set p50 µs, ${replicas} replicas`, alone.p50);
    record(`awaited set p99 µs, ${replicas} replicas`, alone.p99);
    if (replicas > 0) {
      for (const task of ['set + wait(1)', 'set + waitAll']) {
        const latency = latencyMicros(bench, task);
        record(`${task} p50 µs, ${replicas} replicas`, latency.p50);
        record(`${task} p99 µs, ${replicas} replicas`, latency.p99);
      }
    }
  } finally {
    await db.close();
  }
}

/** A key the shard `shard` serves now. */
function keyOf(db: SlotDB, shard: number): string {
  for (let i = 0; ; i++) if (db.slotOwner(keySlot(`f${i}`)) === shard) return `f${i}`;
}

async function failovers(): Promise<void> {
  const db = await SlotDB.open({ shards: 2, replicas: 1 });
  try {
    const key = keyOf(db, 0);
    for (let kill = 0; kill < flags.kills; kill++) {
      await replicasStreaming(db);
      await db.set(key, 'before');
      const worker = shardWorker(db, 0);
      const exited = new Promise<number>((resolve) =>
        worker.once('exit', () => resolve(performance.now())),
      );
      void worker.terminate();
      const exitAt = await exited;
      for (;;) {
        try {
          await db.set(key, 'after');
          break;
        } catch {
          // A write sent to the dead primary fails with FailoverError: the next one goes on.
        }
      }
      record('failover: exit → first write ms', performance.now() - exitAt);
      const last = failoverRecords(db).at(-1);
      if (last !== undefined) record('failover: promotion ms', last.endedAt - last.startedAt);
    }
  } finally {
    await db.close();
  }
}

async function fullCopy(label: string, count: number, valueBytes: number): Promise<void> {
  const db = await SlotDB.open({ shards: 1, replicas: 1 });
  try {
    const big = 'x'.repeat(valueBytes);
    const chunk = Math.max(1, Math.floor((4 * 1024 * 1024) / (valueBytes + 16)));
    for (let from = 0; from < count; from += chunk) {
      const pairs: [string, string][] = [];
      for (let i = from; i < Math.min(count, from + chunk); i++) pairs.push([`c:${i}`, big]);
      await db.mSet(pairs);
    }
    await db.wait(1, 0);
    const started = performance.now();
    await replicaWorker(db, 0, 0).terminate();
    await replicasStreaming(db, 600_000);
    const seconds = (performance.now() - started) / 1000;
    const bytes = count * (valueBytes + `c:${count}`.length);
    record(`full copy ${label} keys/s`, count / seconds);
    record(`full copy ${label} MB/s`, bytes / 1e6 / seconds);
  } finally {
    await db.close();
  }
}

async function movesWithReplicas(replicas: number, waitFor: number | undefined): Promise<void> {
  const db = await SlotDB.open({ shards: 2, replicas });
  const tag = 'move';
  const slot = keySlot(tag);
  try {
    for (let from = 0; from < flags.moveKeys; from += 1000) {
      const pairs: [string, string][] = [];
      for (let i = from; i < Math.min(flags.moveKeys, from + 1000); i++) {
        pairs.push([`{${tag}}k${i}`, value]);
      }
      await db.mSet(pairs);
    }
    if (replicas > 0) await db.wait(replicas, 0);
    const label =
      waitFor === undefined
        ? `${replicas} replicas`
        : `${replicas} replicas, move option replicas: ${waitFor}`;
    for (let move = 0; move < flags.moves; move++) {
      const started = performance.now();
      const options = waitFor === undefined ? {} : { replicas: waitFor };
      await db.migrateSlot(slot, 1 - db.slotOwner(slot), options);
      record(`slot move keys/s, ${label}`, flags.moveKeys / ((performance.now() - started) / 1000));
    }
  } finally {
    await db.close();
  }
}

function report(about: Machine): string {
  const medians = Object.fromEntries(
    Object.entries(figures).map(([name, values]) => [name, median(values)]),
  );
  const fmt = (n: number): string =>
    n >= 100 ? Math.round(n).toLocaleString('en-US') : n.toFixed(2);
  const base = medians['set ops/s, 0 replicas']!;
  const lines = [
    `slotdb replication benchmark: ${about.cores} cores (${about.cpu}), Node ${about.node}, ` +
      `${flags.rounds} rounds, ${about.date}`,
    '',
    '| measure | median | ratio to 0 replicas |',
    '| --- | ---: | ---: |',
  ];
  for (const [name, value_] of Object.entries(medians)) {
    const moveBase = medians['slot move keys/s, 0 replicas']!;
    const ratio = name.startsWith('set ops/s')
      ? (value_ / base).toFixed(2)
      : name.startsWith('slot move')
        ? (value_ / moveBase).toFixed(2)
        : '';
    lines.push(`| ${name} | ${fmt(value_)} | ${ratio} |`);
  }
  const kills = figures['failover: exit → first write ms'] ?? [];
  if (kills.length > 0) {
    lines.push(
      '',
      `failover over ${kills.length} kills: exit → first write p50 ${fmt(median(kills))} ms, ` +
        `max ${fmt(Math.max(...kills))} ms`,
    );
  }
  return `${lines.join('\n')}\n`;
}

async function main(): Promise<void> {
  const about = machine();
  console.log(
    `slotdb replication benchmark: ${about.cores} cores (${about.cpu}), Node ${about.node}, ` +
      `${flags.rounds} rounds`,
  );
  for (let round = 1; round <= flags.rounds; round++) {
    console.log(`round ${round}/${flags.rounds}`);
    for (const replicas of [0, 1, 2]) await throughputAndWaits(replicas);
    await failovers();
    await fullCopy(`${flags.valueBytes} B values`, flags.copyKeys, flags.valueBytes);
    await fullCopy('64 KiB values', flags.copyLarge, 64 * 1024);
    for (const replicas of [0, 1, 2]) await movesWithReplicas(replicas, undefined);
    await movesWithReplicas(1, 0);
  }
  const text = report(about);
  const directory = new URL('../../bench/results/', import.meta.url);
  mkdirSync(directory, { recursive: true });
  writeFileSync(new URL('replication.txt', directory), text);
  writeFileSync(
    new URL('replication.json', directory),
    `${JSON.stringify({ benchmark: 'replication', machine: about, flags, rounds: figures }, null, 2)}\n`,
  );
  console.log(text);
  console.log('wrote bench/results/replication.txt and replication.json');
}

await main();
