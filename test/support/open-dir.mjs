// Run as a child process by test/integration/persistence-open-errors.test.ts: opens a database on
// a data directory (argv: dir, shards, mode). Mode 'try': prints the outcome as JSON and closes.
// Mode 'hold': prints {"open":true} once open and keeps the directory open until killed.

import { SlotDB } from '../../dist/src/index.js';

const [dir, shards, mode] = process.argv.slice(2);
let db;
try {
  db = await SlotDB.open({ shards: Number(shards), dir });
} catch (error) {
  console.log(JSON.stringify({ open: false, name: error.name, message: error.message }));
  process.exit(0);
}
if (mode === 'hold') {
  console.log(JSON.stringify({ open: true, keys: await db.dbSize() }));
  setInterval(() => undefined, 1000);
} else {
  console.log(JSON.stringify({ open: true, keys: await db.dbSize() }));
  await db.close();
}
