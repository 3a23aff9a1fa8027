// Big keys across live migration (docs/migration.md, "Big keys"): how long requests on a big key
// wait while its slot moves.
//
//   1. two shards; one slot holds a 1,000,000-member hash and a 1,000,000-member sorted set, and
//      100,000 string keys are spread over every slot;
//   2. a load from this thread, pipelined: HSET, HGET and ZADD on the two big keys (existing
//      fields and members, new values and scores), and GET and SET on the string keys; every
//      request is timed from issue to reply;
//   3. per round: the load alone (steady), then the same load while the slot moves in pieces
//      (pieceBytes default), back in pieces throttled (keysPerSecond: a piece costs a batch's
//      keys), and over again whole (pieceBytes 2^32 - 1: each big key in one batch entry, locked
//      while in flight: the path every value took before pieces).
//
// Reported per phase: the longest and p99 wait of requests on the big keys and on the string keys,
// the move's time, members moved per second, and the key lock the report saw. Medians of rounds.
//
//   npm run bench:bigkeys -- --rounds 3 --members 1000000

import { mkdirSync, writeFileSync } from 'node:fs';
import { createHistogram, type RecordableHistogram } from 'node:perf_hooks';
import type { MigrationReport } from '../src/index.js';
import { keySlot, SlotDB } from '../src/index.js';
import { PIECE_BYTES_DEFAULT } from '../src/shared/limits.js';
import { machine, median, numberFlags } from './machine.js';

const flags = numberFlags({
  rounds: 3,
  members: 1_000_000,
  others: 100_000,
  /** Requests on the big keys and on string keys issued together in each pipeline. */
  bigPerPipeline: 8,
  otherPerPipeline: 24,
  steadyMs: 2000,
  pieceBytes: PIECE_BYTES_DEFAULT,
  /** The throttled phase's keysPerSecond: 200 pieces a second (each costs 256, batchKeys). */
  throttle: 51_200,
});

const TAG = 'bigkeys';
const HASH = `{${TAG}}hash`;
const ZSET = `{${TAG}}zset`;
const SLOT = keySlot(TAG);
/** pieceBytes that sends every value whole, as before pieces existed. */
const WHOLE = 2 ** 32 - 1;
const LOAD_CHUNK = 10_000;

const PHASES = ['steady', 'in pieces', 'in pieces, throttled', 'whole'] as const;
type Phase = (typeof PHASES)[number];

type Figures = Record<string, number[]>;
const figures: Figures = {};
function record(name: string, value: number): void {
  figures[name] ??= [];
  figures[name].push(value);
}

async function load(db: SlotDB): Promise<string[]> {
  for (let from = 0; from < flags.members; from += LOAD_CHUNK) {
    const to = Math.min(flags.members, from + LOAD_CHUNK);
    const pairs: [string, string][] = [];
    const members: { value: string; score: number }[] = [];
    for (let i = from; i < to; i++) {
      pairs.push([`field:${i}`, `value:${i}`]);
      members.push({ value: `member:${i}`, score: i });
    }
    await Promise.all([db.hSet(HASH, pairs), db.zAdd(ZSET, members)]);
  }
  const others = Array.from({ length: flags.others }, (_, i) => `key:${i}`);
  for (let from = 0; from < others.length; from += LOAD_CHUNK) {
    await db.mSet(others.slice(from, from + LOAD_CHUNK).map((key) => [key, 'v'.repeat(32)]));
  }
  return others;
}

/** Pipelines of requests until stopped; each request's wait goes in its class's histogram. */
class Load {
  big = createHistogram();
  other = createHistogram();
  requests = 0;
  private running = false;
  private done: Promise<void> = Promise.resolve();
  private n = 0;

  constructor(
    private readonly db: SlotDB,
    private readonly others: readonly string[],
  ) {}

  start(): void {
    this.big = createHistogram();
    this.other = createHistogram();
    this.requests = 0;
    this.running = true;
    this.done = this.loop();
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.done;
  }

  private async loop(): Promise<void> {
    const pending: Promise<unknown>[] = [];
    while (this.running) {
      pending.length = 0;
      for (let i = 0; i < flags.bigPerPipeline; i++) pending.push(this.bigRequest());
      for (let i = 0; i < flags.otherPerPipeline; i++) pending.push(this.otherRequest());
      await Promise.all(pending);
      this.requests += pending.length;
    }
  }

  private bigRequest(): Promise<unknown> {
    const n = this.n++;
    const i = (n * 7919) % flags.members;
    const roll = n % 3;
    const reply =
      roll === 0
        ? this.db.hSet(HASH, `field:${i}`, `new:${n}`)
        : roll === 1
          ? this.db.hGet(HASH, `field:${i}`)
          : this.db.zAdd(ZSET, { value: `member:${i}`, score: n });
    return timed(reply, this.big);
  }

  private otherRequest(): Promise<unknown> {
    const n = this.n++;
    const key = this.others[(n * 104_729) % this.others.length]!;
    return timed(n % 10 === 0 ? this.db.set(key, `v${n}`) : this.db.get(key), this.other);
  }
}

function timed(reply: Promise<unknown>, histogram: RecordableHistogram): Promise<unknown> {
  const started = performance.now();
  return reply.then(() => {
    histogram.record(Math.max(1, Math.round((performance.now() - started) * 1e6)));
  });
}

function recordLoad(phase: Phase, load: Load, ms: number): void {
  for (const [part, histogram] of [
    ['big', load.big],
    ['other', load.other],
  ] as const) {
    record(`${phase} ${part} max ms`, histogram.max / 1e6);
    record(`${phase} ${part} p99 ms`, histogram.percentile(99) / 1e6);
    record(`${phase} ${part} p50 ms`, histogram.percentile(50) / 1e6);
  }
  record(`${phase} requests/s`, (load.requests * 1000) / ms);
}

async function move(
  db: SlotDB,
  load: Load,
  phase: Phase,
  pieceBytes: number,
  keysPerSecond = 0,
): Promise<void> {
  const target = 1 - db.slotOwner(SLOT);
  load.start();
  const started = performance.now();
  const options = { pieceBytes, ...(keysPerSecond > 0 ? { keysPerSecond } : {}) };
  const report: MigrationReport = await db.migrateSlot(SLOT, target, options);
  const ms = performance.now() - started;
  await load.stop();
  recordLoad(phase, load, ms);
  record(`${phase} move s`, ms / 1000);
  record(`${phase} members/s`, (2 * flags.members) / (ms / 1000));
  record(`${phase} MB/s`, report.bytes / 1e6 / (ms / 1000));
  record(`${phase} key lock max ms`, report.keyLockMsMax);
  record(`${phase} pieces`, report.pieces);
}

async function round(db: SlotDB, load: Load): Promise<void> {
  load.start();
  await new Promise((resolve) => setTimeout(resolve, flags.steadyMs));
  await load.stop();
  recordLoad('steady', load, flags.steadyMs);
  await move(db, load, 'in pieces', flags.pieceBytes);
  await move(db, load, 'in pieces, throttled', flags.pieceBytes, flags.throttle);
  await move(db, load, 'whole', WHOLE);
}

function report(about: ReturnType<typeof machine>): string {
  const m = Object.fromEntries(
    Object.entries(figures).map(([name, values]) => [name, median(values)]),
  );
  const fmt = (n: number | undefined, digits = 1): string =>
    n === undefined
      ? '-'
      : n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
  const rows = PHASES.map((phase) => ({
    phase: phase === 'steady' ? 'no move (steady)' : `move ${phase}`,
    'big keys max ms': fmt(m[`${phase} big max ms`]),
    'big keys p99 ms': fmt(m[`${phase} big p99 ms`], 2),
    'others max ms': fmt(m[`${phase} other max ms`]),
    'others p99 ms': fmt(m[`${phase} other p99 ms`], 2),
    'requests/s': fmt(m[`${phase} requests/s`], 0),
    'move s': phase === 'steady' ? '' : fmt(m[`${phase} move s`], 2),
    'members/s': phase === 'steady' ? '' : fmt(m[`${phase} members/s`], 0),
    'key lock max ms': phase === 'steady' ? '' : fmt(m[`${phase} key lock max ms`]),
  }));
  console.table(rows);
  const lines = [
    `slotdb big-keys benchmark: ${about.cores} cores (${about.cpu}), Node ${about.node}, ` +
      `${about.date.slice(0, 10)}; 2 shards; a ${flags.members.toLocaleString('en-US')}-member hash ` +
      `and sorted set in one slot; pieces of ${flags.pieceBytes} bytes; median of ${flags.rounds} rounds`,
    '',
    `| phase | ${Object.keys(rows[0]!).slice(1).join(' | ')} |`,
    `| --- | ${Object.keys(rows[0]!)
      .slice(1)
      .map(() => '---:')
      .join(' | ')} |`,
    ...rows.map((row) => `| ${Object.values(row).join(' | ')} |`),
  ];
  return `${lines.join('\n')}\n`;
}

async function main(): Promise<void> {
  const about = machine();
  console.log(
    `slotdb big-keys benchmark: ${about.cores} cores (${about.cpu}), Node ${about.node}, ` +
      `${flags.rounds} rounds`,
  );
  const db = await SlotDB.open({ shards: 2 });
  try {
    const others = await load(db);
    const load_ = new Load(db, others);
    for (let r = 1; r <= flags.rounds; r++) {
      console.log(`round ${r}/${flags.rounds}`);
      await round(db, load_);
    }
  } finally {
    await db.close();
  }
  const text = report(about);
  const directory = new URL('../../bench/results/', import.meta.url);
  mkdirSync(directory, { recursive: true });
  writeFileSync(new URL('big-keys.txt', directory), text);
  writeFileSync(
    new URL('big-keys.json', directory),
    `${JSON.stringify({ benchmark: 'big-keys', machine: about, flags, rounds: figures }, null, 2)}\n`,
  );
  console.log(text);
  console.log('wrote bench/results/big-keys.txt and big-keys.json');
}

await main();
