// Client threads for the blocking tests (blocking-thread.mjs), driven from the test's thread: each
// call runs in the thread on its own, and the test learns when its frame was staged and how it
// ended. `reached` waits until a shard has routed a number of frames more, which tells a test that
// a blocking call it sent is parked there (the test sends nothing else to that shard meanwhile).

import { Worker } from 'node:worker_threads';
import type { SlotDB } from '../../dist/src/index.js';
import { until } from './migration.js';

const SCRIPT = new URL('./blocking-thread.mjs', import.meta.url);

export interface CallResult {
  readonly ok: boolean;
  readonly value?: unknown;
  readonly name?: string;
  readonly message?: string;
  /** How long the call took in the thread, ms. */
  readonly ms: number;
}

export interface ThreadCall {
  /** Settles once the thread staged the call's frame. */
  readonly sent: Promise<void>;
  readonly done: Promise<CallResult>;
}

export class BlockingThread {
  private nextId = 1;
  private readonly sent = new Map<number, () => void>();
  private readonly done = new Map<number, (result: CallResult) => void>();
  readonly exited: Promise<number>;

  private constructor(readonly worker: Worker) {
    worker.on('message', (message) => {
      if (message.sent) this.sent.get(message.id)?.();
      else if (message.id !== undefined) this.done.get(message.id)?.(message);
    });
    this.exited = new Promise((resolve) => worker.once('exit', resolve));
  }

  static async start(db: SlotDB): Promise<BlockingThread> {
    const worker = new Worker(SCRIPT, { workerData: { handle: await db.handle() } });
    await new Promise<void>((resolve, reject) => {
      worker.once('message', () => resolve());
      worker.once('error', reject);
    });
    return new BlockingThread(worker);
  }

  /** Runs `db[method](...args)` in the thread (`db.sync[method]` with `sync`). */
  call(method: string, args: unknown[], sync = false): ThreadCall {
    const id = this.nextId++;
    const sent = new Promise<void>((resolve) => this.sent.set(id, resolve));
    const done = new Promise<CallResult>((resolve) => this.done.set(id, resolve));
    this.worker.postMessage({ id, method, args, sync });
    return { sent, done };
  }

  /** Closes the thread's database and waits for the thread to end. */
  async close(): Promise<void> {
    this.worker.postMessage({ id: 0, method: 'close' });
    await this.exited;
  }

  /** Ends the thread without close(), as a crashed thread would. */
  async exit(): Promise<void> {
    this.worker.postMessage({ id: 0, method: 'exit' });
    await this.exited;
  }
}

/** Frames shard `shard` has routed so far (its ops counter). */
export function opsOf(db: SlotDB, shard: number): number {
  return db.stats().shards[shard]!.ops;
}

/** Waits until shard `shard` routed `count` frames more than `before`. */
export async function reached(db: SlotDB, shard: number, before: number, count = 1): Promise<void> {
  await until(() => opsOf(db, shard) >= before + count);
}

/**
 * Runs `method` in `thread` and waits until shard `shard` has taken its frame (parked it, when it
 * blocks): calls made this way block in the order they were made. (The call comes back in an
 * object: an async function returning its promise would wait for it.)
 */
export async function blockIn(
  db: SlotDB,
  shard: number,
  thread: BlockingThread,
  method: string,
  args: unknown[],
): Promise<ThreadCall> {
  const before = opsOf(db, shard);
  const call = thread.call(method, args);
  await call.sent;
  await reached(db, shard, before);
  return call;
}
