// close() in the states that used to leave something waiting forever: a slot in the middle of a
// move, and a write stuck behind a migration batch whose target never acknowledges.

import { describe, expect, it } from 'vitest';
import { ClientClosedError, keySlot, SlotDB } from '../../dist/src/index.js';
import { CLOSE_DRAIN_MS_MAX } from '../../dist/src/shared/limits.js';
import { holdFirstBatch } from '../support/migration.js';

const TAG = 'closing';
const SLOT = keySlot(`{${TAG}}`);
const key = (i: number): string => `{${TAG}}k${i}`;

async function loaded(): Promise<SlotDB> {
  const db = await SlotDB.open({ shards: 2 });
  await db.mSet(Array.from({ length: 100 }, (_, i): [string, string] => [key(i), `v${i}`]));
  return db;
}

describe('close()', () => {
  it('rejects a move still running with ClientClosedError, and resolves', async () => {
    const db = await loaded();
    const { moving } = await holdFirstBatch(db, SLOT);
    const outcome = moving.then(
      () => 'resolved',
      (error: Error) => error,
    );
    await db.close();
    const error = await outcome;
    expect(error).toBeInstanceOf(ClientClosedError);
    expect((error as Error).message).toMatch(new RegExp(`slot ${SLOT} was moving`));
  });

  it('ends in bounded time when a write waits on a batch that is never acknowledged', async () => {
    const db = await loaded();
    const { moving } = await holdFirstBatch(db, SLOT);
    const moveOutcome = moving.catch((error: Error) => error);
    // key(0) is in the batch held in flight: its write waits for an ack that never comes.
    const stuck = db.set(key(0), 'new').then(
      () => 'resolved',
      (error: Error) => error,
    );
    const started = performance.now();
    await db.close();
    const tookMs = performance.now() - started;
    expect(tookMs).toBeGreaterThanOrEqual(CLOSE_DRAIN_MS_MAX - 50);
    expect(tookMs).toBeLessThan(CLOSE_DRAIN_MS_MAX + 10_000);
    const error = await stuck;
    expect(error).toBeInstanceOf(ClientClosedError);
    expect((error as Error).message).toMatch(/still waiting/);
    expect(await moveOutcome).toBeInstanceOf(ClientClosedError);
  });

  it('fails moves and rebalances still being set up with ClientClosedError', async () => {
    for (let round = 0; round < 3; round++) {
      const db = await loaded();
      // close() right after the calls: the moves are still linking shards or sending orders.
      const calls = [
        db.migrateSlot(SLOT, 1 - db.slotOwner(SLOT)),
        db.migrateSlots([1, 2, 3], 1 - db.slotOwner(1)),
        db.rebalance(),
      ].map((call) =>
        call.then(
          () => 'resolved',
          (error: Error) => error,
        ),
      );
      await db.close();
      for (const outcome of await Promise.all(calls)) {
        // A move that finished before close() stopped the shards resolved; none fails otherwise.
        if (outcome !== 'resolved') expect(outcome).toBeInstanceOf(ClientClosedError);
      }
    }
  });
});
