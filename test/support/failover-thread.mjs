// A client thread that writes under failovers, for the failover tests: pipelined batches of SETs
// (each key written once, its value known) and an INCR of the thread's own counter per batch, until
// the opening thread raises the stop word. With `wait`, each batch ends with WAIT 1: the keys of a
// batch whose WAIT answered 1 or more are reported as acknowledged. Every error is counted by its
// class name; the test decides which are allowed.
import { parentPort, workerData } from 'node:worker_threads';
import { SlotDB } from '../../dist/src/index.js';

const { handle, prefix, stop, batch, wait, script } = workerData;
const db = SlotDB.attach(handle);
const stopWord = stop === undefined ? undefined : new Int32Array(stop);

/** Counts an error by class name; keeps the first few messages of each. */
function noteError(errors, error) {
  const name = error?.name ?? 'non-error';
  errors[name] ??= { count: 0, messages: [] };
  const entry = errors[name];
  entry.count++;
  if (entry.messages.length < 3) entry.messages.push(String(error?.message ?? error));
}

async function writeLoop() {
  const errors = {};
  const acknowledged = [];
  const counters = [];
  let written = 0;
  let next = 0;
  while (Atomics.load(stopWord, 0) === 0) {
    const keys = [];
    const calls = [];
    for (let i = 0; i < batch; i++) {
      const key = `${prefix}:${next++}`;
      keys.push(key);
      calls.push(db.set(key, key));
    }
    calls.push(db.incr(`${prefix}:counter`));
    const settled = await Promise.allSettled(calls);
    const ok = [];
    for (let i = 0; i < settled.length; i++) {
      const result = settled[i];
      if (result.status === 'rejected') noteError(errors, result.reason);
      else if (i < keys.length) ok.push(keys[i]);
      else counters.push(result.value);
    }
    written += ok.length;
    if (!wait) continue;
    try {
      if ((await db.wait(1, 2000)) >= 1) acknowledged.push(...ok);
    } catch (error) {
      noteError(errors, error);
    }
  }
  return { errors, acknowledged, counters, written, next };
}

let results;
try {
  switch (script) {
    case 'write':
      results = await writeLoop();
      break;
    case 'failover':
      results = await db.failover(0).then(
        () => 'resolved',
        (error) => error.name,
      );
      break;
  }
  await db.close();
  parentPort.postMessage({ ok: true, results });
} catch (error) {
  parentPort.postMessage({ ok: false, error: String(error?.stack ?? error) });
}
