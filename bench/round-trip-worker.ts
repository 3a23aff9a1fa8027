// The far end of the raw round-trip benchmark: echoes a counter through shared memory, spinning,
// so the main thread measures the machine's floor for a cross-thread round trip.

import { workerData } from 'node:worker_threads';

const words = new Int32Array(workerData as SharedArrayBuffer);
let last = 0;
for (;;) {
  const value = Atomics.load(words, 0);
  if (value === last) continue;
  if (value < 0) break;
  last = value;
  Atomics.store(words, 1, value);
}
