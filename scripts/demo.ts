// `npm start`: the live-migration story on an embedded database (no server to start). Four shards,
// a few hundred thousand keys, a mixed load from this thread, and a quarter of the slots moving
// between shards in the middle of it. A timeline line every 250 ms shows throughput, p99 latency
// and migration progress; a summary follows. With `--dir <path>` the database is kept on disk and
// a second run finds the keys of the first (scripts/demo-args.ts).

import { createHistogram } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import type { MigrationEvent, MigrationReport } from '../src/index.js';
import { SLOT_COUNT, SlotDB } from '../src/index.js';
import { demoArgs, reportKept, reportPreviousRun } from './demo-args.js';

const SHARDS = 4;
const KEYS_DEFAULT = 200_000;
const VALUE = 'v'.repeat(32);
const BATCH = 500;
const TICK_MS = 250;
const CALM_MS = 1500;
const BAR_WIDTH = 24;
/** The move is throttled so the clients keep their throughput (unthrottled it is faster and harsher). */
const KEYS_PER_SECOND_PER_SHARD = 10_000;

function bar(done: number, total: number): string {
  const filled = total === 0 ? BAR_WIDTH : Math.round((done / total) * BAR_WIDTH);
  return `[${'#'.repeat(filled)}${'.'.repeat(BAR_WIDTH - filled)}]`;
}

const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');

interface Window {
  ops: number;
  histogram: ReturnType<typeof createHistogram>;
}

type Phase = 'before' | 'during' | 'after';

/** The mixed load and what it measured: per-tick throughput by phase, and migration progress. */
class Story {
  window: Window = { ops: 0, histogram: createHistogram() };
  readonly phases: Record<Phase, number[]> = { before: [], during: [], after: [] };
  phase: Phase = 'before';
  running = true;
  slotsMoved = 0;
  keysMoved = 0;

  constructor(
    readonly db: SlotDB,
    readonly keys: readonly string[],
    readonly slotsToMove: number,
  ) {
    db.on('migration', (event: MigrationEvent) => {
      if (event.type !== 'completed') return;
      this.slotsMoved++;
      this.keysMoved += event.keys;
    });
  }

  /** 90% GET, 10% SET, in pipelined batches, until `running` is cleared. */
  async load(): Promise<void> {
    const pending: Promise<unknown>[] = new Array(BATCH);
    let cursor = 0;
    while (this.running) {
      const started = performance.now();
      const histogram = this.window.histogram;
      for (let i = 0; i < BATCH; i++) {
        cursor = (cursor + 7919) % this.keys.length;
        const key = this.keys[cursor]!;
        const reply = i % 10 === 0 ? this.db.set(key, VALUE) : this.db.get(key);
        pending[i] = reply.then(() =>
          histogram.record(Math.max(1, Math.round((performance.now() - started) * 1e6))),
        );
      }
      await Promise.all(pending);
      this.window.ops += BATCH;
    }
  }

  /** Prints one timeline line every TICK_MS; returns the timer. */
  timeline(): NodeJS.Timeout {
    const started = performance.now();
    let last = started;
    return setInterval(() => {
      const now = performance.now();
      const current = this.window;
      this.window = { ops: 0, histogram: createHistogram() };
      const opsPerSecond = current.ops / ((now - last) / 1000);
      last = now;
      this.phases[this.phase].push(opsPerSecond);
      const p99 =
        current.histogram.count > 0 ? (current.histogram.percentile(99) / 1e6).toFixed(1) : '-';
      const seconds = ((now - started) / 1000).toFixed(2).padStart(6);
      console.log(
        `${seconds} s  ${fmt(opsPerSecond).padStart(9)} ops/s  p99 ${p99.padStart(5)} ms  ` +
          this.progress(),
      );
    }, TICK_MS);
  }

  private progress(): string {
    if (this.phase === 'before') return 'steady';
    const done = this.phase === 'after' ? ' (done)' : '';
    return (
      `${bar(this.slotsMoved, this.slotsToMove)} ${this.slotsMoved}/${this.slotsToMove} slots, ` +
      `${fmt(this.keysMoved)} keys moved${done}`
    );
  }
}

/** The slots that move: the first quarter of each shard's range, each to the next shard. */
function planMoves(db: SlotDB): Map<number, number[]> {
  const moves = new Map<number, number[]>();
  const perShard: number[][] = Array.from({ length: SHARDS }, () => []);
  for (let slot = 0; slot < SLOT_COUNT; slot++) perShard[db.slotOwner(slot)]!.push(slot);
  for (let shard = 0; shard < SHARDS; shard++) {
    moves.set((shard + 1) % SHARDS, perShard[shard]!.slice(0, perShard[shard]!.length / 4));
  }
  return moves;
}

function printSummary(story: Story, reports: readonly MigrationReport[], seconds: number): void {
  const average = (values: number[]): number =>
    values.reduce((a, b) => a + b, 0) / Math.max(1, values.length);
  console.log('\nsummary');
  console.table({
    'before migration': { 'ops/s': fmt(average(story.phases.before)) },
    'during migration': { 'ops/s': fmt(average(story.phases.during)) },
    'after migration': { 'ops/s': fmt(average(story.phases.after)) },
  });
  const keys = reports.reduce((n, r) => n + r.keys, 0);
  const lockMax = Math.max(...reports.map((r) => r.keyLockMsMax));
  const waitMax = Math.max(...reports.map((r) => r.waits.maxMs));
  console.log(
    `moved ${reports.length} slots (${fmt(keys)} keys) in ${seconds.toFixed(2)} s; ` +
      `longest key lock ${lockMax.toFixed(2)} ms; ` +
      `${fmt(reports.reduce((n, r) => n + r.redirections, 0))} requests served by a target; ` +
      `${fmt(reports.reduce((n, r) => n + r.waits.count, 0))} waited ` +
      `(longest ${waitMax.toFixed(2)} ms); no errors reached the caller.`,
  );
  const shards = story.db.stats().shards;
  console.table(
    shards.map(({ shard, slots, keys: held, ops }) => ({ shard, slots, keys: held, ops })),
  );
}

/** The data types, briefly: what a Node server keeps in Redis, with node-redis's methods. */
async function typesTour(db: SlotDB): Promise<void> {
  await db.hSet('session:{ada}', { user: 'ada', visits: '1' });
  await db.hIncrBy('session:{ada}', 'visits', 1);
  await db.zAdd('leaderboard', [
    { score: 30, value: 'bob' },
    { score: 42, value: 'ada' },
    { score: 7, value: 'cy' },
  ]);
  await db.rPush('jobs', ['resize', 'mail']);
  // A transaction: its keys share a slot (the {ada} hash tag), and it runs on one shard at once.
  const [, tags] = await db
    .multi()
    .sAdd('tags:{ada}', ['admin', 'beta'])
    .sCard('tags:{ada}')
    .exec();
  const session = await db.hGetAll('session:{ada}');
  const top = await db.zRangeWithScores('leaderboard', 0, 1, { REV: true });
  const job = await db.lPop('jobs');
  console.log('\ndata types (node-redis methods):');
  console.log(`  hGetAll('session:{ada}')        ${JSON.stringify(session)}`);
  console.log(`  zRangeWithScores(top 2)         ${JSON.stringify(top)}`);
  console.log(`  lPop('jobs')                    ${JSON.stringify(job)}`);
  console.log(`  multi().sAdd().sCard().exec()   tags: ${tags}`);
}

async function main(): Promise<void> {
  const { dir, keys: keyCount } = demoArgs(process.argv.slice(2), KEYS_DEFAULT);
  const opening = performance.now();
  const db = await SlotDB.open(dir === undefined ? { shards: SHARDS } : { shards: SHARDS, dir });
  if (dir !== undefined) await reportPreviousRun(db, dir, performance.now() - opening);
  console.log(
    `slotdb demo: ${SHARDS} shard workers, 16384 slots. Loading ${fmt(keyCount)} keys...`,
  );
  console.log(
    'Then a mixed load (90% GET, 10% SET) from this thread while a quarter of the slots move to ' +
      `the next shard with key locks, throttled to ${fmt(KEYS_PER_SECOND_PER_SHARD)} keys/s per ` +
      'shard.\n',
  );
  const keys = Array.from({ length: keyCount }, (_, i) => `user:${i}`);
  for (let i = 0; i < keyCount; i += 20_000) {
    await db.mSet(keys.slice(i, i + 20_000).map((key) => [key, VALUE] as [string, string]));
  }
  const moves = planMoves(db);
  const slotsToMove = [...moves.values()].reduce((n, slots) => n + slots.length, 0);
  const story = new Story(db, keys, slotsToMove);
  const load = story.load();
  const timeline = story.timeline();

  await sleep(CALM_MS);
  story.phase = 'during';
  const migrationStarted = performance.now();
  const summaries = await Promise.all(
    [...moves].map(([target, slots]) =>
      db.migrateSlots(slots, target, { keysPerSecond: KEYS_PER_SECOND_PER_SHARD }),
    ),
  );
  const migrationSeconds = (performance.now() - migrationStarted) / 1000;
  story.phase = 'after';
  await sleep(CALM_MS);
  story.running = false;
  clearInterval(timeline);
  await load;

  printSummary(
    story,
    summaries.flatMap((summary) => summary.reports),
    migrationSeconds,
  );
  await typesTour(db);
  const kept = await db.dbSize();
  await db.close();
  if (dir !== undefined) reportKept(dir, kept);
  console.log(
    "\nTo see where each operation's time went during a migration: " +
      'npx slotdb profile-migration --out report.html\n' +
      '(a per-operation profile with stall causes, keys and slots; open report.html in a ' +
      'browser; docs/profile.md).\n' +
      'Also: npm run bench:migration (throughput during migration, key vs slot locks), npm test, ' +
      'docs/migration.md.',
  );
}

await main();
