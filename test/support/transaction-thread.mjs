// A client thread for the transaction tests: attaches with a handle from workerData and obeys
// the main thread's messages, answering each: a plain write, or optimistic increments (WATCH,
// GET, MULTI SET, EXEC, retried on WatchError) on its own isolated client.
import { parentPort, workerData } from 'node:worker_threads';
import { SlotDB, WatchError } from '../../dist/src/index.js';

const db = SlotDB.attach(workerData.handle);

/** Adds 1 to `key` `count` times with WATCH-guarded transactions; returns the retries. */
async function increments(key, count) {
  let retries = 0;
  for (let i = 0; i < count; i++) {
    for (;;) {
      try {
        await db.isolated(async (client) => {
          await client.watch(key);
          const value = Number((await client.get(key)) ?? 0);
          await new Promise((resolve) => setTimeout(resolve, 1));
          await client
            .multi()
            .set(key, String(value + 1))
            .exec();
        });
        break;
      } catch (error) {
        if (!(error instanceof WatchError)) throw error;
        retries++;
      }
    }
  }
  return retries;
}

parentPort.on('message', async (message) => {
  try {
    switch (message.op) {
      case 'set':
        parentPort.postMessage({ ok: true, reply: await db.set(message.key, message.value) });
        break;
      case 'increments':
        parentPort.postMessage({ ok: true, retries: await increments(message.key, message.count) });
        break;
      case 'close':
        await db.close();
        parentPort.postMessage({ ok: true });
        parentPort.close();
        break;
    }
  } catch (error) {
    parentPort.postMessage({ ok: false, error: String(error?.stack ?? error) });
  }
});
