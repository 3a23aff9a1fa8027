// Two builds of slotdb side by side in one process, for a change to the hot path: this build and
// another one (a checkout of the commit before the change, built with `npm run build`). Each round
// opens a database of one shard from each build in turn (the order alternates), and measures
// auto-pipelined GET and SET throughput and the p50 latency of db.sync.get and of an awaited GET.
// Figures are medians over rounds, with the median of the per-round ratios beside them; one
// process and alternating rounds keep the shared machine's drift out of the ratio.
//
//   git worktree add /tmp/before <commit> && (cd /tmp/before && npm ci && npm run build)
//   npm run bench:compare -- --other /tmp/before --rounds 10

import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { machine, median } from './machine.js';

interface Build {
  readonly name: string;
  readonly open: (options: { shards: number }) => Promise<BenchDb>;
}

/** What the comparison uses of a SlotDB, the same in every build. */
interface BenchDb {
  get(key: string): Promise<unknown>;
  set(key: string, value: string): Promise<unknown>;
  mSet(pairs: [string, string][]): Promise<unknown>;
  sync: { get(key: string): unknown };
  close(): Promise<void>;
}

const { values } = parseArgs({
  options: {
    other: { type: 'string' },
    rounds: { type: 'string', default: '10' },
    keys: { type: 'string', default: '100000' },
  },
});
if (values.other === undefined)
  throw new Error('--other <path of another built checkout> is required');
const ROUNDS = Number(values.rounds);
const KEYS = Number(values.keys);
const BATCH = 1000;
const PIPELINE_MS = 1500;
const WARM_MS = 300;
const SYNC_CALLS = 50_000;
const AWAITED_CALLS = 20_000;

const keys = Array.from({ length: KEYS }, (_, i) => `key:${(i * 2654435761) % KEYS}`);
const value = 'v'.repeat(32);

async function load(path: string, name: string): Promise<Build> {
  const module = (await import(resolve(path, 'dist/src/index.js'))) as {
    SlotDB: { open(options: { shards: number }): Promise<BenchDb> };
  };
  return { name, open: (options) => module.SlotDB.open(options) };
}

/** Auto-pipelined calls in batches of BATCH for PIPELINE_MS; returns calls per second. */
async function pipelined(db: BenchDb, op: 'get' | 'set'): Promise<number> {
  const pending = new Array<Promise<unknown>>(BATCH);
  let cursor = 0;
  const batch = async (): Promise<void> => {
    for (let i = 0; i < BATCH; i++) {
      cursor = (cursor + 1) % KEYS;
      pending[i] = op === 'get' ? db.get(keys[cursor]!) : db.set(keys[cursor]!, value);
    }
    await Promise.all(pending);
  };
  const warmUntil = performance.now() + WARM_MS;
  while (performance.now() < warmUntil) await batch();
  let calls = 0;
  const started = performance.now();
  while (performance.now() - started < PIPELINE_MS) {
    await batch();
    calls += BATCH;
  }
  return calls / ((performance.now() - started) / 1000);
}

/** p50 in µs of `calls` timed calls, after as many untimed ones; `awaited` awaits each call. */
async function latency(
  calls: number,
  awaited: boolean,
  call: (key: string) => unknown,
): Promise<number> {
  const times = new Float64Array(calls);
  let cursor = 0;
  for (let i = 0; i < 2 * calls; i++) {
    cursor = (cursor + 1) % KEYS;
    const started = performance.now();
    const result = call(keys[cursor]!);
    if (awaited) await result;
    if (i >= calls) times[i - calls] = performance.now() - started;
  }
  times.sort();
  return times[calls >> 1]! * 1000;
}

async function measure(build: Build, figures: Map<string, Map<string, number[]>>): Promise<void> {
  const db = await build.open({ shards: 1 });
  for (let i = 0; i < KEYS; i += 10_000) {
    await db.mSet(keys.slice(i, i + 10_000).map((key): [string, string] => [key, value]));
  }
  const record = (measure: string, figure: number): void => {
    let bySide = figures.get(measure);
    if (bySide === undefined) {
      bySide = new Map();
      figures.set(measure, bySide);
    }
    bySide.set(build.name, [...(bySide.get(build.name) ?? []), figure]);
  };
  record('GET pipelined, ops/s', await pipelined(db, 'get'));
  record('SET pipelined, ops/s', await pipelined(db, 'set'));
  record('db.sync.get p50, µs', await latency(SYNC_CALLS, false, (key) => db.sync.get(key)));
  record('awaited GET p50, µs', await latency(AWAITED_CALLS, true, (key) => db.get(key)));
  await db.close();
}

const builds = [await load('.', 'this'), await load(values.other, 'other')];
const figures = new Map<string, Map<string, number[]>>();
const m = machine();
console.log(
  `slotdb build comparison: ${m.cores} cores (${m.cpu}), Node ${m.node}, ${ROUNDS} rounds`,
);
for (let round = 0; round < ROUNDS; round++) {
  const order = round % 2 === 0 ? builds : [...builds].reverse();
  for (const build of order) await measure(build, figures);
  console.log(`round ${round + 1}/${ROUNDS}`);
}
const rows = [...figures].map(([measure, bySide]) => {
  const mine = bySide.get('this')!;
  const other = bySide.get('other')!;
  return {
    measure,
    this: median(mine).toFixed(2),
    other: median(other).toFixed(2),
    'this / other': (median(mine) / median(other)).toFixed(3),
    'median of round ratios': median(mine.map((x, i) => x / other[i]!)).toFixed(3),
  };
});
console.table(rows);
