// The syncer thread of a database opened with appendfsync 'everysec' (Redis's background fsync):
// once a second it fsyncs every primary's log and publishes the journal offset now on disk, so a
// shard never blocks on the disk. A shard's log may be replaced meanwhile (a snapshot commit): the
// offset is published only if the log's generation did not change during the fsync
// (src/shared/log-words.ts). A shard holding WAITAOF requests is woken once its offset moved.

import { fdatasyncSync } from 'node:fs';
import { workerData } from 'node:worker_threads';
import { ControlBlock } from '../../src/shared/control-block.js';

export interface SyncerInit {
  readonly control: SharedArrayBuffer;
  readonly intervalMs: number;
}

const init = workerData as SyncerInit;
const control = new ControlBlock(init.control);
const logs = control.logs;

function syncAll(): void {
  const workers = control.workerCount;
  for (let seat = 0; seat < workers; seat++) {
    // The generation first: a descriptor read after it belongs to that generation or a later one,
    // and a later one is caught by the check after the fsync.
    const generation = logs.generation(seat);
    const fd = logs.fd(seat);
    const written = logs.written(seat);
    if (fd < 0 || written <= logs.synced(seat)) continue;
    try {
      fdatasyncSync(fd);
    } catch {
      // The log was closed under us (replaced): its successor is fsynced next round.
      continue;
    }
    if (logs.generation(seat) !== generation) continue;
    if (written > logs.synced(seat)) logs.setSynced(seat, written);
    control.wakeShard(seat);
  }
}

while (!logs.syncerStopped) {
  logs.syncerSleep(init.intervalMs);
  syncAll();
}
