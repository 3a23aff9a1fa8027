// Throughput during live migration (tinybench), in one run:
//
//   1. load 1,000,000 keys (32-byte values) over 4 shards, and 4 big slots of 50,000 keys each;
//   2. steady state: a mixed load (90% GET, 10% SET, auto-pipelined in batches) from this thread;
//   3. the same load while a quarter of the slots migrate with key locks, default options (the
//      adaptive pace);
//   4. the same load while those slots move back with slot locks (the baseline);
//   5. the same two unpaced (pace 'max', what the default was before the adaptive pace), and
//      throttled to a fixed rate;
//   6. the same load while the 4 big slots move, with key locks and with slot locks: the case key
//      locks are for (a slot whose move takes long);
//   7. migration speed without load, for 32-byte and for 64 KiB values.
//
// Latency of every operation is recorded (perf_hooks histograms), split by whether its key's slot
// was among the moving ones. Figures are medians over rounds.
//
//   npm run bench:migration -- --rounds 3 --keys 1000000 --batch 1000

import { mkdirSync, writeFileSync } from 'node:fs';
import type { MigrationReport, MigrationSummary } from '../src/index.js';
import { keySlot, SlotDB } from '../src/index.js';
import { machine, median, numberFlags } from './machine.js';
import { type LatencySplit, Load, newSplit, runLoad, summary } from './migration-load.js';

const flags = numberFlags({
  rounds: 3,
  keys: 1_000_000,
  batch: 1000,
  shards: 4,
  steadyMs: 3000,
  speedKeys: 200_000,
  bigValues: 2048,
  parallel: 16,
  /** The throttled phases' limit, keys per second per source shard. */
  throttle: 10_000,
  /**
   * The load runs this long before the steady state is measured: a pipelined load from a fresh
   * thread speeds up for its first seconds (JIT, heap growth), which would flatter later phases.
   */
  warmupMs: 3000,
  /** Keys in each of the 4 big slots. */
  bigSlotKeys: 50_000,
});
const BIG_SLOTS = 4;
const SLOTS = 16384;

interface Phase {
  readonly name: string;
  readonly lock: 'key' | 'slot';
  /** Unset: the default (adaptive). */
  readonly pace?: 'max';
  readonly keysPerSecond?: number;
  /** Which slots move: a quarter of every shard's, or the big ones. */
  readonly slots: 'quarter' | 'big';
}

/**
 * The migration phases, in order. Each quarter phase moves the same quarter of the slots (key-lock
 * phases forward, slot-lock phases back); each big phase moves the big slots to the next shard.
 */
const PHASES: readonly Phase[] = [
  { name: 'key-lock', lock: 'key', slots: 'quarter' },
  { name: 'slot-lock', lock: 'slot', slots: 'quarter' },
  { name: 'key-lock max', lock: 'key', pace: 'max', slots: 'quarter' },
  { name: 'slot-lock max', lock: 'slot', pace: 'max', slots: 'quarter' },
  { name: 'key-lock throttled', lock: 'key', keysPerSecond: flags.throttle, slots: 'quarter' },
  { name: 'slot-lock throttled', lock: 'slot', keysPerSecond: flags.throttle, slots: 'quarter' },
  { name: 'big slots key-lock', lock: 'key', slots: 'big' },
  { name: 'big slots slot-lock', lock: 'slot', slots: 'big' },
];

/** The options of a phase's migrateSlots calls. */
function phaseOptions(phase: Phase): Record<string, unknown> {
  return {
    lock: phase.lock,
    parallel: flags.parallel,
    ...(phase.pace === undefined ? {} : { pace: phase.pace }),
    ...(phase.keysPerSecond === undefined ? {} : { keysPerSecond: phase.keysPerSecond }),
  };
}

const VALUE = 'v'.repeat(32);
const BIG_VALUE_BYTES = 64 * 1024;

type Figures = Record<string, number[]>;
const figures: Figures = {};
function record(name: string, value: number): void {
  figures[name] ??= [];
  figures[name].push(value);
}

/** The slots that move: the first quarter of each shard's range. */
function movingSlots(db: SlotDB): { slot: number; from: number }[] {
  const perShard = new Map<number, number[]>();
  for (let slot = 0; slot < SLOTS; slot++) {
    const owner = db.slotOwner(slot);
    let list = perShard.get(owner);
    if (list === undefined) {
      list = [];
      perShard.set(owner, list);
    }
    list.push(slot);
  }
  const moving: { slot: number; from: number }[] = [];
  for (const [owner, slots] of perShard)
    for (const slot of slots.slice(0, slots.length / 4)) moving.push({ slot, from: owner });
  return moving;
}

function collectReports(reports: readonly MigrationReport[]): {
  keyLockMsMax: number;
  waitMsMax: number;
  waitP99Ms: number;
  waits: number;
} {
  return {
    keyLockMsMax: Math.max(0, ...reports.map((report) => report.keyLockMsMax)),
    waitMsMax: Math.max(0, ...reports.map((report) => report.waits.maxMs)),
    waitP99Ms: Math.max(0, ...reports.map((report) => report.waits.p99Ms)),
    waits: reports.reduce((total, report) => total + report.waits.count, 0),
  };
}

/** Tags whose slots are the big ones: one per shard, each owned by that shard. */
function bigTags(db: SlotDB): string[] {
  const tags: string[] = [];
  for (let shard = 0; shard < BIG_SLOTS; shard++) {
    for (let i = 0; ; i++) {
      const tag = `big${shard}-${i}`;
      if (db.slotOwner(keySlot(tag)) === shard % flags.shards) {
        tags.push(tag);
        break;
      }
    }
  }
  return tags;
}

/** Per key of `keys`, 1 if its slot is in `slots`. */
function movingMask(keys: readonly string[], slots: Iterable<number>): Uint8Array {
  const set = new Uint8Array(SLOTS);
  for (const slot of slots) set[slot] = 1;
  const mask = new Uint8Array(keys.length);
  for (let i = 0; i < keys.length; i++) mask[i] = set[keySlot(keys[i]!)]!;
  return mask;
}

/** The migrateSlots calls of a phase: slots grouped by target. */
function phaseMoves(
  db: SlotDB,
  phase: Phase,
  quarter: readonly { slot: number; from: number }[],
  big: readonly number[],
): Promise<MigrationSummary[]> {
  const byTarget = new Map<number, number[]>();
  const moves =
    phase.slots === 'quarter'
      ? quarter.map((move) => ({
          slot: move.slot,
          target: phase.lock === 'key' ? (move.from + 1) % flags.shards : move.from,
        }))
      : big.map((slot) => ({ slot, target: (db.slotOwner(slot) + 1) % flags.shards }));
  for (const { slot, target } of moves) {
    const list = byTarget.get(target) ?? [];
    list.push(slot);
    byTarget.set(target, list);
  }
  return Promise.all(
    [...byTarget].map(([target, slots]) => db.migrateSlots(slots, target, phaseOptions(phase))),
  );
}

function recordLatency(phase: string, split: LatencySplit): void {
  for (const [part, histogram] of [
    ['moving', split.moving],
    ['other', split.other],
  ] as const) {
    const s = summary(histogram);
    record(`${phase} ${part} p50 µs`, s.p50);
    record(`${phase} ${part} p99 µs`, s.p99);
    record(`${phase} ${part} p99.9 µs`, s.p999);
    record(`${phase} ${part} max µs`, s.max);
  }
}

async function underLoadRound(): Promise<void> {
  const db = await SlotDB.open({ shards: flags.shards });
  try {
    const tags = bigTags(db);
    const keys = Array.from({ length: flags.keys }, (_, i) => `key:${i}`);
    for (const tag of tags) for (let i = 0; i < flags.bigSlotKeys; i++) keys.push(`{${tag}}:${i}`);
    for (let i = 0; i < keys.length; i += 20_000)
      await db.mSet(keys.slice(i, i + 20_000).map((k) => [k, VALUE] as [string, string]));
    const quarter = movingSlots(db);
    const big = tags.map((tag) => keySlot(tag));
    const quarterMask = movingMask(
      keys,
      quarter.map((move) => move.slot),
    );
    const bigMask = movingMask(keys, big);
    const load = new Load(db, keys, quarterMask, flags.batch);

    await runLoad(load, 'warm-up', flags.warmupMs);
    load.split = newSplit();
    record('steady ops/s', await runLoad(load, 'steady', flags.steadyMs));
    recordLatency('steady', load.split);

    for (const phase of PHASES) {
      load.split = newSplit();
      load.moving = phase.slots === 'quarter' ? quarterMask : bigMask;
      const started = performance.now();
      const migrations = phaseMoves(db, phase, quarter, big);
      const opsPerSecond = await runLoad(load, phase.name, migrations);
      const summaries = await migrations;
      const seconds = (performance.now() - started) / 1000;
      const movedKeys = summaries.reduce((total, s) => total + s.keys, 0);
      const reports = collectReports(summaries.flatMap((s) => s.reports));
      record(`${phase.name} ops/s`, opsPerSecond);
      record(`${phase.name} migration s`, seconds);
      record(`${phase.name} moved keys/s`, movedKeys / seconds);
      record(`${phase.name} key lock max ms`, reports.keyLockMsMax);
      record(`${phase.name} wait max ms`, reports.waitMsMax);
      record(`${phase.name} wait p99 ms`, reports.waitP99Ms);
      recordLatency(phase.name, load.split);
    }
  } finally {
    await db.close();
  }
}

/**
 * Migration speed without load, between two shards: one slot holding many keys (the data rate), and
 * many slots holding a few keys each (the per-slot cost), for 32-byte and 64 KiB values.
 */
async function speedRound(): Promise<void> {
  const cases = [
    { label: '32 B, one slot', keys: flags.speedKeys, value: VALUE, slots: 1 },
    { label: '32 B, 4096 slots', keys: flags.speedKeys, value: VALUE, slots: 4096 },
    {
      label: '64 KiB, one slot',
      keys: flags.bigValues,
      value: 'b'.repeat(BIG_VALUE_BYTES),
      slots: 1,
    },
  ];
  for (const { label, keys: count, value, slots } of cases) {
    const db = await SlotDB.open({ shards: 2 });
    try {
      const own = Array.from({ length: SLOTS }, (_, slot) => slot).filter(
        (slot) => db.slotOwner(slot) === 0,
      );
      const tags: string[] = [];
      for (let i = 0; tags.length < slots; i++)
        if (db.slotOwner(keySlot(`t${i}`)) === 0) tags.push(`t${i}`);
      const keys = Array.from({ length: count }, (_, i) => `{${tags[i % tags.length]}}:${i}`);
      const step = Math.max(1, Math.floor((8 * 1024 * 1024) / (value.length + 32)));
      for (let i = 0; i < keys.length; i += step)
        await db.mSet(keys.slice(i, i + step).map((k) => [k, value] as [string, string]));
      // Warm up the code paths on slots that hold nothing.
      const empty = own.filter((slot) => !tags.some((tag) => keySlot(tag) === slot)).slice(0, 64);
      await db.migrateSlots(empty, 1, { parallel: flags.parallel });
      const moving = [...new Set(tags.map((tag) => keySlot(tag)))];
      const started = performance.now();
      const summary = await db.migrateSlots(moving, 1, { parallel: flags.parallel });
      const seconds = (performance.now() - started) / 1000;
      record(`speed ${label} keys/s`, summary.keys / seconds);
      record(`speed ${label} MB/s`, summary.bytes / seconds / 1e6);
      record(
        `speed ${label} key lock max ms`,
        Math.max(...summary.reports.map((report) => report.keyLockMsMax)),
      );
    } finally {
      await db.close();
    }
  }
}

async function main(): Promise<void> {
  const about = machine();
  console.log(
    `slotdb migration benchmark: ${about.cores} cores (${about.cpu}), Node ${about.node}, ` +
      `${flags.keys.toLocaleString('en-US')} keys over ${flags.shards} shards, ${flags.rounds} rounds`,
  );
  for (let round = 1; round <= flags.rounds; round++) {
    console.log(`round ${round}/${flags.rounds}`);
    await underLoadRound();
    await speedRound();
  }
  const m = Object.fromEntries(
    Object.entries(figures).map(([name, values]) => [name, median(values)]),
  );
  const fmt = (n: number | undefined, digits = 0): string =>
    n === undefined
      ? '-'
      : n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
  const steady = m['steady ops/s']!;
  console.table([
    { phase: 'steady state', 'ops/s': fmt(steady), 'vs steady': '1.00', 'migration s': '' },
    ...PHASES.map((phase) => ({
      phase: `${phase.name} migration${phase.keysPerSecond ? ` (${fmt(phase.keysPerSecond)} keys/s per source)` : ''}`,
      'ops/s': fmt(m[`${phase.name} ops/s`]),
      'vs steady': (m[`${phase.name} ops/s`]! / steady).toFixed(2),
      'migration s': fmt(m[`${phase.name} migration s`], 2),
    })),
  ]);
  const latencyRows = [];
  for (const phase of ['steady', ...PHASES.map((p) => p.name)]) {
    for (const part of ['moving', 'other']) {
      latencyRows.push({
        phase,
        slots: part === 'moving' ? 'migrating' : 'others',
        'p50 µs': fmt(m[`${phase} ${part} p50 µs`]),
        'p99 µs': fmt(m[`${phase} ${part} p99 µs`]),
        'p99.9 µs': fmt(m[`${phase} ${part} p99.9 µs`]),
        'max µs': fmt(m[`${phase} ${part} max µs`]),
      });
    }
  }
  console.table(latencyRows);
  console.table(
    PHASES.map((phase) => ({
      phase: phase.name,
      'keys/s under load': fmt(m[`${phase.name} moved keys/s`]),
      'key lock max ms': fmt(m[`${phase.name} key lock max ms`], 2),
      'request wait max ms': fmt(m[`${phase.name} wait max ms`], 2),
      'request wait p99 ms': fmt(m[`${phase.name} wait p99 ms`], 2),
    })),
  );
  console.table(
    ['32 B, one slot', '32 B, 4096 slots', '64 KiB, one slot'].map((label) => ({
      'no load': label,
      'keys/s': fmt(m[`speed ${label} keys/s`]),
      'MB/s': fmt(m[`speed ${label} MB/s`], 1),
      'key lock max ms': fmt(m[`speed ${label} key lock max ms`], 2),
    })),
  );
  const directory = new URL('../../bench/results/', import.meta.url);
  mkdirSync(directory, { recursive: true });
  writeFileSync(
    new URL('migration.json', directory),
    `${JSON.stringify({ benchmark: 'migration', machine: about, flags, medians: m, rounds: figures }, null, 2)}\n`,
  );
  console.log('wrote bench/results/migration.json');
}

await main();
