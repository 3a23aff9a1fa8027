// `npm start`: a short tour of the engine on the embedded default (no server to start). Opens a
// database with the default shard count, loads keys, runs a mixed load for a few seconds while
// printing throughput, and shows where the keys live.

import { SlotDB, keySlot } from '../src/index.js';

const KEYS = 100_000;
const VALUE = 'v'.repeat(32);
const BATCH = 1000;
const RUN_MS = 3000;
const REPORT_MS = 500;

async function main(): Promise<void> {
  const db = await SlotDB.open();
  console.log(`slotdb: ${db.shardCount} shard worker(s) on this machine; 16384 slots, as Redis Cluster.`);
  const keys = Array.from({ length: KEYS }, (_, i) => `user:${i}`);

  let started = performance.now();
  for (let i = 0; i < KEYS; i += 10_000) await db.mSet(keys.slice(i, i + 10_000).map((key) => [key, VALUE] as [string, string]));
  console.log(`loaded ${KEYS.toLocaleString('en-US')} keys in ${(performance.now() - started).toFixed(0)} ms`);

  console.log(`keySlot('user:42') = ${keySlot('user:42')}, served by shard ${db.slotOwner(keySlot('user:42'))}`);
  console.log(`await db.get('user:42') -> ${JSON.stringify(await db.get('user:42'))}`);
  console.log(`db.sync.incr('visits')  -> ${db.sync.incr('visits')}`);

  console.log(`\nmixed load, 90% GET / 10% SET, ${BATCH} commands per tick, for ${RUN_MS / 1000} s:`);
  const pending: Promise<unknown>[] = new Array(BATCH);
  let cursor = 0;
  let total = 0;
  let sinceReport = 0;
  started = performance.now();
  let lastReport = started;
  while (performance.now() - started < RUN_MS) {
    for (let i = 0; i < BATCH; i++) {
      const key = keys[(cursor = (cursor + 7919) % KEYS)]!;
      pending[i] = i % 10 === 0 ? db.set(key, VALUE) : db.get(key);
    }
    await Promise.all(pending);
    total += BATCH;
    sinceReport += BATCH;
    const now = performance.now();
    if (now - lastReport >= REPORT_MS) {
      console.log(`  ${((now - started) / 1000).toFixed(1)} s  ${Math.round(sinceReport / ((now - lastReport) / 1000)).toLocaleString('en-US')} ops/s`);
      lastReport = now;
      sinceReport = 0;
    }
  }
  const seconds = (performance.now() - started) / 1000;
  console.log(`  total: ${total.toLocaleString('en-US')} commands, ${Math.round(total / seconds).toLocaleString('en-US')} ops/s`);

  const latencies: number[] = [];
  for (let i = 0; i < 20_000; i++) {
    const t = performance.now();
    db.sync.get(keys[i % KEYS]!);
    latencies.push(performance.now() - t);
  }
  latencies.sort((a, b) => a - b);
  console.log(`db.sync.get latency: p50 ${(latencies[10_000]! * 1000).toFixed(1)} µs, p99 ${(latencies[19_800]! * 1000).toFixed(1)} µs`);

  console.log('\nper shard:');
  console.table(db.stats().shards.map(({ shard, slots, keys: held, ops }) => ({ shard, slots, keys: held, ops })));
  await db.close();
  console.log('closed. Benchmarks: npm run bench. Tests: npm test.');
}

await main();
