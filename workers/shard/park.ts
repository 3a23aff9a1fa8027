// Parking: a shard with nothing to do sleeps in Atomics.wait on its parked word, and whoever gives
// it work (a client, a peer, the opening thread) resets the word and notifies it.

import { kShardParked, PARKED_WITH_BACKLOG } from '../../src/shared/control-block.js';
import { SHARD_PARK_MS_MAX } from '../../src/shared/limits.js';
import type { Shard } from '../shard.js';

/** A parked shard with replies it could not push (ring full) looks again at least this soon. */
const BACKLOG_PARK_MS = 10;

export class Parking {
  private readonly parkedWord: number;

  constructor(private readonly shard: Shard) {
    this.parkedWord = shard.control.shardWord(shard.id, kShardParked);
  }

  /**
   * Sleeps until a client or peer pushes, a control message arrives, or the next timer is due.
   *
   * The parked word is raised, once and to its final value, before the last look at the rings: a
   * producer that pushed before it could see the word is caught by that look; one that pushed after
   * sees the word, resets it and notifies, and the wait below returns at once because the word no
   * longer holds the value it waits on. (Raising the word in two steps would let a producer's reset
   * be overwritten by the second step, and its wake-up be lost.)
   */
  park(now: number): void {
    const shard = this.shard;
    const words = shard.control.words;
    const backlog =
      shard.clients.anyBacklog() || shard.peers.anyBacklog() || shard.replication.anyBacklog();
    // With bytes waiting for ring space (replies, peer frames, a replica's journal or copy),
    // readers wake the shard when they make some.
    const parkedAs = backlog ? PARKED_WITH_BACKLOG : 1;
    Atomics.store(words, this.parkedWord, parkedAs);
    if (
      shard.clients.anyInput() ||
      shard.peers.anyInput() ||
      shard.replication.anyInput() ||
      shard.channel.changed()
    ) {
      Atomics.store(words, this.parkedWord, 0);
      return;
    }
    let timeoutMs = Math.max(0, Math.min(shard.expiry.nextAt - now, SHARD_PARK_MS_MAX));
    if (backlog) timeoutMs = Math.min(timeoutMs, BACKLOG_PARK_MS);
    // A blocked request's deadline (or replies it staged) wakes the shard in time.
    timeoutMs = Math.min(timeoutMs, Math.max(0, shard.blocking.nextAt - now));
    // So does a WAIT's timeout.
    timeoutMs = Math.min(timeoutMs, Math.max(0, shard.replication.nextAt - now));
    timeoutMs = shard.orders.parkTimeout(timeoutMs);
    const parkedAt = performance.now();
    Atomics.wait(words, this.parkedWord, parkedAs, timeoutMs);
    const wokeAt = performance.now();
    shard.stats.parkedMs += wokeAt - parkedAt;
    shard.profiler?.addParked(performance.timeOrigin + parkedAt, performance.timeOrigin + wokeAt);
    Atomics.store(words, this.parkedWord, 0);
  }
}
