// Every collection type through live migrations while another client thread writes: the thread
// (test/support/cross-type-thread.mjs) sends a seeded random mix of hash, list, set, sorted-set and
// string commands, COPY, RENAME, deadlines and transactions to the keys of one slot, while this
// thread moves that slot between three shards again and again (small batches, a third of the moves
// cancelled part-way). Afterwards the same commands replayed on a fresh database that never
// migrates must give the same replies and leave the same data: no reply, member, type or deadline
// may differ because the slot moved. The seed is printed; SLOTDB_FUZZ_SEED replays a run.
// Then three threads update a sorted set, a hash and a list together under WATCH while the slot
// keeps moving: no update may be lost, none applied twice.

import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { keySlot, SlotDB } from '../../dist/src/index.js';
// @ts-expect-error a plain JavaScript module (it also runs as the client thread)
import { sendStep } from '../support/cross-type-thread.mjs';
import { fuzzSeed } from '../support/random.js';

const SCRIPT = new URL('../support/cross-type-thread.mjs', import.meta.url);
const KEYS = ['{x}a', '{x}b', '{x}c', '{x}d', '{x}e', '{x}f'];
const SLOT = keySlot('{x}');
const STEPS = 700;
const SHARDS = 3;

interface ThreadResult {
  ok: boolean;
  error?: string;
  sent: unknown[];
  replies: unknown[];
}

/** Starts a client thread of cross-type-thread.mjs; `ended` resolves with what it posts. */
function startThread(workerData: object): {
  ended: Promise<ThreadResult>;
  finished: () => boolean;
} {
  const worker = new Worker(SCRIPT, { workerData });
  let finished = false;
  const ended = new Promise<ThreadResult>((resolve, reject) => {
    worker.once('message', (message: ThreadResult) => {
      finished = true;
      resolve(message);
    });
    worker.once('error', reject);
  });
  return { ended, finished: () => finished };
}

/** Each key's type, whether it has a deadline, and its contents (set members sorted). */
async function dump(db: SlotDB): Promise<unknown[]> {
  const out: unknown[] = [];
  for (const key of KEYS) {
    const type = await db.type(key);
    let contents: unknown = null;
    if (type === 'hash') contents = Object.entries(await db.hGetAll(key));
    else if (type === 'list') contents = await db.lRange(key, 0, -1);
    else if (type === 'set') contents = (await db.sMembers(key)).sort();
    else if (type === 'zset') contents = await db.zRangeWithScores(key, 0, -1);
    else if (type === 'string') contents = await db.get(key);
    out.push([key, type, (await db.pTTL(key)) > 0, contents]);
  }
  return out;
}

/** Moves the slot around until `done()`, cancelling every third move; returns the moves made. */
async function keepMoving(db: SlotDB, done: () => boolean): Promise<number> {
  let moves = 0;
  while (!done()) {
    const target = (db.slotOwner(SLOT) + 1 + (moves % 2)) % SHARDS;
    const controller = new AbortController();
    const moving = db.migrateSlot(SLOT, target, {
      batchKeys: 1 + (moves % 3),
      signal: controller.signal,
    });
    if (moves % 3 === 2) setTimeout(() => controller.abort(), moves % 5);
    await moving.catch((error: Error) => {
      if (error.name !== 'AbortError') throw error;
    });
    moves++;
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
  return moves;
}

describe('every type across live migrations, written from another thread', () => {
  it(`${STEPS} random steps answer and leave the data as on a database that never moves`, async () => {
    const seed = fuzzSeed();
    console.log(`types-cross seed ${seed} (replay with SLOTDB_FUZZ_SEED=${seed})`);
    const db = await SlotDB.open({ shards: SHARDS });
    let result: ThreadResult;
    let got: unknown[];
    try {
      const thread = startThread({ handle: await db.handle(), seed, keys: KEYS, steps: STEPS });
      const moves = await keepMoving(db, thread.finished);
      result = await thread.ended;
      if (!result.ok) throw new Error(result.error);
      expect(moves).toBeGreaterThan(3);
      expect(db.stats().shards.every((shard) => shard.state === 'running')).toBe(true);
      got = await dump(db);
    } finally {
      await db.close();
    }
    const fresh = await SlotDB.open({ shards: 1 });
    try {
      for (let i = 0; i < result.sent.length; i++) {
        const where = `seed ${seed}, step ${i}: ${JSON.stringify(result.sent.slice(Math.max(0, i - 5), i + 1))}`;
        expect(await sendStep(fresh, result.sent[i]), where).toEqual(result.replies[i]);
      }
      expect(got).toEqual(await dump(fresh));
    } finally {
      await fresh.close();
    }
  });
});

describe('WATCH across types while the slot moves', () => {
  it('loses no update and applies none twice: a sorted set, a hash and a list changed together', async () => {
    const db = await SlotDB.open({ shards: SHARDS });
    try {
      const keys = ['{x}z', '{x}h', '{x}l'];
      const updates = 15;
      const threads: ReturnType<typeof startThread>[] = [];
      for (let i = 0; i < 3; i++) {
        threads.push(startThread({ handle: await db.handle(), keys, optimistic: updates }));
      }
      await keepMoving(db, () => threads.every((thread) => thread.finished()));
      for (const thread of threads) {
        const result = await thread.ended;
        if (!result.ok) throw new Error(result.error);
      }
      const total = 3 * updates;
      expect(await db.zScore('{x}z', 'm')).toBe(total);
      expect(await db.hGet('{x}h', 'f')).toBe(String(total));
      expect(await db.lRange('{x}l', 0, -1)).toEqual(
        Array.from({ length: total }, (_, i) => String(i)),
      );
    } finally {
      await db.close();
    }
  });
});
