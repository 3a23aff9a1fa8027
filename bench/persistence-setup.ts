// What the persistence benchmark does to a data directory: temporary directories, loading keys,
// the shard's log size, starting a snapshot at a chosen moment and waiting for its commit, and the
// values the data sets are made of.
//
// A snapshot is started with BGSAVE when the build has it. Otherwise by the auto rewrite: the
// database is opened with autoAofRewriteMinSize 1 and a percentage P, so a shard starts a snapshot
// once its log grew by P% of the size it had at open (or at the last snapshot); the benchmark then
// writes just enough 64 KiB values to pass that. The values are at most one snapshot turn's budget,
// so they add no turn longer than the data's own.

import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { kPool } from '../src/db.js';
import type { SlotDB } from '../src/index.js';
import type { DataStore, SnapshotRecord } from '../src/persistence/store.js';

/** The options a database is opened with when the benchmark starts its snapshots itself. */
export function triggerOptions(percentage: number): {
  autoAofRewriteMinSize: number;
  autoAofRewritePercentage: number;
} {
  return { autoAofRewriteMinSize: 1, autoAofRewritePercentage: percentage };
}

export function temporaryDirectory(): string {
  return mkdtempSync(join(tmpdir(), 'slotdb-bench-'));
}

export function removeDirectory(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

export function storeOf(db: SlotDB): DataStore {
  const store = db[kPool]?.store;
  if (store === undefined) throw new Error('the database has no data directory');
  return store;
}

/** Bytes in `dir`'s files of one kind ('.log' or '.snap'). */
export function filesBytes(dir: string, suffix: string): number {
  let bytes = 0;
  for (const name of readdirSync(dir)) {
    if (name.endsWith(suffix)) bytes += statSync(join(dir, name)).size;
  }
  return bytes;
}

/** Bytes of the log the manifest names for shard 0 (read it before an open: the shard's base). */
export function logBytes(dir: string): number {
  const manifest = JSON.parse(readFileSync(join(dir, 'MANIFEST'), 'utf8')) as {
    files: { log: string }[];
  };
  return statSync(join(dir, manifest.files[0]!.log)).size;
}

/** Whether a snapshot was started or committed since the open (by the auto rewrite). */
export function snapshotUnderWay(db: SlotDB, dir: string): boolean {
  if (storeOf(db).snapshots.length > 0) return true;
  return readdirSync(dir).some((name) => name.endsWith('.snap.tmp'));
}

/**
 * Writes `count` keys `${prefix}${i}` with `valueAt(i)` by pipelined SETs (one log record each, as
 * an application writes), awaited every 1000 keys or 4 MB. Returns the bytes of keys and values.
 */
export async function loadKeys(
  db: SlotDB,
  count: number,
  prefix: string,
  valueAt: (i: number) => string,
): Promise<number> {
  const pipelineBytes = 4 * 1024 * 1024;
  const pipelineKeys = 1000;
  let bytes = 0;
  let pending: Promise<unknown>[] = [];
  let pendingBytes = 0;
  for (let i = 0; i < count; i++) {
    const key = `${prefix}${i}`;
    const value = valueAt(i);
    pending.push(db.set(key, value));
    pendingBytes += key.length + value.length;
    if (pendingBytes >= pipelineBytes || pending.length === pipelineKeys || i === count - 1) {
      await Promise.all(pending);
      bytes += pendingBytes;
      pending = [];
      pendingBytes = 0;
    }
  }
  return bytes;
}

let hasBgSave: boolean | undefined;

/** How snapshots are started in this build: 'BGSAVE' or 'log growth' (see the file comment). */
export async function snapshotTrigger(db: SlotDB): Promise<'BGSAVE' | 'log growth'> {
  if (hasBgSave === undefined) {
    // LASTSAVE comes with BGSAVE and changes nothing: it tells whether the build has them.
    hasBgSave = await db.sendCommand(['LASTSAVE']).then(
      () => true,
      () => false,
    );
  }
  return hasBgSave ? 'BGSAVE' : 'log growth';
}

const TRIGGER_VALUE = 't'.repeat(64 * 1024);

/**
 * Starts a snapshot of a one-shard database opened on `dir` with triggerOptions(`percentage`),
 * whose log had `base` bytes at open (logBytes before it). Returns the bytes written to start it
 * (0 with BGSAVE).
 */
export async function startSnapshot(
  db: SlotDB,
  dir: string,
  percentage: number,
  base: number,
): Promise<number> {
  if ((await snapshotTrigger(db)) === 'BGSAVE') {
    await db.sendCommand(['BGSAVE']);
    return 0;
  }
  // The auto rewrite starts once the log grew by `percentage` of its size at open: what the
  // requests since wrote counts, so only the rest is written here.
  const mark = Math.ceil(base * (1 + percentage / 100));
  const needed = Math.max(1, mark - logBytes(dir) + 1);
  const pairs: [string, string][] = [];
  for (let i = 0; i * TRIGGER_VALUE.length < needed; i++)
    pairs.push([`trigger:${i}`, TRIGGER_VALUE]);
  await db.mSet(pairs);
  return pairs.length * TRIGGER_VALUE.length;
}

/** Waits for the commit of the snapshot after the first `before` ones; throws after `ms`. */
export async function snapshotCommitted(
  db: SlotDB,
  before: number,
  ms = 600_000,
): Promise<SnapshotRecord> {
  const store = storeOf(db);
  const deadline = performance.now() + ms;
  while (store.snapshots.length <= before) {
    if (performance.now() > deadline) throw new Error('no snapshot was committed in time');
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
  return store.snapshots[before]!;
}

/** A seeded generator (mulberry32): the same data sets in every run. */
export function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const NAMES = ['ada', 'grace', 'linus', 'barbara', 'ken', 'dennis', 'margaret', 'edsger'];
const CITIES = ['Lisbon', 'Nairobi', 'Osaka', 'Lima', 'Oslo', 'Perth', 'Quito', 'Tunis'];

/** A JSON document of a user record, about 150 bytes, different for each `i`. */
export function jsonValue(i: number, random: () => number): string {
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)]!;
  return JSON.stringify({
    id: i,
    name: `${pick(NAMES)}-${Math.floor(random() * 1e6)}`,
    email: `${pick(NAMES)}${i}@example.org`,
    city: pick(CITIES),
    active: random() < 0.5,
    score: Math.round(random() * 1e4) / 100,
    visits: Math.floor(random() * 5000),
    updatedAt: 1_700_000_000_000 + Math.floor(random() * 1e10),
  });
}

/** `bytes` random printable ASCII characters (little for LZ4 to find), as one flat string. */
export function printableValue(bytes: number, random: () => number): string {
  const text = Buffer.allocUnsafe(bytes);
  for (let i = 0; i < bytes; i++) text[i] = 32 + Math.floor(random() * 95);
  return text.toString('latin1');
}

/** About `bytes` of JSON: an array of user records, as a cached API response. */
export function documentValue(i: number, bytes: number, random: () => number): string {
  const parts: string[] = [];
  let length = 2;
  for (let n = 0; length < bytes; n++) {
    const part = jsonValue(i * 1000 + n, random);
    parts.push(part);
    length += part.length + 1;
  }
  return `[${parts.join(',')}]`.slice(0, bytes);
}
