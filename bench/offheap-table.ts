// A storage design measured before it is chosen: keys and string values out of the JavaScript heap,
// in one byte arena with an open-addressing hash table over it, against what a shard does today
// (a Map<string, string> of one-byte strings decoded from the request bytes). Self-contained: it
// imports nothing from slotdb.
//
// Each variant runs in its own process (its own heap and RSS) as a shard would: keys and values
// arrive as bytes in a buffer (a request frame), a GET writes the value's bytes into a reply
// buffer. Per variant: load speed, bytes per key (heap after a full collection, arena, RSS),
// lookup speed, and the collector's pauses during a steady loop of 90% GET / 10% SET.
//
//   npm run build && node --expose-gc dist/bench/offheap-table.js --keys 5000000

import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { GCProfiler, getHeapStatistics } from 'node:v8';
import { machine, numberFlags } from './machine.js';
import { ArenaTable } from './offheap-arena.js';

const flags = numberFlags({
  keys: 5_000_000,
  valueBytes: 32,
  lookups: 2_000_000,
  steadyMs: 5000,
  /** Garbage each steady request allocates besides the table's own (a JS shard's residue). */
  garbageBytes: 32,
  child: 0,
});
const VARIANTS = ['map', 'arena'] as const;
type Variant = (typeof VARIANTS)[number];

/** A table as a shard would use it: keys and values given as bytes, values read into a buffer. */
interface Table {
  set(src: Buffer, keyAt: number, keyBytes: number, valueAt: number, valueBytes: number): void;
  /** Writes the value at out[outAt] and returns its length, or -1 for a missing key. */
  get(src: Buffer, keyAt: number, keyBytes: number, out: Buffer, outAt: number): number;
  /** Bytes held outside the JS heap, and of those the bytes in use. */
  readonly externalBytes: number;
  readonly usedBytes: number;
}

/** Today's shard: one-byte strings decoded from the frame (Call.arg), a Map of them. */
class MapTable implements Table {
  private readonly map = new Map<string, string>();
  readonly externalBytes = 0;
  readonly usedBytes = 0;

  set(src: Buffer, keyAt: number, keyBytes: number, valueAt: number, valueBytes: number): void {
    const key = src.toString('latin1', keyAt, keyAt + keyBytes);
    this.map.set(key, src.toString('latin1', valueAt, valueAt + valueBytes));
  }

  get(src: Buffer, keyAt: number, keyBytes: number, out: Buffer, outAt: number): number {
    const value = this.map.get(src.toString('latin1', keyAt, keyAt + keyBytes));
    if (value === undefined) return -1;
    const length = value.length;
    for (let i = 0; i < length; i++) out[outAt + i] = value.charCodeAt(i);
    return length;
  }
}

function newTable(variant: Variant, keys: number): Table {
  return variant === 'map' ? new MapTable() : new ArenaTable(keys);
}

/** Writes `key:<i>` at buf[at]; returns its length. */
function writeKey(buf: Buffer, at: number, i: number): number {
  return buf.write(`key:${i}`, at, 'latin1');
}

const CHUNK = 10_000;

/** Loads every key from frames of CHUNK pairs; returns the ms spent in the table. */
function load(table: Table): number {
  const frame = Buffer.alloc(CHUNK * (24 + flags.valueBytes));
  frame.fill(0x76);
  let tableMs = 0;
  for (let first = 0; first < flags.keys; first += CHUNK) {
    const last = Math.min(flags.keys, first + CHUNK);
    const starts: number[] = [];
    let at = 0;
    for (let i = first; i < last; i++) {
      starts.push(at);
      const keyBytes = writeKey(frame, at + 1, i);
      frame[at] = keyBytes;
      at += 1 + keyBytes + flags.valueBytes;
    }
    const started = performance.now();
    for (const start of starts) {
      const keyBytes = frame[start]!;
      table.set(frame, start + 1, keyBytes, start + 1 + keyBytes, flags.valueBytes);
    }
    tableMs += performance.now() - started;
  }
  return tableMs;
}

/** Random keys encoded once (u8 length, bytes), as GET frames would carry them. */
function requestKeys(count: number): { buf: Buffer; starts: Int32Array } {
  const buf = Buffer.alloc(count * 16);
  const starts = new Int32Array(count);
  let seed = 12345;
  let at = 0;
  for (let n = 0; n < count; n++) {
    seed = (seed * 48271) % 2147483647;
    starts[n] = at;
    const keyBytes = writeKey(buf, at + 1, seed % flags.keys);
    buf[at] = keyBytes;
    at += 1 + keyBytes;
  }
  return { buf, starts };
}

function lookups(table: Table): number {
  const { buf, starts } = requestKeys(1 << 16);
  const out = Buffer.alloc(1 << 16);
  let found = 0;
  const started = performance.now();
  for (let n = 0; n < flags.lookups; n++) {
    const at = starts[n & 0xffff]!;
    if (table.get(buf, at + 1, buf[at]!, out, 0) >= 0) found++;
  }
  const ms = performance.now() - started;
  if (found !== flags.lookups) throw new Error(`found ${found} of ${flags.lookups}`);
  return flags.lookups / (ms / 1000);
}

interface Pauses {
  readonly requests: number;
  readonly scavenges: number;
  readonly scavengeMsMax: number;
  readonly scavengeMsMedian: number;
  readonly majorGcs: number;
  readonly majorMsMax: number;
}

/** A shard's steady loop: 90% GET, 10% SET of a new value, `garbageBytes` of garbage each. */
function steady(table: Table): Pauses {
  const { buf, starts } = requestKeys(1 << 16);
  const value = Buffer.alloc(flags.valueBytes, 0x77);
  const frame = Buffer.alloc(64 + flags.valueBytes);
  const out = Buffer.alloc(1 << 16);
  const garbage = Math.max(0, flags.garbageBytes - 16);
  const profiler = new GCProfiler();
  profiler.start();
  let sink = 0;
  let n = 0;
  const end = performance.now() + flags.steadyMs;
  while ((n & 1023) !== 0 || performance.now() < end) {
    const at = starts[n & 0xffff]!;
    const keyBytes = buf[at]!;
    if (n % 10 === 0) {
      buf.copy(frame, 0, at + 1, at + 1 + keyBytes);
      value.copy(frame, keyBytes);
      table.set(frame, 0, keyBytes, keyBytes, flags.valueBytes);
    } else {
      sink += table.get(buf, at + 1, keyBytes, out, 0);
    }
    // A string of `garbage` chars (a key a shard decodes, say): young garbage at the same rate
    // for both variants, so that their scavenges can be compared.
    if (garbage > 0) sink += String.fromCharCode(97 + (n & 15)).repeat(garbage).length;
    n++;
  }
  const statistics = (profiler.stop()?.statistics ?? []) as { gcType: string; cost: number }[];
  const scavenges = statistics.filter((gc) => gc.gcType === 'Scavenge').map((gc) => gc.cost / 1000);
  const majors = statistics.filter((gc) => gc.gcType === 'MarkSweepCompact').map((gc) => gc.cost);
  scavenges.sort((a, b) => a - b);
  if (sink === 0) throw new Error('the steady loop read nothing');
  return {
    requests: n,
    scavenges: scavenges.length,
    scavengeMsMax: scavenges.at(-1) ?? 0,
    scavengeMsMedian: scavenges[scavenges.length >> 1] ?? 0,
    majorGcs: majors.length,
    majorMsMax: Math.max(0, ...majors) / 1000,
  };
}

function collect(): number {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc === undefined) throw new Error('run with node --expose-gc');
  const started = performance.now();
  gc();
  return performance.now() - started;
}

function child(variant: Variant): void {
  collect();
  const heapBefore = getHeapStatistics().used_heap_size;
  const rssBefore = process.memoryUsage.rss();
  const table = newTable(variant, flags.keys);
  const loadMs = load(table);
  const fullGcMs = collect();
  const heapBytes = getHeapStatistics().used_heap_size - heapBefore;
  const rssBytes = process.memoryUsage.rss() - rssBefore;
  const lookupsPerSecond = lookups(table);
  const pauses = steady(table);
  const result = {
    variant,
    loadKeysPerSecond: flags.keys / (loadMs / 1000),
    heapBytesPerKey: heapBytes / flags.keys,
    externalBytesPerKey: table.externalBytes / flags.keys,
    bytesPerKey: (heapBytes + table.externalBytes) / flags.keys,
    usedBytesPerKey: (heapBytes + table.usedBytes) / flags.keys,
    rssBytesPerKey: rssBytes / flags.keys,
    lookupsPerSecond,
    fullGcMs,
    ...pauses,
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

function parent(): void {
  const script = fileURLToPath(import.meta.url);
  const args = process.argv.slice(2);
  const results = VARIANTS.map((_variant, i) => {
    const output = execFileSync(
      process.execPath,
      ['--expose-gc', script, ...args, '--child', String(i + 1)],
      { encoding: 'utf8', maxBuffer: 1 << 20 },
    );
    return JSON.parse(output.trim().split('\n').at(-1)!) as Record<string, number | string>;
  });
  const about = machine();
  const fmt = (n: number): string =>
    n >= 100 ? Math.round(n).toLocaleString('en-US') : n.toFixed(2);
  const rows = results.map((r) =>
    Object.fromEntries(Object.entries(r).map(([k, v]) => [k, typeof v === 'number' ? fmt(v) : v])),
  );
  console.log(
    `off-heap table prototype: ${flags.keys.toLocaleString('en-US')} keys of ${flags.valueBytes}-byte values; ${about.cores} cores (${about.cpu}), Node ${about.node}`,
  );
  console.table(rows);
  const directory = new URL('../../bench/results/', import.meta.url);
  mkdirSync(directory, { recursive: true });
  const json = { benchmark: 'offheap-table', machine: about, flags, results };
  writeFileSync(new URL('offheap-table.json', directory), `${JSON.stringify(json, null, 2)}\n`);
  console.log('wrote bench/results/offheap-table.json');
}

if (flags.child > 0) child(VARIANTS[flags.child - 1]!);
else parent();
