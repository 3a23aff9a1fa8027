// How a set's members could be stored, measured: memory per member (structure only: the member
// strings are shared by every candidate and not counted) and the speed of what a set needs,
// membership tests and uniform random picks (SPOP, SRANDMEMBER). docs/types/sets.md records the
// figures and the choice.
//
//   npm run build && node --expose-gc dist/bench/set-storage.js --total 400000
//
// Candidates:
// - set: a JS Set<string>. A random pick walks the iteration order to a random position: O(n).
// - array+map: members in an array, a Map<member, index> beside it; removal swaps the last member
//   into the hole. Picks are O(1).
// - array: members in an array, searched linearly: the smallest form, for small sets only.
// - open (SetValue, the one slotdb uses): a hand-made open-addressing table (strings in one array,
//   linear probing, a seeded FNV-1a hash computed in JS): the most compact hashed form; picks probe
//   random slots.

import { SetValue } from '../workers/keyspace/set-value.js';
import { machine, numberFlags } from './machine.js';

const flags = numberFlags({
  total: 400_000,
  picks: 200_000,
  lookups: 400_000,
  memberBytes: 12,
});
const ROUNDS = 3;
const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) throw new Error('run with node --expose-gc');

const PAD = 'x'.repeat(Math.max(0, flags.memberBytes - 8));
// Flat one-byte strings, as a shard's arguments are: a concatenation would be a rope that the
// first hash flattens, and the flat copy would be counted against whichever candidate did it.
const members = Array.from({ length: flags.total }, (_, i) =>
  Buffer.from(
    `${PAD}${String(i).padStart(8, '0')}`.slice(-Math.max(8, flags.memberBytes)),
  ).toString('latin1'),
);

interface Candidate {
  readonly name: string;
  build(from: readonly string[]): unknown;
  has(store: unknown, member: string): boolean;
  pick(store: unknown): string;
}

interface ArrayMap {
  readonly list: string[];
  readonly index: Map<string, number>;
}

const CANDIDATES: readonly Candidate[] = [
  {
    name: 'set',
    build: (from) => new Set(from),
    has: (store, member) => (store as Set<string>).has(member),
    pick(store) {
      const set = store as Set<string>;
      let skip = Math.floor(Math.random() * set.size);
      for (const member of set) if (skip-- === 0) return member;
      throw new Error('unreachable');
    },
  },
  {
    name: 'array+map',
    build(from) {
      const list: string[] = [];
      const index = new Map<string, number>();
      for (const member of from) {
        index.set(member, list.length);
        list.push(member);
      }
      return { list, index } satisfies ArrayMap;
    },
    has: (store, member) => (store as ArrayMap).index.has(member),
    pick: (store) => {
      const list = (store as ArrayMap).list;
      return list[Math.floor(Math.random() * list.length)]!;
    },
  },
  {
    name: 'array',
    build: (from) => {
      const list: string[] = [];
      for (const member of from) list.push(member);
      return list;
    },
    has: (store, member) => (store as string[]).indexOf(member) >= 0,
    pick: (store) => {
      const list = store as string[];
      return list[Math.floor(Math.random() * list.length)]!;
    },
  },
  {
    name: 'open (SetValue)',
    build(from) {
      const set = new SetValue();
      for (const member of from) set.add(member);
      return set;
    },
    has: (store, member) => (store as SetValue).has(member),
    pick: (store) => (store as SetValue).random(),
  },
];

/** Heap bytes per member of `candidate` for sets of `size` members, filling `flags.total`. */
function bytesPerMember(candidate: Candidate, size: number): number {
  const count = Math.max(1, Math.floor(flags.total / size));
  gc!();
  const before = process.memoryUsage().heapUsed;
  const stores: unknown[] = [];
  for (let s = 0; s < count; s++) {
    stores.push(candidate.build(members.slice(s * size, (s + 1) * size)));
  }
  gc!();
  const bytes = process.memoryUsage().heapUsed - before;
  if (stores.length !== count) throw new Error('lost stores');
  return bytes / (count * size);
}

/** Fresh copies of some members (as a shard's arguments are): no hash cached yet. */
function freshQueries(from: readonly string[], count: number): string[] {
  return Array.from({ length: count }, (_, i) =>
    Buffer.from(from[i % from.length]!, 'latin1').toString('latin1'),
  );
}

/**
 * Nanoseconds per operation of `body`, the best of ROUNDS runs (the machine is shared). `prepare`
 * makes each run's input outside the timing.
 */
function nanosPer<T>(operations: number, prepare: () => T, body: (input: T) => void): number {
  let best = Number.POSITIVE_INFINITY;
  for (let round = 0; round < ROUNDS; round++) {
    const input = prepare();
    const start = process.hrtime.bigint();
    body(input);
    best = Math.min(best, Number(process.hrtime.bigint() - start) / operations);
  }
  return best;
}

/** Lookups of fresh strings (a shard's arguments): V8 hashes each one once, as slotdb does. */
function lookupNanos(candidate: Candidate, size: number): number {
  const store = candidate.build(members.slice(0, size));
  const from = members.slice(0, size * 2);
  let found = 0;
  const nanos = nanosPer(
    flags.lookups,
    () => freshQueries(from, flags.lookups),
    (queries) => {
      for (const query of queries) if (candidate.has(store, query)) found++;
    },
  );
  if (found === 0) throw new Error('nothing found');
  return nanos;
}

/** Sets built from fresh strings (SADD's arguments), growing from empty. */
function buildNanos(candidate: Candidate, size: number): number {
  const rounds = Math.max(1, Math.floor(flags.lookups / size));
  const from = members.slice(0, size);
  let kept = 0;
  const nanos = nanosPer(
    rounds * size,
    () => Array.from({ length: rounds }, () => freshQueries(from, size)),
    (inputs) => {
      for (const input of inputs) if (candidate.build(input) !== undefined) kept++;
    },
  );
  if (kept === 0) throw new Error('nothing built');
  return nanos;
}

function pickNanos(candidate: Candidate, size: number): number {
  const store = candidate.build(members.slice(0, size));
  const picks = size > 10_000 && candidate.name === 'set' ? 200 : flags.picks;
  let length = 0;
  const nanos = nanosPer(
    picks,
    () => store,
    (from) => {
      for (let i = 0; i < picks; i++) length += candidate.pick(from).length;
    },
  );
  if (length === 0) throw new Error('nothing picked');
  return nanos;
}

const MEMORY_SIZES = [1, 4, 8, 16, 64, 512, 100_000];
const LOOKUP_SIZES = [4, 8, 16, 32, 64, 100_000];
const PICK_SIZES = [16, 1000, 100_000];

console.log(JSON.stringify(machine()));
for (const candidate of CANDIDATES) {
  const memory = MEMORY_SIZES.filter((size) => candidate.name !== 'array' || size <= 512).map(
    (size) => `${size}: ${bytesPerMember(candidate, size).toFixed(1)}`,
  );
  // Warm up each path once before timing it.
  lookupNanos(candidate, 16);
  pickNanos(candidate, 16);
  const lookups = LOOKUP_SIZES.filter((size) => candidate.name !== 'array' || size <= 64).map(
    (size) => `${size}: ${lookupNanos(candidate, size).toFixed(1)}`,
  );
  const picks = PICK_SIZES.map((size) => `${size}: ${pickNanos(candidate, size).toFixed(1)}`);
  const builds = LOOKUP_SIZES.filter((size) => candidate.name !== 'array' || size <= 64).map(
    (size) => `${size}: ${buildNanos(candidate, size).toFixed(1)}`,
  );
  console.log(`${candidate.name}`);
  console.log(`  bytes/member by set size  ${memory.join('  ')}`);
  console.log(`  ns/lookup (half hits)     ${lookups.join('  ')}`);
  console.log(`  ns/random pick            ${picks.join('  ')}`);
  console.log(`  ns/add (building a set)   ${builds.join('  ')}`);
}
