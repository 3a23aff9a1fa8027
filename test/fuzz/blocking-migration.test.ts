// Blocking fuzz: client threads block on the keys of one slot with seeded random BLPOP, BRPOP,
// BLMOVE and BLMPOP calls and short timeouts, while the main thread pushes uniquely named elements
// and moves the slot between shards (throttled, so pushes land mid-move; some moves cancelled).
// At the end every element pushed is in exactly one place: taken by one call, or still in a list;
// no call failed, and none that timed out waited much past its timeout. The seed is printed;
// SLOTDB_FUZZ_SEED=<seed> replays a run's choices.

import { describe, expect, it } from 'vitest';
import { keySlot, SlotDB } from '../../dist/src/index.js';
import { BlockingThread, type CallResult } from '../support/blocking-threads.js';
import { fuzzSeed, Random } from '../support/random.js';

const TAG = 'fz';
const SLOT = keySlot(TAG);
const KEYS = ['a', 'b', 'c', 'd'].map((name) => `{${TAG}}${name}`);
const THREADS = 4;
const CALLS_PER_THREAD = 80;
const FILLERS = 300;
/** How late a timed-out call may answer on this shared machine, moves included. */
const LATE_MS_MAX = 1500;

type Call = [method: string, args: unknown[], timeoutMs: number];

function randomCall(r: Random): Call {
  const timeout = r.pick([0.02, 0.05, 0.1, 0.2]);
  const ms = timeout * 1000;
  const keys = Array.from({ length: r.between(1, 2) }, () => r.pick(KEYS));
  switch (r.int(5)) {
    case 0:
      return ['blPop', [keys, timeout], ms];
    case 1:
      return ['brPop', [keys, timeout], ms];
    case 2:
      return ['blMove', [r.pick(KEYS), r.pick(KEYS), 'LEFT', 'RIGHT', timeout], ms];
    case 3:
      return ['brPopLPush', [r.pick(KEYS), r.pick(KEYS), timeout], ms];
    default:
      return ['blmPop', [timeout, keys, 'LEFT', { COUNT: r.between(1, 3) }], ms];
  }
}

/** The elements a call took out of the lists (a BLMOVE's stays in one). */
function taken(method: string, value: unknown): string[] {
  if (value === null || method === 'blMove' || method === 'brPopLPush') return [];
  if (method === 'blmPop') return (value as [string, string[]])[1];
  return [(value as { element: string }).element];
}

describe('blocking fuzz', () => {
  it('loses and duplicates no element while calls block, time out and the slot moves', async () => {
    const seed = fuzzSeed();
    console.log(`blocking fuzz seed ${seed} (replay with SLOTDB_FUZZ_SEED=${seed})`);
    const r = new Random(seed);
    const db = await SlotDB.open({ shards: 3 });
    try {
      for (let i = 0; i < FILLERS; i++) await db.set(`{${TAG}}filler${i}`, 'x');
      const threads = await Promise.all(
        Array.from({ length: THREADS }, () => BlockingThread.start(db)),
      );
      const results: { method: string; timeoutMs: number; result: CallResult }[] = [];
      let running = THREADS;
      const callers = threads.map(async (thread, t) => {
        const own = new Random(seed + t + 1);
        for (let i = 0; i < CALLS_PER_THREAD; i++) {
          const [method, args, timeoutMs] = randomCall(own);
          results.push({ method, timeoutMs, result: await thread.call(method, args).done });
        }
        running--;
      });
      const pushed: string[] = [];
      const pusher = (async () => {
        for (let n = 0; running > 0; n++) {
          const elements = Array.from({ length: r.between(1, 3) }, (_, j) => `e${n}.${j}`);
          if (r.chance(0.5)) await db.rPush(r.pick(KEYS), elements);
          else await db.lPush(r.pick(KEYS), elements);
          pushed.push(...elements);
          await new Promise((resolve) => setTimeout(resolve, r.between(5, 40)));
        }
      })();
      const moves = { completed: 0, cancelled: 0 };
      const mover = (async () => {
        while (running > 0) {
          const target = (db.slotOwner(SLOT) + r.between(1, 2)) % 3;
          const controller = new AbortController();
          const moving = db.migrateSlot(SLOT, target, {
            batchKeys: 10,
            keysPerSecond: 2000,
            lock: r.chance(0.2) ? 'slot' : 'key',
            signal: controller.signal,
          });
          if (r.chance(0.3)) setTimeout(() => controller.abort(), r.between(10, 120));
          const outcome = await moving.then(
            () => 'completed' as const,
            (error: Error) => (error.name === 'AbortError' ? ('cancelled' as const) : error),
          );
          if (outcome instanceof Error) throw outcome;
          moves[outcome]++;
          await new Promise((resolve) => setTimeout(resolve, r.between(0, 50)));
        }
      })();
      await Promise.all([...callers, pusher, mover]);
      await Promise.all(threads.map((thread) => thread.close()));
      console.log(
        `blocking fuzz: ${results.length} calls, ${pushed.length} elements, moves`,
        moves,
      );
      expect(moves.completed).toBeGreaterThan(2);

      const failures = results.filter(({ result }) => !result.ok);
      expect(failures).toEqual([]);
      const received = results.flatMap(({ method, result }) => taken(method, result.value));
      const left: string[] = [];
      for (const key of KEYS) left.push(...(await db.lRange(key, 0, -1)));
      expect([...received, ...left].sort()).toEqual([...pushed].sort());
      const served = results.filter(({ result }) => result.value !== null).length;
      expect(served).toBeGreaterThan(THREADS * CALLS_PER_THREAD * 0.3);
      for (const { timeoutMs, result } of results) {
        if (result.value === null) expect(result.ms).toBeLessThan(timeoutMs + LATE_MS_MAX);
      }
    } finally {
      await db.close();
    }
  }, 120_000);
});
