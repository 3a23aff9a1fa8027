// `slotdb profile-migration`: runs the standard scenario (load keys, mixed load, move a share of
// the slots live, keep the load running) under the profiler; writes report.html and report.json
// beside it, and prints a summary.

import { writeFileSync } from 'node:fs';
import type { MigrationEvent, ProfileReport } from '../../src/index.js';
import { renderProfileHtml, SlotDB } from '../../src/index.js';
import { fmt, printTable, progress } from './output.js';
import { parseScenario, type ScenarioFlags } from './scenario.js';

const VALUE = 'v'.repeat(32);
const sleep = (ms: number): Promise<unknown> => new Promise((resolve) => setTimeout(resolve, ms));

export async function profileMigration(argv: string[]): Promise<void> {
  const flags = parseScenario(argv);
  const db = await SlotDB.open({ shards: flags.shards });
  try {
    const keys = await loadKeys(db, flags.keys);
    const moves = planMoves(db, flags);
    const total = moves.reduce((n, move) => n + move.slots.length, 0);
    let moved = 0;
    db.on('migration', (event: MigrationEvent) => {
      if (event.type === 'completed' || event.type === 'failed' || event.type === 'cancelled') {
        progress('moving slots   ', ++moved, total);
      }
    });
    const load = new MixedLoad(db, keys, flags.batch);
    console.log(
      `profiling: mixed load (90% GET, 10% SET) on ${fmt(flags.keys)} keys, ` +
        `${flags.shards} shards; ` +
        `moving ${fmt(total)} slots with ${flags.lock} locks` +
        `${flags.throttle > 0 ? `, ${fmt(flags.throttle)} keys/s per shard` : ''}`,
    );
    // The load runs a while before the profile starts, so that "before" is not the JIT warming up
    // (docs/profile.md, "Before and after"): its first half without the profiler, its second
    // under a profile thrown away, since a profile sends requests down other code paths (timed
    // frames) that compile, and deoptimize what ran before, when it starts.
    await sleep(flags.warmupMs / 2);
    await warmUpProfiled(db, flags, flags.warmupMs / 2);
    const profile = db.profile({ bucketMs: flags.bucketMs, thresholdMs: flags.thresholdMs });
    await sleep(flags.beforeMs);
    await Promise.all(
      moves
        .filter((move) => move.slots.length > 0)
        .map((move) =>
          db.migrateSlots(move.slots, move.target, {
            lock: flags.lock,
            keysPerSecond: flags.throttle,
          }),
        ),
    );
    await sleep(flags.afterMs);
    await load.stop();
    const report = await profile.stop();
    const jsonPath = `${flags.out.replace(/\.html?$/i, '')}.json`;
    writeFileSync(flags.out, renderProfileHtml(report));
    writeFileSync(jsonPath, `${JSON.stringify(report, null, 2)}\n`);
    printSummary(report);
    console.log(`wrote ${flags.out} and ${jsonPath}`);
  } finally {
    await db.close();
  }
}

/** Runs the load under a profile for `ms`, then drops that profile. */
async function warmUpProfiled(db: SlotDB, flags: ScenarioFlags, ms: number): Promise<void> {
  const profile = db.profile({ bucketMs: flags.bucketMs, thresholdMs: flags.thresholdMs });
  await sleep(ms);
  await profile.stop();
}

async function loadKeys(db: SlotDB, count: number): Promise<string[]> {
  const keys = Array.from({ length: count }, (_, i) => `key:${i}`);
  const chunk = 20_000;
  for (let i = 0; i < keys.length; i += chunk) {
    await db.mSet(keys.slice(i, i + chunk).map((key) => [key, VALUE] as [string, string]));
    progress('loading keys   ', Math.min(i + chunk, keys.length), keys.length);
  }
  return keys;
}

/** The moving slots: the first share of each shard's range, each to the next shard. */
function planMoves(db: SlotDB, flags: ScenarioFlags): { target: number; slots: number[] }[] {
  const perShard: number[][] = Array.from({ length: flags.shards }, () => []);
  for (let slot = 0; slot < 16384; slot++) perShard[db.slotOwner(slot)]!.push(slot);
  return perShard.map((slots, shard) => ({
    target: (shard + 1) % flags.shards,
    slots: slots.slice(0, Math.round(slots.length * flags.migrate)),
  }));
}

/** 90% GET, 10% SET over the keys, `batch` commands in flight at a time, until stopped. */
class MixedLoad {
  private running = true;
  private readonly done: Promise<void>;

  constructor(
    private readonly db: SlotDB,
    private readonly keys: string[],
    private readonly batch: number,
  ) {
    this.done = this.run();
  }

  stop(): Promise<void> {
    this.running = false;
    return this.done;
  }

  private async run(): Promise<void> {
    const pending: Promise<unknown>[] = new Array(this.batch);
    let cursor = 0;
    while (this.running) {
      for (let i = 0; i < this.batch; i++) {
        cursor = (cursor + 7919) % this.keys.length;
        pending[i] =
          i % 10 === 0 ? this.db.set(this.keys[cursor]!, VALUE) : this.db.get(this.keys[cursor]!);
      }
      await Promise.all(pending);
    }
  }
}

function printSummary(report: ProfileReport): void {
  const s = report.summary;
  const phase = (
    name: string,
    rate: number | null,
    latency: ProfileReport['phases']['before'],
  ): string[] => [
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
    `\nmoved ${fmt(s.migratedSlots)} slots (${fmt(s.migratedKeys)} keys) in ` +
      `${fmt(s.migrationMs / 1000, 2)} s, ${fmt(s.keysPerSecond)} keys/s; ` +
      `longest lock wait ${fmt(s.lockWaitMaxMs, 2)} ms; ${fmt(report.totals.slowOps)} of ` +
      `${fmt(report.totals.ops)} operations took ${report.thresholdMs} ms or more`,
  );
  if (report.causes.length > 0) {
    console.log();
    printTable(
      ['cause of slow operations', 'slow ops', 'time lost ms', 'share'],
      report.causes
        .slice(0, 5)
        .map((c) => [c.cause, fmt(c.slowOps), fmt(c.lostMs, 1), `${(c.share * 100).toFixed(1)}%`]),
    );
  }
  console.log();
}
