// Steady latency at millions of keys, one shard:
//
//   1. load `keys` keys of `valueBytes`-byte values with pipelined db.mSet chunks (keys/s);
//   2. `steadyMs` of awaited GETs of random keys, one at a time (p50, p99, p99.9, max and the
//      worst requests with their time, each put down to a cause: steady-evidence.ts);
//   3. pipelined GET, and a 90/10 GET/SET mix, in batches of `batch` promises (ops/s);
//   4. memory per key: the shard's live heap and its arena (db.stats().shards[i].storeBytes), the
//      process's RSS, before and after the load;
//      and redis-server's used_memory for the same keys when it is installed (`--redis 0` skips).
//
// With `--evidence 1` (the default) the shard logs its stalls (SLOTDB_STALL_LOG), which costs it a
// GC profiler; `--evidence 0` measures without it.
//
//   npm run bench:steady -- --keys 5000000 --steadyMs 60000

import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHistogram } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { setFlagsFromString } from 'node:v8';
import { SlotDB } from '../src/index.js';
import { shardHeapBytes } from '../src/testing.js';
import { formatFigure } from './figures.js';
import { machine, numberFlags } from './machine.js';
import {
  type Explained,
  explain,
  MainGcs,
  machineTicks,
  ownThreadNs,
  readStalls,
  type Slow,
} from './steady-evidence.js';
import { redisBytesPerKey } from './steady-redis.js';

const flags = numberFlags({
  keys: 5_000_000,
  valueBytes: 32,
  steadyMs: 60_000,
  pipelineMs: 5000,
  batch: 1000,
  chunk: 10_000,
  inflight: 4,
  outlierMs: 1,
  evidence: 1,
  redis: 1,
});
const VALUE = 'v'.repeat(flags.valueBytes);
/** The steady loop yields to the event loop (and samples the main thread's CPU wait) this often. */
const SAMPLE_MS = 50;
const WORST_KEPT = 10;

/** A key by index, built per call as a caller does. */
const keyOf = (i: number): string => `key:${i}`;

/** A Lehmer generator: the same random keys in every run. */
let seed = 12345;
function randomIndex(): number {
  seed = (seed * 48271) % 2147483647;
  return seed % flags.keys;
}

/** The shard's heap used, as db.stats() reads it (the shard refreshes it every 100 ms of work). */
async function shardHeap(db: SlotDB): Promise<number> {
  await sleep(150);
  await db.get(keyOf(0));
  return db.stats().shards[0]!.heapUsedBytes;
}

/** The shard's bytes outside its heap (arena and indexes), read with shardHeap(). */
function shardStore(db: SlotDB): number {
  return db.stats().shards[0]!.storeBytes;
}

async function load(db: SlotDB): Promise<number> {
  const started = performance.now();
  const inflight = new Set<Promise<unknown>>();
  for (let i = 0; i < flags.keys; i += flags.chunk) {
    const pairs: string[] = [];
    for (let k = i; k < Math.min(flags.keys, i + flags.chunk); k++) pairs.push(keyOf(k), VALUE);
    const sent = db.mSet(pairs);
    inflight.add(sent);
    void sent.then(() => inflight.delete(sent));
    if (inflight.size >= flags.inflight) await Promise.race(inflight);
  }
  await Promise.all(inflight);
  return flags.keys / ((performance.now() - started) / 1000);
}

interface SteadyResult {
  readonly requests: number;
  readonly p50: number;
  readonly p99: number;
  readonly p999: number;
  readonly max: number;
  readonly worst: Slow[];
  readonly slow: Slow[];
  readonly heapMinBytes: number;
  /** Share of the machine's CPU time busy during the phase (all processes), 0..1. */
  readonly machineBusy: number;
}

/** Keeps the `WORST_KEPT` slowest requests, slowest first. */
function keepWorst(worst: Slow[], slow: Slow): void {
  if (worst.length === WORST_KEPT && slow.ms <= worst[WORST_KEPT - 1]!.ms) return;
  let i = worst.length;
  while (i > 0 && worst[i - 1]!.ms < slow.ms) i--;
  worst.splice(i, 0, slow);
  if (worst.length > WORST_KEPT) worst.pop();
}

async function steady(db: SlotDB): Promise<SteadyResult> {
  const histogram = createHistogram();
  const worst: Slow[] = [];
  const slow: Slow[] = [];
  let heapMinBytes = Number.POSITIVE_INFINITY;
  const ticks = machineTicks();
  let sampledAt = performance.now();
  let mainWait = ownThreadNs().wait;
  const end = sampledAt + flags.steadyMs;
  for (;;) {
    const key = keyOf(randomIndex());
    const started = performance.now();
    await db.get(key);
    const ms = performance.now() - started;
    histogram.record(Math.max(1, Math.round(ms * 1e6)));
    if (ms >= flags.outlierMs || worst.length < WORST_KEPT || ms > worst[WORST_KEPT - 1]!.ms) {
      const mainWaitMs = (ownThreadNs().wait - mainWait) / 1e6;
      const request = { at: performance.timeOrigin + started, ms, mainWaitMs };
      keepWorst(worst, request);
      if (ms >= flags.outlierMs) slow.push(request);
    }
    const now = started + ms;
    if (now - sampledAt < SAMPLE_MS) continue;
    if (now >= end) break;
    heapMinBytes = Math.min(heapMinBytes, db.stats().shards[0]!.heapUsedBytes);
    // Timers and observers run here, outside any timed request.
    await new Promise((resolve) => setImmediate(resolve));
    sampledAt = performance.now();
    mainWait = ownThreadNs().wait;
  }
  const after = machineTicks();
  return {
    requests: histogram.count,
    p50: histogram.percentile(50) / 1000,
    p99: histogram.percentile(99) / 1000,
    p999: histogram.percentile(99.9) / 1000,
    max: histogram.max / 1000,
    worst,
    slow,
    heapMinBytes,
    machineBusy: (after.busy - ticks.busy) / Math.max(1, after.total - ticks.total),
  };
}

/** Pipelined calls in batches of `batch` promises for pipelineMs; ops/s. 1 in `setEvery` sets. */
async function pipelined(db: SlotDB, setEvery: number): Promise<number> {
  const pending = new Array<Promise<unknown>>(flags.batch);
  let calls = 0;
  const started = performance.now();
  while (performance.now() - started < flags.pipelineMs) {
    for (let i = 0; i < flags.batch; i++) {
      const key = keyOf(randomIndex());
      pending[i] = setEvery > 0 && i % setEvery === 0 ? db.set(key, VALUE) : db.get(key);
    }
    await Promise.all(pending);
    calls += flags.batch;
  }
  return calls / ((performance.now() - started) / 1000);
}

function causes(explained: readonly Explained[]): Record<string, { count: number; ms: number }> {
  const byCause: Record<string, { count: number; ms: number }> = {};
  for (const slow of explained) {
    byCause[slow.cause] ??= { count: 0, ms: 0 };
    const entry = byCause[slow.cause];
    entry.count++;
    entry.ms = Math.max(entry.ms, slow.ms);
  }
  return byCause;
}

// The shard's worker then has gc(), and the 'heap' request (shardHeapBytes) collects before it
// reads: live bytes, taken before the load and after the timed phases so as not to disturb them.
setFlagsFromString('--expose-gc');

async function main(): Promise<void> {
  const about = machine();
  const stallLog = join(tmpdir(), `slotdb-stalls-${process.pid}.jsonl`);
  rmSync(stallLog, { force: true });
  if (flags.evidence === 1) process.env.SLOTDB_STALL_LOG = stallLog;
  const rssBefore = process.memoryUsage.rss();
  const db = await SlotDB.open({ shards: 1 });
  const gcs = new MainGcs();
  try {
    const liveBefore = await shardHeapBytes(db, 0);
    const heapBefore = await shardHeap(db);
    const storeBefore = shardStore(db);
    const loadKeysPerSecond = await load(db);
    const heapAfter = await shardHeap(db);
    const storeAfter = shardStore(db);
    const mainHeapBytes = process.memoryUsage().heapUsed;
    const rssAfter = process.memoryUsage.rss();
    gcs.start();
    const result = await steady(db);
    gcs.stop();
    const getOps = await pipelined(db, 0);
    const mixedOps = await pipelined(db, 10);
    const liveAfter = await shardHeapBytes(db, 0);
    const stalls = readStalls(stallLog);
    const explained = result.slow.map((slow) => explain(slow, stalls, gcs.list));
    const worst = result.worst.map((slow) => explain(slow, stalls, gcs.list));
    await db.close();
    const redis = flags.redis === 1 ? await redisBytesPerKey(flags.keys, VALUE) : undefined;
    const { worst: _worst, slow: _slow, ...steadyFigures } = result;
    const figures: Figures = {
      loadKeysPerSecond,
      steady: steadyFigures,
      pipelinedGetOps: getOps,
      pipelinedGetSetOps: mixedOps,
      heapBytesPerKey: (heapAfter - heapBefore) / flags.keys,
      heapMinBytesPerKey: (result.heapMinBytes - heapBefore) / flags.keys,
      liveHeapBytesPerKey: (liveAfter - liveBefore) / flags.keys,
      storeBytesPerKey: (storeAfter - storeBefore) / flags.keys,
      mainHeapMiB: mainHeapBytes / 2 ** 20,
      rssBytesPerKey: (rssAfter - rssBefore) / flags.keys,
      redisBytesPerKey: redis,
    };
    report(about, figures, worst, explained, stalls.length, gcs.list.length);
  } finally {
    await db.close().catch(() => undefined);
    rmSync(stallLog, { force: true });
  }
}

interface Figures {
  readonly loadKeysPerSecond: number;
  readonly steady: Omit<SteadyResult, 'worst' | 'slow'>;
  readonly pipelinedGetOps: number;
  readonly pipelinedGetSetOps: number;
  readonly heapBytesPerKey: number;
  readonly heapMinBytesPerKey: number;
  readonly liveHeapBytesPerKey: number;
  /** The shard's arena and indexes (outside its heap), per key. */
  readonly storeBytesPerKey: number;
  /** The main thread's heap used after the load, before the timed phases. */
  readonly mainHeapMiB: number;
  readonly rssBytesPerKey: number;
  readonly redisBytesPerKey: number | undefined;
}

function report(
  about: ReturnType<typeof machine>,
  f: Figures,
  worst: readonly Explained[],
  explained: readonly Explained[],
  stalls: number,
  mainGcs: number,
): void {
  const s = f.steady;
  const lines = [
    `slotdb steady latency: 1 shard, ${flags.keys.toLocaleString('en-US')} keys of ${flags.valueBytes}-byte values; ${about.cores} cores (${about.cpu}), Node ${about.node}`,
    `load (pipelined mSet, ${flags.chunk} keys a call, ${flags.inflight} in flight): ${formatFigure(f.loadKeysPerSecond)} keys/s`,
    `awaited GET for ${flags.steadyMs / 1000} s (${formatFigure(s.requests)} requests, machine ${(s.machineBusy * 100).toFixed(0)}% busy): p50 ${s.p50.toFixed(1)} µs, p99 ${s.p99.toFixed(1)} µs, p99.9 ${s.p999.toFixed(1)} µs, max ${(s.max / 1000).toFixed(2)} ms`,
    `requests ≥ ${flags.outlierMs} ms: ${explained.length}, by cause (count, longest ms): ${JSON.stringify(causes(explained))}; ${explained.filter((slow) => slow.shardGcTypes !== '').length} of them during a shard collection (shard stalls logged: ${stalls}, main-thread GCs: ${mainGcs})`,
    `pipelined GET: ${formatFigure(f.pipelinedGetOps)} ops/s; GET/SET 90/10: ${formatFigure(f.pipelinedGetSetOps)} ops/s`,
    `memory per key: ${(f.liveHeapBytesPerKey + f.storeBytesPerKey).toFixed(1)} B held by the shard (live heap and arena); shard arena and indexes ${f.storeBytesPerKey.toFixed(1)} B, shard heap ${f.heapBytesPerKey.toFixed(1)} B after the load, ${f.heapMinBytesPerKey.toFixed(1)} B at its lowest while steady, ${f.liveHeapBytesPerKey.toFixed(1)} B live (after a full collection); process RSS ${f.rssBytesPerKey.toFixed(1)} B; main thread's heap ${f.mainHeapMiB.toFixed(0)} MiB after the load; redis-server ${f.redisBytesPerKey === undefined ? 'not measured' : `${f.redisBytesPerKey.toFixed(1)} B`}`,
    'worst requests (absolute time, ms, cause, shard stall / shard GC / shard off-CPU / main GC / main off-CPU ms, shard GC kinds):',
    ...worst.map(
      (w) =>
        `  ${new Date(w.at).toISOString()} ${w.ms.toFixed(2)} ${w.cause}: ${[w.shardStallMs, w.shardGcMs, w.shardWaitMs, w.mainGcMs, w.mainWaitMs].map((n) => n.toFixed(2)).join(' / ')} ${w.shardGcTypes}`,
    ),
  ];
  const text = `${lines.join('\n')}\n`;
  console.log(text);
  const directory = new URL('../../bench/results/', import.meta.url);
  mkdirSync(directory, { recursive: true });
  const result = {
    benchmark: 'steady-latency',
    machine: about,
    flags,
    figures: f,
    worst,
    explained,
  };
  writeFileSync(new URL('steady-latency.json', directory), `${JSON.stringify(result, null, 2)}\n`);
  writeFileSync(new URL('steady-latency.txt', directory), text);
  console.log('wrote bench/results/steady-latency.json and .txt');
}

await main();
