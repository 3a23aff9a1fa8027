import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { withDb } from '../support/db.js';

const SCRIPT = new URL('../support/client-thread.mjs', import.meta.url);

function runThread(
  handle: unknown,
  script: string,
  extra: Record<string, unknown> = {},
): Promise<any> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(SCRIPT, { workerData: { handle, script, ...extra } });
    worker.once('message', (message) =>
      message.ok ? resolve(message.results) : reject(new Error(message.error)),
    );
    worker.once('error', reject);
  });
}

describe('a second client thread', () => {
  it('attaches with a handle, gets its own rings, and sees the same data', async () => {
    await withDb({ shards: 2 }, async (db) => {
      await db.set('from-main', 'hi');
      const results = await runThread(await db.handle(), 'basic');
      expect(results.seen).toBe('hi');
      expect(results.set).toBe('OK');
      expect(results.syncGet).toBe('hello');
      expect(results.incr).toHaveLength(1000);
      expect(results.incr[999]).toBe(1000);
      expect(results.mget).toEqual(['hi', 'hello']);
      expect(results.closedError).toBe('The client is closed');
      expect(await db.get('from-thread')).toBe('hello');
    });
  });

  it('loses no increment when several threads and the main thread race on one key', async () => {
    await withDb({ shards: 2 }, async (db) => {
      const threads = await Promise.all(
        [1, 2, 3].map(async () => runThread(await db.handle(), 'counter', { rounds: 20 })),
      );
      expect(threads).toHaveLength(3);
      for (let i = 0; i < 20; i++)
        await Promise.all(Array.from({ length: 100 }, () => db.incr('race')));
      expect(await db.get('race')).toBe(String(4 * 20 * 100));
    });
  });

  it('reuses the rings of threads that detached', async () => {
    await withDb({ shards: 1 }, async (db) => {
      for (let i = 0; i < 70; i++) await runThread(await db.handle(), 'basic');
      expect(await db.get('shared-counter')).toBe(String(70 * 1000));
    });
  });
});
