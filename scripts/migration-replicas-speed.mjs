// How much replicas cost a slot move: one slot of KEYS string keys moves back and forth between
// two shards, with 0, 1 and 2 replicas per shard, and with replicas but the `replicas: 0` move
// option (nothing waits for them). Prints the median keys/s of ROUNDS moves for each. Runs against
// the build: `npx tsc -p tsconfig.json && node scripts/migration-replicas-speed.mjs`.

import { availableParallelism } from 'node:os';
import { keySlot, SlotDB } from '../dist/src/index.js';

const KEYS = Number(process.env.KEYS ?? 100_000);
const ROUNDS = Number(process.env.ROUNDS ?? 5);
const TAG = 'speed';
const SLOT = keySlot(TAG);
const VALUE = 'x'.repeat(32);

async function measure(replicas, options) {
  const db = await SlotDB.open({ shards: 2, replicas });
  try {
    for (let i = 0; i < KEYS; i += 1000) {
      const pairs = [];
      for (let j = i; j < Math.min(KEYS, i + 1000); j++) pairs.push([`{${TAG}}k${j}`, VALUE]);
      await db.mSet(pairs);
    }
    if (replicas > 0) await db.wait(replicas, 10_000);
    const rates = [];
    for (let round = 0; round < ROUNDS; round++) {
      const target = 1 - db.slotOwner(SLOT);
      const started = performance.now();
      await db.migrateSlot(SLOT, target, options);
      rates.push(KEYS / ((performance.now() - started) / 1000));
    }
    rates.sort((a, b) => a - b);
    return rates[Math.floor(rates.length / 2)];
  } finally {
    await db.close();
  }
}

const cases = [
  ['replicas 0', 0, {}],
  ['replicas 1', 1, {}],
  ['replicas 1, move option replicas: 0', 1, { replicas: 0 }],
  ['replicas 2', 2, {}],
];
console.log(
  `${availableParallelism()} cores, ${KEYS} keys of ${VALUE.length} bytes, median of ${ROUNDS}`,
);
let base = 0;
for (const [name, replicas, options] of cases) {
  const rate = await measure(replicas, options);
  base ||= rate;
  console.log(
    `${name.padEnd(40)} ${Math.round(rate).toString().padStart(9)} keys/s  ${(rate / base).toFixed(2)}x`,
  );
}
