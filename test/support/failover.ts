// Helpers for the failover tests: the slot map's soundness after a failover, keys of one shard,
// writer threads (failover-thread.mjs) and a write retried until the shard's new primary takes it.

import { Worker } from 'node:worker_threads';
import { kPool } from '../../dist/src/db.js';
import { FailoverError, type SlotDB } from '../../dist/src/index.js';
import { ShardState, WorkerRole } from '../../dist/src/shared/control-block.js';

const THREAD = new URL('./failover-thread.mjs', import.meta.url);
const SLOT_COUNT = 16384;

/**
 * Throws unless every shard has exactly one live primary and every slot is owned by the live
 * primary of its shard: no failover may leave a slot with two primaries or none.
 */
export function checkSlotMap(db: SlotDB): void {
  const pool = db[kPool]!;
  const control = pool.control;
  const live = (seat: number): boolean => control.shardState(seat) === ShardState.Running;
  for (let shard = 0; shard < control.shardCount; shard++) {
    const primaries: number[] = [];
    for (let seat = 0; seat < control.workerCount; seat++) {
      const primary = control.workerRole(seat) === WorkerRole.Primary;
      if (primary && control.workerShard(seat) === shard && live(seat)) primaries.push(seat);
    }
    if (primaries.length !== 1 || primaries[0] !== control.primaryOf(shard)) {
      throw new Error(
        `shard ${shard}: live primaries ${JSON.stringify(primaries)}, slot map says ${control.primaryOf(shard)}`,
      );
    }
  }
  for (let slot = 0; slot < SLOT_COUNT; slot++) {
    const owner = control.owner[slot]!;
    if (!live(owner) || control.primaryOf(control.workerShard(owner)) !== owner) {
      throw new Error(`slot ${slot} is owned by worker ${owner}, not a live primary`);
    }
  }
}

/** Waits until `done()` holds, for 10 s at most. */
export async function until(done: () => boolean, ms = 10_000): Promise<void> {
  const deadline = performance.now() + ms;
  while (!done()) {
    if (performance.now() > deadline) throw new Error(`not done in ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}

/** The `count` first keys made from `prefix` that live on `shard`. */
export function keysOf(db: SlotDB, shard: number, prefix: string, count: number): string[] {
  const keys: string[] = [];
  for (let i = 0; keys.length < count; i++) {
    const key = `${prefix}${i}`;
    if (db.slotOwner(db.sync.clusterKeySlot(key)) === shard) keys.push(key);
  }
  return keys;
}

/**
 * Sets `key` until it succeeds (a write sent to a primary that just died fails with
 * FailoverError; any other error fails the test). Returns the writes that failed so.
 */
export async function writeUntilServed(
  db: SlotDB,
  key: string,
  deadlineMs = 10_000,
): Promise<number> {
  const started = performance.now();
  for (let failures = 0; ; failures++) {
    try {
      await db.set(key, 'served');
      return failures;
    } catch (error) {
      if (!(error instanceof FailoverError)) throw error;
      if (performance.now() - started > deadlineMs)
        throw new Error(`no write served in ${deadlineMs} ms`);
    }
  }
}

export interface WriterResults {
  /** Errors by class name, with the first messages of each. */
  readonly errors: Record<string, { count: number; messages: string[] }>;
  /** Keys (value = key) whose batch a WAIT 1 acknowledged. */
  readonly acknowledged: string[];
  /** The replies of the thread's INCRs, in order. */
  readonly counters: number[];
  /** Keys written with success, and keys tried. */
  readonly written: number;
  readonly next: number;
}

/** Writer threads on `db`; stop() raises the stop word and collects what each wrote. */
export async function startWriters(
  db: SlotDB,
  count: number,
  options: { batch: number; wait: boolean; prefix?: string },
): Promise<{ stop: (timeoutMs?: number) => Promise<WriterResults[]> }> {
  const stop = new SharedArrayBuffer(4);
  const done: Promise<WriterResults>[] = [];
  for (let i = 0; i < count; i++) {
    const handle = await db.handle();
    const worker = new Worker(THREAD, {
      workerData: {
        ...options,
        handle,
        prefix: `${options.prefix ?? 't'}${i}`,
        stop,
        script: 'write',
      },
    });
    done.push(
      new Promise((resolve, reject) => {
        worker.once('message', (message) =>
          message.ok ? resolve(message.results) : reject(new Error(message.error)),
        );
        worker.once('error', reject);
      }),
    );
  }
  return {
    stop: async (timeoutMs = 20_000) => {
      Atomics.store(new Int32Array(stop), 0, 1);
      let timer: ReturnType<typeof setTimeout> | undefined;
      const late = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error('a writer thread hangs')), timeoutMs);
      });
      try {
        return await Promise.race([Promise.all(done), late]);
      } finally {
        clearTimeout(timer);
      }
    },
  };
}

/** Runs `script` of failover-thread.mjs in a thread attached to `db`; resolves with its results. */
export async function runThread(db: SlotDB, script: string): Promise<unknown> {
  const handle = await db.handle();
  const worker = new Worker(THREAD, { workerData: { handle, script } });
  return new Promise((resolve, reject) => {
    worker.once('message', (message) =>
      message.ok ? resolve(message.results) : reject(new Error(message.error)),
    );
    worker.once('error', reject);
  });
}

/** Checks that every key in `keys` holds its own name (how writer threads write). */
export async function missingKeys(db: SlotDB, keys: readonly string[]): Promise<string[]> {
  const missing: string[] = [];
  for (let i = 0; i < keys.length; i += 500) {
    const part = keys.slice(i, i + 500);
    const values = await Promise.all(part.map((key) => db.get(key)));
    values.forEach((value, j) => {
      if (value !== part[j]) missing.push(part[j]!);
    });
  }
  return missing;
}
