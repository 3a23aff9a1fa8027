// A client thread for the handle tests: attaches with workerData.handle and reports what happened.
// 'hold': on success, sets a key, reports, and closes when the parent posts 'close'.
// 'exit': on success, sets a key, reports, and exits without close() (as a crashed thread would).
// 'stall': on success, sets a key, reports, blocks its event loop until workerData.gate[0] is
// notified, then (once its timers ran) reports how a call ends, closes and exits.
// 'syncloop': on success, sets a key, reports, then makes db.sync calls without ever yielding to
// its event loop until workerData.gate[0] is set, reports how many and how they ended, and closes.
import { parentPort, workerData } from 'node:worker_threads';
import { SlotDB } from '../../dist/src/index.js';

let db;
try {
  db = SlotDB.attach(workerData.handle);
} catch (error) {
  parentPort.postMessage({ attached: false, name: error.name, message: error.message });
}
if (db !== undefined) {
  const set = await db.set(`thread-${workerData.name}`, workerData.name);
  parentPort.postMessage({ attached: true, set, client: workerData.handle.rings.client });
  if (workerData.script === 'exit') process.exit(0);
  if (workerData.script === 'stall') {
    Atomics.wait(workerData.gate, 0, 0, 10_000);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const outcome = await db.get('x').then(
      (value) => ({ value }),
      (error) => ({ name: error.name, message: error.message }),
    );
    await db.close();
    parentPort.postMessage(outcome);
    parentPort.close();
  }
  if (workerData.script === 'syncloop') {
    let calls = 0;
    let failure;
    try {
      while (Atomics.load(workerData.gate, 0) === 0) {
        db.sync.get('x');
        calls++;
      }
    } catch (error) {
      failure = { name: error.name, message: error.message };
    }
    await db.close();
    parentPort.postMessage({ calls, failure });
    parentPort.close();
  }
  parentPort.once('message', async () => {
    await db.close();
    parentPort.close();
  });
}
