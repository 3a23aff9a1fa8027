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
// - open: a hand-made open-addressing table (strings in one array, linear probing, FNV-1a hash
//   computed in JS): the most compact hashed form; picks probe random slots.

import { machine, numberFlags } from './machine.js';

const flags = numberFlags({
  total: 400_000,
  picks: 200_000,
  lookups: 400_000,
  memberBytes: 12,
});
const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) throw new Error('run with node --expose-gc');

const PAD = 'x'.repeat(Math.max(0, flags.memberBytes - 8));
const members = Array.from({ length: flags.total }, (_, i) =>
  `${PAD}${String(i).padStart(8, '0')}`.slice(-Math.max(8, flags.memberBytes)),
);

function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193);
  return hash >>> 0;
}

/** The open-addressing candidate: power-of-two capacity, load at most 3/4. */
class OpenTable {
  slots: (string | undefined)[] = new Array(4).fill(undefined);
  size = 0;

  add(member: string): void {
    if ((this.size + 1) * 4 > this.slots.length * 3) this.grow();
    const mask = this.slots.length - 1;
    let i = fnv1a(member) & mask;
    for (;;) {
      const found = this.slots[i];
      if (found === undefined) break;
      if (found === member) return;
      i = (i + 1) & mask;
    }
    this.slots[i] = member;
    this.size++;
  }

  has(member: string): boolean {
    const mask = this.slots.length - 1;
    for (let i = fnv1a(member) & mask; ; i = (i + 1) & mask) {
      const found = this.slots[i];
      if (found === undefined) return false;
      if (found === member) return true;
    }
  }

  pick(): string {
    for (;;) {
      const found = this.slots[Math.floor(Math.random() * this.slots.length)];
      if (found !== undefined) return found;
    }
  }

  private grow(): void {
    const old = this.slots;
    this.slots = new Array(old.length * 2).fill(undefined);
    this.size = 0;
    for (const member of old) if (member !== undefined) this.add(member);
  }
}

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
    name: 'open',
    build(from) {
      const table = new OpenTable();
      for (const member of from) table.add(member);
      return table;
    },
    has: (store, member) => (store as OpenTable).has(member),
    pick: (store) => (store as OpenTable).pick(),
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

function nanosPer(operations: number, body: () => void): number {
  const start = process.hrtime.bigint();
  body();
  return Number(process.hrtime.bigint() - start) / operations;
}

function lookupNanos(candidate: Candidate, size: number): number {
  const store = candidate.build(members.slice(0, size));
  const queries = freshQueries(members.slice(0, size * 2), flags.lookups);
  let found = 0;
  const nanos = nanosPer(flags.lookups, () => {
    for (const query of queries) if (candidate.has(store, query)) found++;
  });
  if (found === 0) throw new Error('nothing found');
  return nanos;
}

function buildNanos(candidate: Candidate, size: number): number {
  const from = members.slice(0, size);
  const rounds = Math.max(1, Math.floor(flags.lookups / size));
  let kept = 0;
  const nanos = nanosPer(rounds * size, () => {
    for (let r = 0; r < rounds; r++) if (candidate.build(from) !== undefined) kept++;
  });
  if (kept === 0) throw new Error('nothing built');
  return nanos;
}

function pickNanos(candidate: Candidate, size: number): number {
  const store = candidate.build(members.slice(0, size));
  const picks = size > 10_000 && candidate.name === 'set' ? 200 : flags.picks;
  let length = 0;
  const nanos = nanosPer(picks, () => {
    for (let i = 0; i < picks; i++) length += candidate.pick(store).length;
  });
  if (length === 0) throw new Error('nothing picked');
  return nanos;
}

const MEMORY_SIZES = [1, 4, 16, 64, 512, 100_000];
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
