// Transactions across client threads: a WATCH on one thread is broken by another thread's write,
// and WATCH-guarded increments from two threads lose no update.

import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { WatchError } from '../../dist/src/index.js';
import { type SlotDB, withDb } from '../support/db.js';

const SCRIPT = new URL('../support/transaction-thread.mjs', import.meta.url);

/** A second client thread that answers one message at a time. */
class Thread {
  private readonly worker: Worker;

  constructor(handle: unknown) {
    this.worker = new Worker(SCRIPT, { workerData: { handle } });
  }

  ask(message: Record<string, unknown>): Promise<any> {
    return new Promise((resolve, reject) => {
      const answered = (reply: any): void => {
        this.worker.off('error', reject);
        if (reply.ok) resolve(reply);
        else reject(new Error(reply.error));
      };
      this.worker.once('message', answered);
      this.worker.once('error', reject);
      this.worker.postMessage(message);
    });
  }

  async close(): Promise<void> {
    await this.ask({ op: 'close' });
    await this.worker.terminate();
  }
}

async function withThread(db: SlotDB, body: (thread: Thread) => Promise<void>): Promise<void> {
  const thread = new Thread(await db.handle());
  try {
    await body(thread);
  } finally {
    await thread.close();
  }
}

describe('transactions across client threads', () => {
  it("another thread's write between WATCH and EXEC makes exec() fail with WatchError", async () => {
    await withDb({ shards: 3 }, async (db) => {
      await withThread(db, async (thread) => {
        await db.set('{w}k', '1');
        const outcome = await db
          .isolated(async (client) => {
            await client.watch('{w}k');
            expect(await client.get('{w}k')).toBe('1');
            expect((await thread.ask({ op: 'set', key: '{w}k', value: '2' })).reply).toBe('OK');
            return client.multi().set('{w}k', '3').exec();
          })
          .catch((error: unknown) => error);
        expect(outcome).toBeInstanceOf(WatchError);
        expect(await db.get('{w}k')).toBe('2');
        // Untouched, the same transaction runs.
        const replies = await db.isolated(async (client) => {
          await client.watch('{w}k');
          await thread.ask({ op: 'set', key: '{w}other', value: 'x' });
          return client.multi().set('{w}k', '3').get('{w}k').exec();
        });
        expect(replies).toEqual(['OK', '3']);
      });
    });
  });

  it('WATCH-guarded increments from two threads lose no update', async () => {
    await withDb({ shards: 2 }, async (db) => {
      await withThread(db, async (thread) => {
        const COUNT = 150;
        // The thread is up (it answered) before both start, so that their increments overlap.
        await thread.ask({ op: 'set', key: '{r}n', value: '0' });
        const theirs = thread.ask({ op: 'increments', key: '{r}n', count: COUNT });
        let retries = 0;
        for (let i = 0; i < COUNT; i++) {
          for (;;) {
            try {
              await db.isolated(async (client) => {
                await client.watch('{r}n');
                const value = Number((await client.get('{r}n')) ?? 0);
                await new Promise((resolve) => setTimeout(resolve, 1));
                await client
                  .multi()
                  .set('{r}n', String(value + 1))
                  .exec();
              });
              break;
            } catch (error) {
              if (!(error instanceof WatchError)) throw error;
              retries++;
            }
          }
        }
        const other = await theirs;
        expect(await db.get('{r}n')).toBe(String(2 * COUNT));
        console.log(`WATCH retries: this thread ${retries}, the other ${other.retries}`);
        expect(retries + other.retries).toBeGreaterThan(0);
      });
    });
  });
});
