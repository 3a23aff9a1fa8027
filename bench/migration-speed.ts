// Migration speed without load, between two shards, quicker than bench:migration's speedRound and
// with the same cases, plus moving many slots one call at a time:
//
//   32 B, one slot       200,000 keys of 32-byte values in one slot (the per-key cost)
//   32 B, 4096 slots     the same keys over 4096 slots, one migrateSlots call (parallel 16)
//   64 KiB, one slot     2048 keys of 64 KiB values in one slot (the per-byte cost)
//   loop vs one call     4096 slots of 50 keys, and 1024 empty slots: one migrateSlots call with
//                        the default options against a loop of `await db.migrateSlot(slot, 1)`
//
// Every speed case moves the slots away after a warm-up on empty slots (as speedRound does: "first
// move", with the JIT still compiling and the target's heap growing), then back and forth
// (`--moves`, 4 in all: "warm" is the median of the later ones). `--compare <dist>` runs a second build (a directory holding src/index.js,
// e.g. a clone's dist) round by round beside this one, so both share the machine's state; `--batch
// 256,1024 --bytes 262144 --window 4,8` runs every combination of those move options (the 32 B and
// 64 KiB cases). Figures are medians over rounds.
//
//   npm run bench:migration-speed -- --rounds 5 --compare /path/to/other/dist

import { mkdirSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import type { MigrateSlotsOptions, SlotDB as SlotDBType } from '../src/index.js';
import { machine, median } from './machine.js';

const { values: args } = parseArgs({
  options: {
    rounds: { type: 'string', default: '3' },
    moves: { type: 'string', default: '4' },
    keys: { type: 'string', default: '200000' },
    bigValues: { type: 'string', default: '2048' },
    loopSlots: { type: 'string', default: '4096' },
    loopKeys: { type: 'string', default: '50' },
    emptySlots: { type: 'string', default: '1024' },
    compare: { type: 'string' },
    batch: { type: 'string' },
    bytes: { type: 'string' },
    window: { type: 'string' },
    cases: { type: 'string', default: 'speed,loop' },
  },
});
const ROUNDS = Number(args.rounds);
/** Moves per speed case, back and forth: the first, and the warm ones (their median). */
const MOVES = Number(args.moves);
const SLOTS = 16384;
const VALUE = 'v'.repeat(32);
const BIG_VALUE = 'b'.repeat(64 * 1024);
const numbers = (text: string | undefined): (number | undefined)[] =>
  text === undefined ? [undefined] : text.split(',').map(Number);

interface Build {
  readonly name: string;
  readonly SlotDB: typeof SlotDBType;
  readonly keySlot: (key: string) => number;
}

async function loadBuild(name: string, index: URL): Promise<Build> {
  const module = (await import(index.href)) as typeof import('../src/index.js');
  return { name, SlotDB: module.SlotDB, keySlot: module.keySlot };
}

const builds: Build[] = [await loadBuild('this', new URL('../src/index.js', import.meta.url))];
if (args.compare !== undefined) {
  const index = pathToFileURL(resolve(args.compare, 'src/index.js'));
  builds.push(await loadBuild(args.compare, index));
}

/** The move options to try on the speed cases: every combination of the flags given. */
const OPTION_SETS: MigrateSlotsOptions[] = [];
for (const batchKeys of numbers(args.batch))
  for (const batchBytes of numbers(args.bytes))
    for (const window of numbers(args.window))
      OPTION_SETS.push({
        ...(batchKeys !== undefined ? { batchKeys } : {}),
        ...(batchBytes !== undefined ? { batchBytes } : {}),
        ...(window !== undefined ? { window } : {}),
      });

const figures = new Map<string, number[]>();
function record(name: string, value: number): void {
  const list = figures.get(name) ?? [];
  list.push(value);
  figures.set(name, list);
}

/**
 * `count` keys over the slots of `slots` hash tags owned by shard 0 (as speedRound picks them: two
 * tags may share a slot), or over exactly `slots` slots when `distinct`.
 */
function keysOn(build: Build, db: SlotDBType, count: number, slots: number, distinct = false) {
  const tags: string[] = [];
  const seen = new Set<number>();
  for (let i = 0; tags.length < slots; i++) {
    const slot = build.keySlot(`t${i}`);
    if (db.slotOwner(slot) !== 0 || (distinct && seen.has(slot))) continue;
    seen.add(slot);
    tags.push(`t${i}`);
  }
  const keys = Array.from({ length: count }, (_, i) => `{${tags[i % tags.length]}}:${i}`);
  const moving = [...new Set(tags.map((tag) => build.keySlot(tag)))];
  return { keys, moving };
}

async function fill(db: SlotDBType, keys: readonly string[], value: string): Promise<void> {
  const step = Math.max(1, Math.floor((8 * 1024 * 1024) / (value.length + 32)));
  for (let i = 0; i < keys.length; i += step)
    await db.mSet(keys.slice(i, i + step).map((k) => [k, value] as [string, string]));
}

/** Slots of shard 0 that none of `moving` is: the warm-up moves them. */
function emptySlots(db: SlotDBType, moving: readonly number[], count: number): number[] {
  const taken = new Set(moving);
  const slots: number[] = [];
  for (let slot = 0; slot < SLOTS && slots.length < count; slot++)
    if (db.slotOwner(slot) === 0 && !taken.has(slot)) slots.push(slot);
  return slots;
}

async function speedCase(
  build: Build,
  label: string,
  count: number,
  value: string,
  slots: number,
  options: MigrateSlotsOptions,
): Promise<void> {
  const db = await build.SlotDB.open({ shards: 2 });
  try {
    const { keys, moving } = keysOn(build, db, count, slots);
    await fill(db, keys, value);
    await db.migrateSlots(emptySlots(db, moving, 64), 1, { parallel: 16 });
    const warm: { keys: number[]; bytes: number[] } = { keys: [], bytes: [] };
    for (let move = 0; move < MOVES; move++) {
      const started = performance.now();
      const summary = await db.migrateSlots(moving, (move + 1) % 2, { parallel: 16, ...options });
      const seconds = (performance.now() - started) / 1000;
      if (move === 0) {
        record(`${build.name}|${label}|first keys/s`, summary.keys / seconds);
        record(`${build.name}|${label}|first MB/s`, summary.bytes / seconds / 1e6);
      } else {
        warm.keys.push(summary.keys / seconds);
        warm.bytes.push(summary.bytes / seconds / 1e6);
      }
    }
    record(`${build.name}|${label}|warm keys/s`, median(warm.keys));
    record(`${build.name}|${label}|warm MB/s`, median(warm.bytes));
  } finally {
    await db.close();
  }
}

/** One migrateSlots call against a loop of awaited migrateSlot calls, on the same slots. */
async function loopCase(build: Build, label: string, slots: number, perSlot: number) {
  const db = await build.SlotDB.open({ shards: 2 });
  try {
    let moving: number[];
    if (perSlot > 0) {
      const made = keysOn(build, db, slots * perSlot, slots, true);
      moving = made.moving;
      await fill(db, made.keys, VALUE);
    } else moving = emptySlots(db, [], slots);
    await db.migrateSlots(emptySlots(db, moving, 64), 1, { parallel: 16 });
    const keys = slots * perSlot;
    let started = performance.now();
    await db.migrateSlots(moving, 1);
    let seconds = (performance.now() - started) / 1000;
    record(`${build.name}|${label}|one call ms`, seconds * 1000);
    if (keys > 0) record(`${build.name}|${label}|one call keys/s`, keys / seconds);
    started = performance.now();
    for (const slot of moving) await db.migrateSlot(slot, 0);
    seconds = (performance.now() - started) / 1000;
    record(`${build.name}|${label}|loop ms`, seconds * 1000);
    record(`${build.name}|${label}|loop µs per slot`, (seconds * 1e6) / moving.length);
    if (keys > 0) record(`${build.name}|${label}|loop keys/s`, keys / seconds);
  } finally {
    await db.close();
  }
}

function optionsLabel(options: MigrateSlotsOptions): string {
  const parts = Object.entries(options).map(([name, value]) => `${name} ${value}`);
  return parts.length === 0 ? 'defaults' : parts.join(', ');
}

async function round(): Promise<void> {
  const cases = new Set((args.cases ?? '').split(','));
  const keys = Number(args.keys);
  for (const build of builds) {
    if (cases.has('speed')) {
      for (const options of OPTION_SETS) {
        const tag = optionsLabel(options);
        await speedCase(build, `32 B, one slot (${tag})`, keys, VALUE, 1, options);
        await speedCase(
          build,
          `64 KiB, one slot (${tag})`,
          Number(args.bigValues),
          BIG_VALUE,
          1,
          options,
        );
      }
      await speedCase(build, '32 B, 4096 slots', keys, VALUE, 4096, {});
    }
    if (cases.has('loop')) {
      const loopSlots = Number(args.loopSlots);
      await loopCase(
        build,
        `${loopSlots} slots × ${args.loopKeys} keys`,
        loopSlots,
        Number(args.loopKeys),
      );
      await loopCase(build, `${args.emptySlots} empty slots`, Number(args.emptySlots), 0);
    }
  }
}

const about = machine();
console.log(
  `slotdb migration speed, no load: ${about.cores} cores (${about.cpu}), Node ${about.node}, ` +
    `${ROUNDS} rounds, builds: ${builds.map((b) => b.name).join(' | ')}`,
);
for (let r = 1; r <= ROUNDS; r++) {
  const started = performance.now();
  await round();
  console.log(`round ${r}/${ROUNDS} (${((performance.now() - started) / 1000).toFixed(1)} s)`);
}
const fmt = (n: number): string =>
  n.toLocaleString('en-US', { maximumFractionDigits: n < 100 ? 2 : 0 });
const rows = new Map<string, Record<string, string>>();
for (const [name, values] of figures) {
  const [build, label, figure] = name.split('|') as [string, string, string];
  const row = rows.get(`${label}|${figure}`) ?? { case: label, figure };
  row[build] = fmt(median(values));
  rows.set(`${label}|${figure}`, row);
}
if (builds.length === 2) {
  for (const [key, row] of rows) {
    const [a, b] = builds.map((build) => figures.get(`${build.name}|${key}`));
    if (a === undefined || b === undefined) continue;
    row['this / other (median of rounds)'] = median(a.map((x, i) => x / b[i]!)).toFixed(2);
  }
}
console.table([...rows.values()]);
const directory = new URL('../../bench/results/', import.meta.url);
mkdirSync(directory, { recursive: true });
writeFileSync(
  new URL('migration-speed.json', directory),
  `${JSON.stringify({ benchmark: 'migration-speed', machine: about, args, rounds: Object.fromEntries(figures) }, null, 2)}\n`,
);
console.log('wrote bench/results/migration-speed.json');
