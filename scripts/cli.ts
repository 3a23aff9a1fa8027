#!/usr/bin/env node
// The slotdb command line.
//
//   slotdb profile-migration [--shards 4] [--keys 1000000] [--migrate 25%] [--lock key|slot]
//                            [--throttle <keys/s per shard>] [--out report.html]
//       Runs the standard scenario (load keys, mixed load, move a share of the slots live, keep
//       the load running) under the profiler; writes report.html and report.json beside it.
//   slotdb profile-diff a.json b.json
//       Prints what changed between two profile reports.

import { readFileSync, writeFileSync } from 'node:fs';
import { SlotDB, renderProfileHtml } from '../src/index.js';
import type { MigrationEvent, ProfileReport } from '../src/index.js';
import { compareReports } from '../src/profiler/diff.js';

const USAGE = `usage:
  slotdb profile-migration [--shards 4] [--keys 1000000] [--migrate 25%] [--lock key|slot]
                           [--throttle <keys/s per shard, 0 = none>] [--batch 1000]
                           [--warmup-ms 1000] [--before-ms 1000] [--after-ms 1000] [--bucket-ms 100]
                           [--threshold-ms 10] [--out report.html]
  slotdb profile-diff <a.json> <b.json>`;

const fmt = (n: number | null | undefined, digits = 0): string =>
  n === null || n === undefined ? '-' : n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });

interface ScenarioFlags {
  shards: number;
  keys: number;
  migrate: number;
  lock: 'key' | 'slot';
  throttle: number;
  batch: number;
  warmupMs: number;
  beforeMs: number;
  afterMs: number;
  bucketMs: number;
  thresholdMs: number;
  out: string;
}

function parseScenario(argv: string[]): ScenarioFlags {
  const flags: ScenarioFlags = {
    shards: 4,
    keys: 1_000_000,
    migrate: 0.25,
    lock: 'key',
    throttle: 10_000,
    batch: 1000,
    warmupMs: 1000,
    beforeMs: 1000,
    afterMs: 1000,
    bucketMs: 100,
    thresholdMs: 10,
    out: 'report.html',
  };
  for (let i = 0; i < argv.length; i++) {
    const name = argv[i]!;
    const value = argv[++i];
    if (value === undefined) throw new Error(`${name} needs a value\n${USAGE}`);
    const number = (min: number, max: number): number => {
      const n = Number(value);
      if (!Number.isFinite(n) || n < min || n > max) throw new Error(`${name} must be a number from ${min} to ${max}, got ${value}`);
      return n;
    };
    switch (name) {
      case '--shards':
        flags.shards = number(1, 64);
        break;
      case '--keys':
        flags.keys = number(1, 50_000_000);
        break;
      case '--migrate': {
        const share = value.endsWith('%') ? Number(value.slice(0, -1)) / 100 : Number(value);
        if (!(share > 0 && share <= 1)) throw new Error(`--migrate must be a share of the slots, like 25% or 0.25, got ${value}`);
        flags.migrate = share;
        break;
      }
      case '--lock':
        if (value !== 'key' && value !== 'slot') throw new Error(`--lock must be key or slot, got ${value}`);
        flags.lock = value;
        break;
      case '--throttle':
        flags.throttle = number(0, 1e9);
        break;
      case '--batch':
        flags.batch = number(1, 100_000);
        break;
      case '--warmup-ms':
        flags.warmupMs = number(0, 600_000);
        break;
      case '--before-ms':
        flags.beforeMs = number(0, 600_000);
        break;
      case '--after-ms':
        flags.afterMs = number(0, 600_000);
        break;
      case '--bucket-ms':
        flags.bucketMs = number(1, 60_000);
        break;
      case '--threshold-ms':
        flags.thresholdMs = number(0, 60_000);
        break;
      case '--out':
        flags.out = value;
        break;
      default:
        throw new Error(`unknown option ${name}\n${USAGE}`);
    }
  }
  return flags;
}

/** A progress bar on one terminal line (or plain lines when the output is not a terminal). */
function progress(label: string, done: number, total: number): void {
  const width = 30;
  const filled = total === 0 ? width : Math.round((done / total) * width);
  const line = `${label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${fmt(done)}/${fmt(total)}`;
  if (process.stdout.isTTY) process.stdout.write(`\r${line}${done >= total ? '\n' : ''}`);
  else if (done >= total) console.log(line);
}

async function profileMigration(argv: string[]): Promise<void> {
  const flags = parseScenario(argv);
  const db = await SlotDB.open({ shards: flags.shards });
  try {
    const keys = Array.from({ length: flags.keys }, (_, i) => `key:${i}`);
    const value = 'v'.repeat(32);
    const chunk = 20_000;
    for (let i = 0; i < keys.length; i += chunk) {
      await db.mSet(keys.slice(i, i + chunk).map((key) => [key, value] as [string, string]));
      progress('loading keys   ', Math.min(i + chunk, keys.length), keys.length);
    }
    // The moving slots: the first share of each shard's range, each to the next shard.
    const perShard: number[][] = Array.from({ length: flags.shards }, () => []);
    for (let slot = 0; slot < 16384; slot++) perShard[db.slotOwner(slot)]!.push(slot);
    const moves = perShard.map((slots, shard) => ({ target: (shard + 1) % flags.shards, slots: slots.slice(0, Math.round(slots.length * flags.migrate)) }));
    const total = moves.reduce((n, move) => n + move.slots.length, 0);
    let moved = 0;
    db.on('migration', (event: MigrationEvent) => {
      if (event.type === 'completed' || event.type === 'failed' || event.type === 'cancelled') progress('moving slots   ', ++moved, total);
    });

    let running = true;
    const load = (async () => {
      const pending: Promise<unknown>[] = new Array(flags.batch);
      let cursor = 0;
      while (running) {
        for (let i = 0; i < flags.batch; i++) {
          cursor = (cursor + 7919) % keys.length;
          pending[i] = i % 10 === 0 ? db.set(keys[cursor]!, value) : db.get(keys[cursor]!);
        }
        await Promise.all(pending);
      }
    })();
    console.log(`profiling: mixed load (90% GET, 10% SET) on ${fmt(flags.keys)} keys, ${flags.shards} shards; ` +
      `moving ${fmt(total)} slots with ${flags.lock} locks${flags.throttle > 0 ? `, ${fmt(flags.throttle)} keys/s per shard` : ''}`);
    // The load runs a while before the profile starts, so that "before" is not the JIT warming up.
    await new Promise((resolve) => setTimeout(resolve, flags.warmupMs));
    const profile = db.profile({ bucketMs: flags.bucketMs, thresholdMs: flags.thresholdMs });
    await new Promise((resolve) => setTimeout(resolve, flags.beforeMs));
    await Promise.all(
      moves.filter((move) => move.slots.length > 0).map((move) =>
        db.migrateSlots(move.slots, move.target, { lock: flags.lock, keysPerSecond: flags.throttle }),
      ),
    );
    await new Promise((resolve) => setTimeout(resolve, flags.afterMs));
    running = false;
    await load;
    const report = await profile.stop();
    const jsonPath = flags.out.replace(/\.html?$/i, '') + '.json';
    writeFileSync(flags.out, renderProfileHtml(report));
    writeFileSync(jsonPath, `${JSON.stringify(report, null, 2)}\n`);
    printSummary(report);
    console.log(`wrote ${flags.out} and ${jsonPath}`);
  } finally {
    await db.close();
  }
}

/** Prints rows as an aligned table: the first column left-aligned, the others right-aligned. */
function printTable(headers: string[], rows: string[][]): void {
  const widths = headers.map((header, column) => Math.max(header.length, ...rows.map((row) => row[column]!.length)));
  const line = (cells: string[]): string =>
    cells.map((cell, column) => (column === 0 ? cell.padEnd(widths[column]!) : cell.padStart(widths[column]!))).join('  ');
  console.log(line(headers));
  console.log(widths.map((width) => '-'.repeat(width)).join('  '));
  for (const row of rows) console.log(line(row));
}

function printSummary(report: ProfileReport): void {
  const s = report.summary;
  const phase = (name: string, rate: number | null, latency: ProfileReport['phases']['before']): string[] => [
    name,
    fmt(rate),
    fmt(latency.p50Ms, 2),
    fmt(latency.p99Ms, 2),
    fmt(latency.maxMs, 2),
  ];
  console.log();
  printTable(
    ['', 'ops/s', 'p50 ms', 'p99 ms', 'max ms'],
    [
      phase('before migration', s.opsPerSecondBefore, report.phases.before),
      phase('during migration', s.opsPerSecondDuring, report.phases.during),
      phase('after migration', s.opsPerSecondAfter, report.phases.after),
    ],
  );
  console.log(
    `\nmoved ${fmt(s.migratedSlots)} slots (${fmt(s.migratedKeys)} keys) in ${fmt(s.migrationMs / 1000, 2)} s, ${fmt(s.keysPerSecond)} keys/s; ` +
      `longest lock wait ${fmt(s.lockWaitMaxMs, 2)} ms; ${fmt(report.totals.slowOps)} of ${fmt(report.totals.ops)} operations took ${report.thresholdMs} ms or more`,
  );
  if (report.causes.length > 0) {
    console.log();
    printTable(
      ['cause of slow operations', 'slow ops', 'time lost ms', 'share'],
      report.causes.slice(0, 5).map((c) => [c.cause, fmt(c.slowOps), fmt(c.lostMs, 1), `${(c.share * 100).toFixed(1)}%`]),
    );
  }
  console.log();
}

function profileDiff(argv: string[]): void {
  if (argv.length !== 2) throw new Error(USAGE);
  const [a, b] = argv.map((file) => {
    try {
      return JSON.parse(readFileSync(file!, 'utf8')) as ProfileReport;
    } catch (error) {
      throw new Error(`cannot read ${file} as a profile report: ${(error as Error).message}`);
    }
  });
  const rows = compareReports(a!, b!);
  printTable(
    ['measure', argv[0]!, argv[1]!, 'change', 'verdict'],
    rows.map((row) => [row.measure, fmt(row.before, row.digits), fmt(row.after, row.digits), row.change, row.verdict]),
  );
}

async function main(): Promise<void> {
  const [command, ...argv] = process.argv.slice(2);
  switch (command) {
    case 'profile-migration':
      await profileMigration(argv);
      break;
    case 'profile-diff':
      profileDiff(argv);
      break;
    case undefined:
    case 'help':
    case '--help':
      console.log(USAGE);
      break;
    default:
      throw new Error(`unknown command ${command}\n${USAGE}`);
  }
}

main().catch((error: unknown) => {
  console.error((error as Error).message);
  process.exitCode = 1;
});
