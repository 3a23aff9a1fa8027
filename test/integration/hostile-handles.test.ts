// Handle misuse (issue 12, items 5-7): one handle attached by two threads, forged and damaged
// handles, stale handles, and threads that exit without close().
import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import {
  ClientClosedError,
  ClientLimitError,
  HandleError,
  keySlot,
  SlotDB,
  type SlotDBHandle,
} from '../../dist/src/index.js';
import { setHeartbeatGrace, setShardFaults } from '../../dist/src/testing.js';
import { withDb } from '../support/db.js';
import { holdFirstBatch } from '../support/migration.js';

const SCRIPT = new URL('../support/handle-thread.mjs', import.meta.url);

interface ThreadReport {
  attached: boolean;
  name?: string;
  message?: string;
  set?: string;
  client?: number;
}

function startThread(
  handle: unknown,
  name: string,
  script: 'hold' | 'exit' | 'stall' | 'syncloop',
  gate?: Int32Array,
): { worker: Worker; report: Promise<ThreadReport>; exited: Promise<number> } {
  const worker = new Worker(SCRIPT, { workerData: { handle, name, script, gate } });
  const report = new Promise<ThreadReport>((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
  });
  const exited = new Promise<number>((resolve) => worker.once('exit', resolve));
  return { worker, report, exited };
}

/** What attach() threw, or undefined (then the attached database is closed again). */
async function attachError(handle: unknown): Promise<HandleError | undefined> {
  try {
    await SlotDB.attach(handle as SlotDBHandle).close();
    return undefined;
  } catch (error) {
    return error as HandleError;
  }
}

/** A copy of `handle` with the field at `path` (dotted, `[i]` for arrays) set to `value`. */
function forged(handle: SlotDBHandle, path: string, value: unknown): unknown {
  const copy = {
    ...handle,
    rings: {
      ...handle.rings,
      requests: [...handle.rings.requests],
      replies: [...handle.rings.replies],
    },
    tuning: { ...handle.tuning },
  } as Record<string, any>;
  const parts = path.split(/\.|\[|\]/).filter((part) => part !== '');
  let target = copy;
  for (const part of parts.slice(0, -1)) target = target[part];
  const last = parts.at(-1)!;
  if (value === undefined) delete target[last];
  else target[last] = value;
  return copy;
}

describe('a handle attached by two threads', () => {
  it('attaches in one thread and is refused with a HandleError in the other', async () => {
    await withDb({ shards: 2 }, async (db) => {
      const handle = await db.handle();
      const threads = ['a', 'b'].map((name) => startThread(handle, name, 'hold'));
      const reports = await Promise.all(threads.map((thread) => thread.report));
      const winners = reports.filter((report) => report.attached);
      const losers = reports.filter((report) => !report.attached);
      expect(winners).toHaveLength(1);
      expect(winners[0]!.set).toBe('OK');
      expect(losers).toHaveLength(1);
      expect(losers[0]!.name).toBe('HandleError');
      expect(losers[0]!.message).toMatch(/attached already/);
      for (const thread of threads) thread.worker.postMessage('close');
      await Promise.all(threads.map((thread) => thread.exited));
      // The database and both shards still answer; the winner's write is there.
      const winner = reports.indexOf(winners[0]!) === 0 ? 'a' : 'b';
      expect(await db.get(`thread-${winner}`)).toBe(winner);
      expect(
        await db.mSet([
          ['x', '1'],
          ['y', '2'],
        ]),
      ).toBe('OK');
    });
  });

  it('refuses a second attach of one handle in the same thread', async () => {
    await withDb({ shards: 1 }, async (db) => {
      const handle = await db.handle();
      const first = SlotDB.attach(handle);
      expect(() => SlotDB.attach(handle)).toThrow(HandleError);
      expect(await first.set('k', 'v')).toBe('OK');
      await first.close();
      expect(await db.get('k')).toBe('v');
    });
  });
});

describe('forged, damaged and stale handles', () => {
  const cases: [string, (handle: SlotDBHandle) => unknown, string][] = [
    ['null', () => null, 'handle'],
    ['a number', () => 42, 'handle'],
    ['an array', () => [], 'handle'],
    [
      'a plain ArrayBuffer as the control block',
      (h) => forged(h, 'control', new ArrayBuffer(64)),
      'control',
    ],
    [
      'a control block of the wrong size',
      (h) => forged(h, 'control', new SharedArrayBuffer(64)),
      'control',
    ],
    ['no control block', (h) => forged(h, 'control', undefined), 'control'],
    ['no rings', (h) => forged(h, 'rings', undefined), 'rings'],
    ['client index 999', (h) => forged(h, 'rings.client', 999), 'rings.client'],
    ['client index -1', (h) => forged(h, 'rings.client', -1), 'rings.client'],
    ['a string client index', (h) => forged(h, 'rings.client', '1'), 'rings.client'],
    ["the opening thread's seat", (h) => forged(h, 'rings.client', 0), 'rings.client'],
    ['no generation', (h) => forged(h, 'rings.generation', undefined), 'rings.generation'],
    ['no request rings', (h) => forged(h, 'rings.requests', []), 'rings.requests'],
    ['request rings not an array', (h) => forged(h, 'rings.requests', {}), 'rings.requests'],
    [
      'a plain ArrayBuffer ring',
      (h) => forged(h, 'rings.requests[1]', new ArrayBuffer(8192)),
      'rings.requests[1]',
    ],
    [
      'a tiny reply ring',
      (h) => forged(h, 'rings.replies[0]', new SharedArrayBuffer(16)),
      'rings.replies[0]',
    ],
    [
      'rings of two sizes',
      (h) => forged(h, 'rings.replies[1]', new SharedArrayBuffer(8192 + 9)),
      'rings.replies[1]',
    ],
    ['no profile slab', (h) => forged(h, 'rings.profile', undefined), 'rings.profile'],
    ['no tuning', (h) => forged(h, 'tuning', undefined), 'tuning'],
    ['a negative pendingMax', (h) => forged(h, 'tuning.pendingMax', -1), 'tuning.pendingMax'],
    ['a NaN spin', (h) => forged(h, 'tuning.spinMicros', Number.NaN), 'tuning.spinMicros'],
  ];

  it.each(cases)('refuses %s with a HandleError naming the field', async (_, make, field) => {
    await withDb({ shards: 2, ringBytes: 4096 }, async (db) => {
      const handle = await db.handle();
      const error = await attachError(make(handle));
      expect(error).toBeInstanceOf(HandleError);
      expect(error).toBeInstanceOf(TypeError);
      expect(error!.field).toBe(field);
      expect(error!.message).toContain(field === 'handle' ? 'the handle' : `'${field}'`);
      // The forged copy took nothing: the real handle still attaches, and every shard answers.
      const thread = SlotDB.attach(handle);
      expect(
        await thread.mSet([
          ['a', '1'],
          ['b', '2'],
          ['c', '3'],
        ]),
      ).toBe('OK');
      await thread.close();
      expect(await db.mGet(['a', 'b', 'c'])).toEqual(['1', '2', '3']);
    });
  });

  it('refuses a stale handle (closed, then its seat reused) with a clear error', async () => {
    await withDb({ shards: 1 }, async (db) => {
      const handle = await db.handle();
      await SlotDB.attach(handle).close();
      expect((await attachError(handle))?.message).toMatch(/stale: the thread that attached/);
      const next = await db.handle();
      expect(next.rings.client).toBe(handle.rings.client);
      expect((await attachError(handle))?.message).toMatch(/stale: its seat was reclaimed/);
      // The stale attach did not take the new owner's seat.
      const thread = SlotDB.attach(next);
      expect(await thread.set('k', 'v')).toBe('OK');
      await thread.close();
    });
  });
});

describe('handles made at once', () => {
  it('never gives two handles the same seat, even while a detached seat is reclaimed', async () => {
    await withDb({ shards: 2 }, async (db) => {
      for (let round = 0; round < 5; round++) {
        await SlotDB.attach(await db.handle()).close(); // leaves a Detached seat behind
        const handles = await Promise.all([db.handle(), db.handle(), db.handle()]);
        const seats = handles.map((handle) => handle.rings.client);
        expect(new Set(seats).size).toBe(seats.length);
        const threads = handles.map((handle) => SlotDB.attach(handle));
        await Promise.all(threads.map((thread, i) => thread.set(`k${i}`, `v${round}`)));
        for (let i = 0; i < threads.length; i++) {
          expect(await threads[i]!.get(`k${i}`)).toBe(`v${round}`);
        }
        await Promise.all(threads.map((thread) => thread.close()));
      }
    });
  });
});

describe('a seat handed to a new thread', () => {
  it('never receives the reply of a frame its earlier holder left waiting', async () => {
    await withDb({ shards: 2 }, async (db) => {
      const tag = '{stale}';
      const slot = keySlot(tag);
      await db.mSet(Array.from({ length: 30 }, (_, i): [string, string] => [`${tag}${i}`, '41']));
      const { moving } = await holdFirstBatch(db, slot); // keys of the first batch wait for writes
      const moved = moving.catch((error: Error) => error);
      const locked = ['0', '1'].map((i) => `${tag}${i}`);
      const first = await db.handle();
      const a = SlotDB.attach(first);
      const stale = a.set(locked[0]!, 'stale').catch((error: Error) => error);
      await a.close(); // gives up on the waiting write after CLOSE_DRAIN_MS_MAX
      expect(await stale).toBeInstanceOf(ClientClosedError);
      const second = await db.handle();
      expect(second.rings.client).toBe(first.rings.client); // the same seat, a new generation
      const b = SlotDB.attach(second);
      const incr = b.incr(locked[1]!); // its first request: the same request id as a's write
      await setShardFaults(db, (db.slotOwner(slot) + 1) % 2, {}); // the batch goes: both run
      expect(await incr).toBe(42);
      // a's write, given up on and failed, is dropped with its reply: it never runs.
      expect(await db.get(locked[0]!)).toBe('41');
      await b.close();
      await moved;
    });
  }, 20_000);
});

describe('threads that exit without close()', () => {
  it("gives the seat of a thread that exited back, and keeps live threads' seats", async () => {
    await withDb({ shards: 1, ringBytes: 4096 }, async (db) => {
      setHeartbeatGrace(db, 1500);
      const dead = startThread(await db.handle(), 'gone', 'exit');
      const report = await dead.report;
      expect(report.attached).toBe(true);
      await dead.exited;
      // Every other seat is taken by a live client (attached here; their heartbeats move).
      const live: SlotDB[] = [];
      for (let seat = 2; seat < 64; seat++) live.push(SlotDB.attach(await db.handle()));
      const started = performance.now();
      const reused = await db.handle();
      expect(reused.rings.client).toBe(report.client);
      expect(performance.now() - started).toBeLessThan(6000);
      const thread = SlotDB.attach(reused);
      expect(await thread.get('thread-gone')).toBe('gone');
      // Now every seat belongs to a live client: handle() fails, nothing live is reclaimed.
      await expect(db.handle()).rejects.toThrow(ClientLimitError);
      for (const client of [thread, ...live]) expect(await client.incr('n')).toBeGreaterThan(0);
      await Promise.all([thread, ...live].map((client) => client.close()));
      expect(await db.get('n')).toBe('63');
    });
  }, 15_000);

  it('keeps the seat of a thread that only makes sync calls (its heartbeat moves without timers)', async () => {
    await withDb({ shards: 1 }, async (db) => {
      setHeartbeatGrace(db, 500);
      const gate = new Int32Array(new SharedArrayBuffer(4));
      const busy = startThread(await db.handle(), 'busy', 'syncloop', gate);
      expect((await busy.report).attached).toBe(true);
      const outcome = new Promise<{ calls: number; failure?: { name: string } }>((resolve) =>
        busy.worker.once('message', resolve),
      );
      const live: SlotDB[] = [];
      for (let seat = 2; seat < 64; seat++) live.push(SlotDB.attach(await db.handle()));
      await new Promise((resolve) => setTimeout(resolve, 700)); // past the grace
      await expect(db.handle()).rejects.toThrow(ClientLimitError);
      Atomics.store(gate, 0, 1);
      const after = await outcome;
      expect(after.failure).toBeUndefined();
      expect(after.calls).toBeGreaterThan(1000);
      await busy.exited;
      await Promise.all(live.map((client) => client.close()));
    });
  }, 15_000);

  it('fails the calls of a thread whose seat was reclaimed while it stalled, and spares the new owner', async () => {
    await withDb({ shards: 1, ringBytes: 4096 }, async (db) => {
      setHeartbeatGrace(db, 1000);
      const gate = new Int32Array(new SharedArrayBuffer(4));
      const stalled = startThread(await db.handle(), 'stalled', 'stall', gate);
      const report = await stalled.report;
      expect(report.attached).toBe(true);
      const outcome = new Promise<ThreadReport>((resolve) =>
        stalled.worker.once('message', resolve),
      );
      const live: SlotDB[] = [];
      for (let seat = 2; seat < 64; seat++) live.push(SlotDB.attach(await db.handle()));
      const reused = await db.handle();
      expect(reused.rings.client).toBe(report.client);
      const owner = SlotDB.attach(reused);
      Atomics.store(gate, 0, 1);
      Atomics.notify(gate, 0);
      const after = await outcome;
      expect(after.name).toBe('HandleError');
      expect(after.message).toMatch(/reclaimed while this thread stalled/);
      await stalled.exited;
      // The stalled thread's close() left the new owner's seat alone.
      expect(await owner.set('mine', 'yes')).toBe('OK');
      await expect(db.handle()).rejects.toThrow(ClientLimitError);
      await Promise.all([owner, ...live].map((client) => client.close()));
      expect(await db.get('mine')).toBe('yes');
    });
  }, 15_000);
});
