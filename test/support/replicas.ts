// Checks that every replica holds exactly what its primary holds, for integration tests: each
// worker lists its keys in canonical form (keyspaceDigest), and a replica is compared with its
// primary once both stand at the same journal offset. At equal offsets the two keyspaces must be
// equal key for key, deadlines included, expired keys too: a replica never expires a key on its
// own, it keeps it until its primary's DEL arrives, and the primary journals that DEL when it
// removes the key (lazily or by active expiry). Comparing at equal offsets rather than at "now"
// needs no clock and leaves no window in which one side expired a key the other still holds.
// One exception: a key already past its deadline when its primary copies it (a full copy, a
// migrated batch) is not sent, as the receiver would drop it on arrival; the primary keeps it until
// it journals its DEL. Such keys read as missing on both sides, so keys whose deadline passed
// before the comparison began are left out of it.

import { expect } from 'vitest';
import type { SlotDB } from '../../dist/src/index.js';
import { keyspaceDigest } from '../../dist/src/testing.js';

type Digest = Awaited<ReturnType<typeof keyspaceDigest>>;

const SETTLE_MS = 20_000;

/** Waits until `seat` streams at `offset` or past it; returns its digest. */
async function digestAt(
  db: SlotDB,
  seat: number,
  offset: number,
  expiredBy: number,
): Promise<Digest> {
  const deadline = performance.now() + SETTLE_MS;
  for (;;) {
    const digest = await keyspaceDigest(db, seat, expiredBy);
    if (digest.streaming && digest.offset >= offset) return digest;
    if (performance.now() > deadline) {
      throw new Error(`worker ${seat} stays at offset ${digest.offset}, its primary at ${offset}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}

/** Compares every replica of every shard with its primary; fails the test on a difference. */
export async function expectReplicasEqual(db: SlotDB, where: string): Promise<void> {
  for (const shard of db.stats().shards) {
    const seats = shard.replicas.filter((r) => r.state !== 'dead').map((r) => r.worker);
    for (const seat of seats) {
      // The primary may journal more meanwhile (active expiry's DELs): then both are read again.
      for (let attempt = 0; ; attempt++) {
        const expiredBy = Date.now();
        const primary = await keyspaceDigest(db, shard.primary, expiredBy);
        const replica = await digestAt(db, seat, primary.offset, expiredBy);
        if (replica.offset === primary.offset) {
          expect(replica.lines, `${where}: shard ${shard.shard} replica ${seat}`).toEqual(
            primary.lines,
          );
          break;
        }
        if (attempt > 50) throw new Error(`${where}: replica ${seat} never met its primary`);
      }
    }
  }
}

/** The full copies the primary of `shard` sent so far. */
export async function copiesSent(db: SlotDB, shard: number): Promise<number> {
  return (await keyspaceDigest(db, db.stats().shards[shard]!.primary)).copies;
}
