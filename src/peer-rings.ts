// The rings between pairs of workers: one each way, created the first time two workers meet (a
// migration's source and target, a replica and its primary) and kept for the database's life.

import type { ShardPool } from './shard-pool.js';
import { PEER_RING_BYTES } from './shared/limits.js';
import { createRingStorage } from './shared/ring.js';

export class PeerRings {
  /** By "low-high" seat pair: the linking, done or under way. */
  private readonly links = new Map<string, Promise<void>>();

  constructor(private readonly pool: ShardPool) {}

  /** Links workers `a` and `b` (once; later calls share the first one's outcome). */
  link(a: number, b: number): Promise<void> {
    const key = a < b ? `${a}-${b}` : `${b}-${a}`;
    let linked = this.links.get(key);
    if (linked === undefined) {
      // A byte less than PEER_RING_BYTES: the storage (one more than the ring holds) is then a
      // multiple of 8, so a wrap keeps the copies in and out of the ring word-aligned (ring.ts).
      const ab = createRingStorage(PEER_RING_BYTES - 1);
      const ba = createRingStorage(PEER_RING_BYTES - 1);
      linked = Promise.all([
        this.pool.request(a, { type: 'link', peer: b, out: ab, in: ba }),
        this.pool.request(b, { type: 'link', peer: a, out: ba, in: ab }),
      ]).then(() => undefined);
      linked.catch(() => this.links.delete(key));
      this.links.set(key, linked);
    }
    return linked;
  }
}
