// A client thread for the blocking tests: attaches with workerData.handle, then runs the calls its
// parent posts, { id, method, args, sync }, each on its own (a blocking call does not hold back
// the next), and answers each with { id, ok, value } or { id, ok: false, name, message }, and the
// ms it took. It posts { id, sent: true } once a call's frame is staged. 'close' closes the
// database and ends the thread; 'exit' ends the thread without close(), as a crashed thread would.
import { parentPort, workerData } from 'node:worker_threads';
import { SlotDB } from '../../dist/src/index.js';

const db = SlotDB.attach(workerData.handle);

parentPort.on('message', async ({ id, method, args, sync }) => {
  if (method === 'exit') process.exit(0);
  if (method === 'close') {
    await db.close();
    parentPort.postMessage({ id, ok: true });
    parentPort.close();
    return;
  }
  const started = performance.now();
  let call;
  try {
    call = Promise.resolve((sync ? db.sync : db)[method](...args));
  } catch (error) {
    call = Promise.reject(error);
  }
  parentPort.postMessage({ id, sent: true });
  try {
    const value = await call;
    parentPort.postMessage({ id, ok: true, value, ms: performance.now() - started });
  } catch (error) {
    const { name, message } = error;
    parentPort.postMessage({ id, ok: false, name, message, ms: performance.now() - started });
  }
});
parentPort.postMessage({ ready: true });
