// Sorted-set storage benchmark: bytes per member (one 1,000,000-member set; 100,000 sets of 10
// members) and the speed of the operations the commands are built on, on the value itself in this
// thread (no rings), and ZADD / ZRANGE end to end through a 1-shard database.
//
//   npm run build && node --expose-gc dist/bench/zsets.js [--members 1000000]
//
// Memory is V8's heapUsed plus arrayBuffers (typed arrays off the heap) after a full GC, less the
// same figure with only the member strings held, so "per member" is what the set adds on top of
// its members' own bytes. A plain Map of member → score is measured the same way for comparison.

import { SlotDB } from '../src/index.js';
import { ZSetValue } from '../workers/keyspace/zset-value.js';
import { numberFlags } from './machine.js';

const flags = numberFlags({ members: 1_000_000, smallSets: 100_000, smallSize: 10 });

function gc(): void {
  const collect = (globalThis as { gc?: () => void }).gc;
  if (collect === undefined) throw new Error('run with node --expose-gc');
  collect();
  collect();
}

function used(): number {
  gc();
  const memory = process.memoryUsage();
  return memory.heapUsed + memory.arrayBuffers;
}

/** Bytes `build` keeps alive beyond what was alive before it ran. */
function retained(build: () => unknown): { bytes: number; kept: unknown } {
  const before = used();
  const kept = build();
  return { bytes: used() - before, kept };
}

function shuffled(count: number, prefix: string): string[] {
  const members = Array.from({ length: count }, (_, i) => `${prefix}${i}`);
  for (let i = count - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [members[i], members[j]] = [members[j]!, members[i]!];
  }
  return members;
}

function perSecond(count: number, run: () => void): string {
  const started = process.hrtime.bigint();
  run();
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const micros = ((seconds * 1e6) / count).toFixed(2);
  return `${Math.round(count / seconds).toLocaleString('en')} ops/s (${micros} µs/op)`;
}

function memoryFigures(members: string[]): ZSetValue {
  const big = retained(() => {
    const value = new ZSetValue();
    for (let i = 0; i < members.length; i++) value.set(members[i]!, i % 1000);
    return value;
  });
  const map = retained(() => {
    const plain = new Map<string, number>();
    for (let i = 0; i < members.length; i++) plain.set(members[i]!, (i % 1000) + 0.5);
    return plain;
  });
  const n = members.length;
  console.log(`one set of ${n.toLocaleString('en')} members (random order, 1000 distinct scores):`);
  console.log(`  sorted set: ${(big.bytes / n).toFixed(1)} bytes per member beyond the strings`);
  console.log(
    `  plain Map member → non-integer score: ${(map.bytes / n).toFixed(1)} bytes per member`,
  );
  const small = retained(() =>
    Array.from({ length: flags.smallSets }, (_, s) => {
      const value = new ZSetValue();
      for (let m = 0; m < flags.smallSize; m++) value.set(members[(s * 7 + m) % n]!, m);
      return value;
    }),
  );
  const smallMembers = flags.smallSets * flags.smallSize;
  console.log(
    `${flags.smallSets.toLocaleString('en')} sets of ${flags.smallSize} members: ` +
      `${(small.bytes / flags.smallSets).toFixed(0)} bytes per set, ` +
      `${(small.bytes / smallMembers).toFixed(1)} per member`,
  );
  void map.kept;
  void small.kept;
  return big.kept as ZSetValue;
}

function speedFigures(value: ZSetValue, members: string[]): void {
  const n = value.size;
  const probes = 200_000;
  const ranks = Array.from({ length: probes }, () => Math.floor(Math.random() * (n - 10)));
  let sink = 0;
  console.log(`on the ${n.toLocaleString('en')}-member set, in this thread:`);
  console.log(
    `  score (ZSCORE)        ${perSecond(probes, () => {
      for (let i = 0; i < probes; i++) sink += value.score(members[ranks[i]!]!)!;
    })}`,
  );
  console.log(
    `  rank (ZRANK)          ${perSecond(probes, () => {
      for (let i = 0; i < probes; i++) sink += value.rank(members[ranks[i]!]!);
    })}`,
  );
  console.log(
    `  10 by rank (ZRANGE)   ${perSecond(probes, () => {
      for (let i = 0; i < probes; i++) value.walk(ranks[i]!, 10, false, (_m, s) => (sink += s));
    })}`,
  );
  console.log(
    `  10 by score (BYSCORE) ${perSecond(probes, () => {
      for (let i = 0; i < probes; i++) {
        value.walk(value.countByScore(ranks[i]! % 1000, false), 10, false, (_m, s) => (sink += s));
      }
    })}`,
  );
  console.log(
    `  re-score (ZADD, move) ${perSecond(probes, () => {
      for (let i = 0; i < probes; i++) value.set(members[ranks[i]!]!, i % 997);
    })}`,
  );
  const fresh = shuffled(n, 'new:');
  const into = new ZSetValue();
  console.log(
    `  insert into an empty set, random order: ${perSecond(n, () => {
      for (let i = 0; i < n; i++) into.set(fresh[i]!, i % 1000);
    })}`,
  );
  console.log(
    `  remove, random order: ${perSecond(n, () => {
      for (let i = 0; i < n; i++) into.remove(fresh[i]!);
    })}`,
  );
  void sink;
}

async function endToEnd(): Promise<void> {
  const db = await SlotDB.open({ shards: 1 });
  try {
    const count = 200_000;
    const batch = 1000;
    const members = shuffled(count, 'e:');
    let started = process.hrtime.bigint();
    for (let i = 0; i < count; i += batch) {
      const calls: Promise<number>[] = [];
      for (let j = i; j < i + batch; j++) {
        calls.push(db.zAdd('bench:z', { value: members[j]!, score: j % 1000 }));
      }
      await Promise.all(calls);
    }
    let seconds = Number(process.hrtime.bigint() - started) / 1e9;
    console.log(`through a 1-shard database, ${batch} calls per tick:`);
    console.log(
      `  ZADD one member:      ${Math.round(count / seconds).toLocaleString('en')} ops/s`,
    );
    started = process.hrtime.bigint();
    for (let i = 0; i < count; i += batch) {
      const calls: Promise<string[]>[] = [];
      for (let j = 0; j < batch; j++) {
        const start = Math.floor(Math.random() * (count - 10));
        calls.push(db.zRange('bench:z', start, start + 9));
      }
      await Promise.all(calls);
    }
    seconds = Number(process.hrtime.bigint() - started) / 1e9;
    console.log(
      `  ZRANGE 10 by rank:    ${Math.round(count / seconds).toLocaleString('en')} ops/s`,
    );
  } finally {
    await db.close();
  }
}

const members = shuffled(flags.members, 'member:');
retained(() => undefined); // settle the heap with only the strings alive
const value = memoryFigures(members);
speedFigures(value, members);
await endToEnd();
