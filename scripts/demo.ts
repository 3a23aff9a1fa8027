// `npm start`: the live-migration story on an embedded database (no server to start). Four shards,
// a few hundred thousand keys, a mixed load from this thread, and a quarter of the slots moving
// between shards in the middle of it. A timeline line every 250 ms shows throughput, p99 latency
// and migration progress; a summary follows.

import { createHistogram } from 'node:perf_hooks';
import { SlotDB } from '../src/index.js';
import type { MigrationEvent } from '../src/index.js';

const SHARDS = 4;
const KEYS = 200_000;
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

async function main(): Promise<void> {
  const db = await SlotDB.open({ shards: SHARDS });
  console.log(`slotdb demo: ${SHARDS} shard workers, 16384 slots. Loading ${fmt(KEYS)} keys...`);
  console.log(
    `Then a mixed load (90% GET, 10% SET) from this thread while a quarter of the slots move to the next ` +
      `shard with key locks, throttled to ${fmt(KEYS_PER_SECOND_PER_SHARD)} keys/s per shard.\n`,
  );
  const keys = Array.from({ length: KEYS }, (_, i) => `user:${i}`);
  for (let i = 0; i < KEYS; i += 20_000) await db.mSet(keys.slice(i, i + 20_000).map((key) => [key, VALUE] as [string, string]));

  // The slots that move: the first quarter of each shard's range, each to the next shard.
  const moves = new Map<number, number[]>();
  const perShard: number[][] = Array.from({ length: SHARDS }, () => []);
  for (let slot = 0; slot < 16384; slot++) perShard[db.slotOwner(slot)]!.push(slot);
  for (let shard = 0; shard < SHARDS; shard++) moves.set((shard + 1) % SHARDS, perShard[shard]!.slice(0, perShard[shard]!.length / 4));
  const slotsToMove = [...moves.values()].reduce((n, slots) => n + slots.length, 0);

  let slotsMoved = 0;
  let keysMoved = 0;
  db.on('migration', (event: MigrationEvent) => {
    if (event.type === 'completed') {
      slotsMoved++;
      keysMoved += event.keys;
    }
  });

  let window: Window = { ops: 0, histogram: createHistogram() };
  const phases = { before: [] as number[], during: [] as number[], after: [] as number[] };
  let phase: keyof typeof phases = 'before';
  let running = true;
  const load = (async () => {
    const pending: Promise<unknown>[] = new Array(BATCH);
    let cursor = 0;
    while (running) {
      const started = performance.now();
      const histogram = window.histogram;
      for (let i = 0; i < BATCH; i++) {
        cursor = (cursor + 7919) % KEYS;
        const reply = i % 10 === 0 ? db.set(keys[cursor]!, VALUE) : db.get(keys[cursor]!);
        pending[i] = reply.then(() => histogram.record(Math.max(1, Math.round((performance.now() - started) * 1e6))));
      }
      await Promise.all(pending);
      window.ops += BATCH;
    }
  })();

  const started = performance.now();
  let last = started;
  const timeline = setInterval(() => {
    const now = performance.now();
    const current = window;
    window = { ops: 0, histogram: createHistogram() };
    const opsPerSecond = current.ops / ((now - last) / 1000);
    last = now;
    phases[phase].push(opsPerSecond);
    const p99 = current.histogram.count > 0 ? (current.histogram.percentile(99) / 1e6).toFixed(1) : '-';
    const progress =
      phase === 'before'
        ? 'steady'
        : `${bar(slotsMoved, slotsToMove)} ${slotsMoved}/${slotsToMove} slots, ${fmt(keysMoved)} keys moved${phase === 'after' ? ' (done)' : ''}`;
    console.log(`${((now - started) / 1000).toFixed(2).padStart(6)} s  ${fmt(opsPerSecond).padStart(9)} ops/s  p99 ${p99.padStart(5)} ms  ${progress}`);
  }, TICK_MS);

  await new Promise((resolve) => setTimeout(resolve, CALM_MS));
  phase = 'during';
  const migrationStarted = performance.now();
  const summaries = await Promise.all(
    [...moves].map(([target, slots]) => db.migrateSlots(slots, target, { keysPerSecond: KEYS_PER_SECOND_PER_SHARD })),
  );
  const migrationSeconds = (performance.now() - migrationStarted) / 1000;
  phase = 'after';
  await new Promise((resolve) => setTimeout(resolve, CALM_MS));
  running = false;
  clearInterval(timeline);
  await load;

  const reports = summaries.flatMap((summary) => summary.reports);
  const average = (values: number[]): number => values.reduce((a, b) => a + b, 0) / Math.max(1, values.length);
  console.log('\nsummary');
  console.table({
    'before migration': { 'ops/s': fmt(average(phases.before)) },
    'during migration': { 'ops/s': fmt(average(phases.during)) },
    'after migration': { 'ops/s': fmt(average(phases.after)) },
  });
  console.log(
    `moved ${reports.length} slots (${fmt(reports.reduce((n, r) => n + r.keys, 0))} keys) in ${migrationSeconds.toFixed(2)} s; ` +
      `longest key lock ${Math.max(...reports.map((r) => r.keyLockMsMax)).toFixed(2)} ms; ` +
      `${fmt(reports.reduce((n, r) => n + r.redirections, 0))} requests served by a target; ` +
      `${fmt(reports.reduce((n, r) => n + r.waits.count, 0))} waited (longest ${Math.max(...reports.map((r) => r.waits.maxMs)).toFixed(2)} ms); ` +
      'no errors reached the caller.',
  );
  console.table(db.stats().shards.map(({ shard, slots, keys: held, ops }) => ({ shard, slots, keys: held, ops })));
  await db.close();
  console.log(
    '\nTo see where each operation\'s time went during a migration: npx slotdb profile-migration --out report.html\n' +
      '(a per-operation profile with stall causes, keys and slots; open report.html in a browser; docs/profile.md).\n' +
      'Also: npm run bench:migration (throughput during migration, key vs slot locks), npm test, docs/migration.md.',
  );
}

await main();
