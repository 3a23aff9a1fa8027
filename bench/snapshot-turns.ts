// Where a snapshot turn's time goes, measured in this thread on the shard's own code: a keyspace of
// `keys` keys is snapshotted by a SnapshotWriter (workers/persistence/snapshot-writer.ts), each
// step() timed (the time a turn adds to the requests waiting behind it); then the same turns are
// taken apart: copying the slots as records (copySlot), LZ4, the block's XXH64, and the write(2).
//
// Beside them, what handing a turn's block to another thread would leave on the shard's thread
// (the piscina question): copying it into a SharedArrayBuffer and Atomics.notify, or posting it
// through a MessagePort (a structured clone, which is what piscina.run does with a Buffer).

import { closeSync, openSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { MessageChannel } from 'node:worker_threads';
import { COMMAND } from '../src/commands/table.js';
import { keySlot } from '../src/index.js';
import { SLOT_COUNT } from '../src/shared/limits.js';
import { createRingStorage, FrameWriter } from '../src/shared/ring.js';
import { Keyspace } from '../workers/keyspace/keyspace.js';
import { compressBlock } from '../workers/persistence/lz4.js';
import {
  SNAPSHOT_TURN_BYTES,
  SNAPSHOT_TURN_KEYS,
  SnapshotWriter,
} from '../workers/persistence/snapshot-writer.js';
import { checksumOf } from '../workers/replication/checksum.js';
import { COPY_LIMITS_DEFAULT, copySlot } from '../workers/replication/full-copy.js';
import { Journal } from '../workers/replication/journal.js';
import { type Figures, quantile } from './figures.js';

/** A keyspace as a shard holds it: `count` keys `${prefix}${i}` in their slots. */
export function keyspaceOf(count: number, prefix: string, valueAt: (i: number) => string) {
  const keyspace = new Keyspace();
  for (let i = 0; i < count; i++) {
    const key = `${prefix}${i}`;
    keyspace.set(keySlot(key), key, valueAt(i));
  }
  return keyspace;
}

function record(figures: Figures, label: string, micros: number[]): void {
  micros.sort((a, b) => a - b);
  figures.record(`${label} p50 µs`, quantile(micros, 0.5));
  figures.record(`${label} p99 µs`, quantile(micros, 0.99));
  figures.record(`${label} max µs`, micros.at(-1) ?? Number.NaN);
}

/** Times every step() of a whole snapshot of `keyspace`, compressed or not. */
export function timeSteps(
  figures: Figures,
  label: string,
  keyspace: Keyspace,
  dir: string,
  compress: boolean,
): void {
  const path = join(dir, `turns-${compress ? 'lz4' : 'none'}.snap`);
  const journal = new Journal(keyspace, COMMAND.del.op);
  const writer = new SnapshotWriter(path, 0, keyspace, journal, compress);
  const micros: number[] = [];
  try {
    while (!writer.done) {
      const started = performance.now();
      writer.step();
      micros.push((performance.now() - started) * 1000);
    }
    writer.finish();
  } finally {
    writer.abandon();
    unlinkSync(path);
  }
  figures.record(`${label}, ${compress ? 'lz4' : 'none'}: turns`, micros.length);
  record(figures, `${label}, ${compress ? 'lz4' : 'none'}: step()`, micros);
}

/** The parts of each turn of a snapshot of `keyspace` with LZ4, and the hand-off costs. */
export function timeParts(figures: Figures, label: string, keyspace: Keyspace, dir: string): void {
  const path = join(dir, 'turn-parts.bin');
  const fd = openSync(path, 'w');
  const w = new FrameWriter(createRingStorage(64));
  const parts = { copy: [], lz4: [], xxh64: [], write: [], 'to a SharedArrayBuffer': [] } as Record<
    string,
    number[]
  >;
  const posted: number[] = [];
  const shared = Buffer.from(new SharedArrayBuffer(4 * SNAPSHOT_TURN_BYTES));
  const word = new Int32Array(new SharedArrayBuffer(4));
  const { port1, port2 } = new MessageChannel();
  try {
    for (let slot = 0; slot < SLOT_COUNT; ) {
      let keys = 0;
      let t = performance.now();
      const lap = (part: string): void => {
        const now = performance.now();
        parts[part]!.push((now - t) * 1000);
        t = now;
      };
      while (slot < SLOT_COUNT && keys < SNAPSHOT_TURN_KEYS && w.tail < SNAPSHOT_TURN_BYTES) {
        keys += copySlot(w, keyspace, slot++, 0, COPY_LIMITS_DEFAULT);
      }
      const raw = w.buf.subarray(0, w.tail);
      if (raw.length === 0) continue;
      lap('copy');
      const stored = compressBlock(raw);
      lap('lz4');
      checksumOf(stored, 0, stored.length);
      lap('xxh64');
      writeSync(fd, stored);
      lap('write');
      if (raw.length <= shared.length) {
        raw.copy(shared);
        Atomics.add(word, 0, 1);
        Atomics.notify(word, 0);
        lap('to a SharedArrayBuffer');
      }
      port1.postMessage(raw);
      posted.push((performance.now() - t) * 1000);
      w.head = w.tail = 0;
    }
  } finally {
    port1.close();
    port2.close();
    closeSync(fd);
    unlinkSync(path);
  }
  for (const [part, micros] of Object.entries(parts)) record(figures, `${label}: ${part}`, micros);
  record(figures, `${label}: postMessage (structured clone)`, posted);
}
