// Run as a child process by test/integration/hostile-exit.test.ts: misuses a database in a few
// ways, closes it, and must then end on its own (no process.exit): a timer, port or worker left
// behind would keep the process alive and fail the test.

import { keySlot, SlotDB } from '../../dist/src/index.js';
import { setShardFaults } from '../../dist/src/testing.js';

const db = await SlotDB.open({ shards: 2 });
await db.mSet(Array.from({ length: 50 }, (_, i) => [`{t}k${i}`, 'v']));
const outcomes = [];
const settle = (promise) =>
  promise.then(
    () => 'ok',
    (error) => error.name,
  );
outcomes.push(await settle(db.sendCommand('GET')));
outcomes.push(await settle(db.mSet(null)));
outcomes.push(await settle(db.migrateSlot(keySlot('{t}'), 99)));
// A move frozen mid-way, then close() while it runs.
const slot = keySlot('{t}');
const target = 1 - db.slotOwner(slot);
await setShardFaults(db, target, { holdAcks: true });
const moving = settle(db.migrateSlot(slot, target, { batchKeys: 10, window: 1 }));
await new Promise((resolve) => setTimeout(resolve, 100));
const handle = await db.handle();
await db.close();
outcomes.push(await moving);
console.log(JSON.stringify({ outcomes, handle: typeof handle }));
