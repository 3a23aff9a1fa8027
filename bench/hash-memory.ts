// Memory and lookup cost of a hash's storage: HashValue (small and large forms) against the
// baseline of one Map<field, value> per hash, on the same fresh one-byte strings a shard stores.
//
//   npm run build && node --expose-gc dist/bench/hash-memory.js
//
// Memory: heap bytes per field over many hashes (heapUsed after a full GC, before and after
// building them), split into the strings themselves and the structure around them. Lookups: ns per
// HGET-style lookup of a fresh field string over many hashes (the string's creation included, as a
// shard pays it);
// sets: ns per new field while building hashes (best of 10 rounds, strings included).

import { mkdirSync, writeFileSync } from 'node:fs';
import { HASH_SMALL_FIELDS_MAX, HashValue } from '../workers/keyspace/hash-value.js';

const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) {
  console.error('run with node --expose-gc');
  process.exit(1);
}

/** A fresh one-byte string, as a shard's argument parsing makes one (never interned). */
const fresh = (text: string): string => Buffer.from(text, 'latin1').toString('latin1');

/** The storage measured: one Map per hash (the baseline) or a HashValue. */
type Shape = 'map' | 'hash';

/** A hash of `fields` pairs "field:<i>" → "value:<i>", stored as `shape`. */
function build(shape: Shape, fields: number): Map<string, string> | HashValue {
  if (shape === 'map') {
    const map = new Map<string, string>();
    for (let i = 0; i < fields; i++) map.set(fresh(`field:${i}`), fresh(`value:${i}`));
    return map;
  }
  const hash = new HashValue();
  for (let i = 0; i < fields; i++) hash.set(fresh(`field:${i}`), fresh(`value:${i}`));
  return hash;
}

/** Bytes of one heap pointer (Node 20 on 64-bit builds without pointer compression). */
const POINTER_BYTES = 8;

/** Heap bytes per field of the field and value strings alone (in one array, its slots excluded). */
function stringBytesPerField(fields: number, count: number): number {
  gc!();
  const before = process.memoryUsage().heapUsed;
  const kept: string[] = new Array(count * fields * 2);
  for (let h = 0, at = 0; h < count; h++) {
    for (let i = 0; i < fields; i++) {
      kept[at++] = fresh(`field:${i}`);
      kept[at++] = fresh(`value:${i}`);
    }
  }
  gc!();
  const after = process.memoryUsage().heapUsed;
  return (after - before - kept.length * POINTER_BYTES) / (count * fields);
}

/** Heap bytes per field of `count` hashes of `fields` fields each. */
function bytesPerField(shape: Shape, fields: number, count: number): number {
  gc!();
  const before = process.memoryUsage().heapUsed;
  const kept: unknown[] = [];
  for (let h = 0; h < count; h++) kept.push(build(shape, fields));
  gc!();
  const after = process.memoryUsage().heapUsed;
  // The array that keeps them costs a pointer a hash; not the hashes' cost.
  const bytes = (after - before - kept.length * POINTER_BYTES) / (count * fields);
  kept.length = 0;
  return bytes;
}

/**
 * ns per lookup, spread over up to a thousand hashes (about 200,000 fields in all) so that, as in a
 * shard, the strings a lookup touches are rarely in the CPU cache. Best of 30 rounds.
 */
function lookupNs(shape: Shape, fields: number): number {
  const count = Math.max(1, Math.min(1000, Math.floor(200_000 / fields)));
  const hashes = Array.from({ length: count }, () => build(shape, fields));
  const probes = Array.from({ length: 4096 }, (_, i) =>
    Buffer.from(`field:${(i * 7919) % fields}`, 'latin1'),
  );
  let sink = 0;
  let best = Number.POSITIVE_INFINITY;
  for (let round = 0; round < 30; round++) {
    const start = process.hrtime.bigint();
    for (let i = 0; i < probes.length; i++) {
      sink += hashes[i % count]!.get(probes[i]!.toString('latin1'))!.length;
    }
    best = Math.min(best, Number(process.hrtime.bigint() - start) / probes.length);
  }
  if (sink === 0) throw new Error('no lookups');
  return best;
}

/** ns per new field while building hashes of `fields` fields (string creation included). */
function buildNsPerField(shape: Shape, fields: number): number {
  const hashes = Math.max(1, Math.floor(20_000 / fields));
  let best = Number.POSITIVE_INFINITY;
  for (let round = 0; round < 10; round++) {
    const start = process.hrtime.bigint();
    for (let h = 0; h < hashes; h++) build(shape, fields);
    best = Math.min(best, Number(process.hrtime.bigint() - start) / (hashes * fields));
  }
  return best;
}

const SIZES: [string, number, number][] = [
  ['10 fields (small)', 10, 20_000],
  [`${HASH_SMALL_FIELDS_MAX} fields (small)`, HASH_SMALL_FIELDS_MAX, 1_500],
  ['1,000 fields (large)', 1000, 200],
  ['100,000 fields (large)', 100_000, 3],
];

const rows = SIZES.map(([label, fields, count]) => {
  const strings = stringBytesPerField(fields, count);
  const map = bytesPerField('map', fields, count);
  const hash = bytesPerField('hash', fields, count);
  return {
    hash: label,
    'strings B/field': strings.toFixed(1),
    'Map B/field': `${map.toFixed(1)} (${(map - strings).toFixed(1)} + strings)`,
    'HashValue B/field': `${hash.toFixed(1)} (${(hash - strings).toFixed(1)} + strings)`,
    'Map get ns': lookupNs('map', fields).toFixed(0),
    'HashValue get ns': lookupNs('hash', fields).toFixed(0),
    'Map set ns': buildNsPerField('map', fields).toFixed(0),
    'HashValue set ns': buildNsPerField('hash', fields).toFixed(0),
  };
});

const title = `hash storage, Node ${process.version}: heap bytes per field, ns per lookup`;
console.log(title);
console.table(rows);
mkdirSync('bench/results', { recursive: true });
writeFileSync('bench/results/hash-memory.json', `${JSON.stringify({ title, rows }, null, 2)}\n`);
