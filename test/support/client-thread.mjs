// A second client thread for the integration tests: attaches with a handle from workerData and
// runs the script it is asked to, reporting back by postMessage.
import { parentPort, workerData } from 'node:worker_threads';
import { SlotDB } from '../../dist/src/index.js';

const db = SlotDB.attach(workerData.handle);
const results = {};
try {
  switch (workerData.script) {
    case 'basic': {
      results.seen = await db.get('from-main');
      results.set = await db.set('from-thread', 'hello');
      results.syncGet = db.sync.get('from-thread');
      results.incr = await Promise.all(
        Array.from({ length: 1000 }, () => db.incr('shared-counter')),
      );
      results.mget = await db.mGet(['from-main', 'from-thread']);
      break;
    }
    case 'counter': {
      for (let i = 0; i < workerData.rounds; i++)
        await Promise.all(Array.from({ length: 100 }, () => db.incr('race')));
      db.sync.incrBy('race', 0);
      break;
    }
  }
  await db.close();
  results.closedError = await db.get('x').catch((error) => error.message);
  parentPort.postMessage({ ok: true, results });
} catch (error) {
  parentPort.postMessage({ ok: false, error: String(error?.stack ?? error) });
}
