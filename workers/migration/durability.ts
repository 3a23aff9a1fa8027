// A slot move and the shards' replicas: what a move waits for so that a failover of either shard,
// at any point, loses no key and duplicates none (docs/migration.md, "Replicas").
//
// Every change a move makes is journaled (keys a batch brings in, keys deleted after an ack, a
// slot dropped), so a replica always holds what its primary holds. Two waits make the journal's
// order safe across the two shards; both wait on the journal offset of a change, and both count
// the replicas that acknowledged it (a replica that acknowledges wakes its primary, whose next loop
// turn looks again: nothing polls):
//
//   AckGate   a shard that receives keys (the target; the source when keys come back after a
//             cancel) acknowledges a batch only once its replicas hold the batch: the sender
//             deletes its copy on that ack, and a promoted replica of the receiver has the keys.
//   Settling  the source forwards requests for a key that moved only once its replicas hold the
//             key's deletion: a promoted replica of the source never holds a stale copy of a key
//             the target has changed since, so it can go on as the source.
//
// How many replicas: `replicas` of the move's options; unset, every replica that streams (one in
// the middle of a full copy gets the keys with its copy, and cannot be promoted before it ends).
// An explicit count is capped at the replicas the shard has, so a dead replica that is not
// replaced cannot stall a move. 0 waits for nothing (and a failover may lose acknowledged keys).

import { ReplicaState } from '../../src/shared/control-block.js';
import type { Journal } from '../replication/journal.js';
import type { ShardContext } from '../shard-context.js';
import { putAck } from './control-frames.js';

/** What the migration reads of the shard's replication (workers/replication/replication.ts). */
export interface ReplicaAcks {
  /** Undefined on a database without replicas, and on a replica. */
  readonly journal: Journal | undefined;
  readonly links: readonly { readonly replica: number; readonly syncing: boolean }[];
  /** Replicas streaming that acknowledged `offset` or more. */
  countAcks(offset: number): number;
}

/** `need` for every replica that streams (the default). */
export const EVERY_STREAMING = -1;

/** The need of a plan's `replicas` option (unset: every streaming replica). */
export function needOf(replicas: number | undefined): number {
  return replicas ?? EVERY_STREAMING;
}

/** The journal a move records its changes in, when the shard has replicas. */
export function journalOf(shard: ShardContext): Journal | undefined {
  return shard.replication?.journal;
}

/** The journal's offset now (0 without replicas). */
function offsetNow(shard: ShardContext): number {
  return shard.replication?.journal?.offset ?? 0;
}

/** Whether the replicas `need` asks for hold journal offset `offset`. */
export function replicasHold(shard: ShardContext, offset: number, need: number): boolean {
  // With appendfsync 'always', the change is on disk first: a crash then cannot resurrect a key
  // the other shard deleted since (docs/persistence.md, "Migrations").
  if (shard.durableOffset !== undefined && shard.durableOffset() < offset) return false;
  const replication = shard.replication;
  if (replication?.journal === undefined || need === 0) return true;
  const acks = replication.countAcks(offset);
  if (need > 0) return acks >= Math.min(need, replication.links.length);
  const control = shard.control;
  let streaming = 0;
  for (const link of replication.links) {
    if (!link.syncing && control.replicaState(link.replica) === ReplicaState.Streaming) streaming++;
  }
  return acks >= streaming;
}

interface HeldAck {
  readonly peer: number;
  readonly slot: number;
  readonly migration: number;
  readonly batch: number;
  readonly ok: boolean;
  readonly receivedAbs: number;
  readonly applyMs: number;
  readonly offset: number;
}

/**
 * Acknowledgements held until the replicas hold what the batch changed; sent in order. The
 * holdAcks fault (tests) holds them here too, until it is lifted (releaseHeld).
 */
export class AckGate {
  private readonly held: HeldAck[] = [];
  private readonly faultHeld: HeldAck[] = [];

  constructor(
    private readonly shard: ShardContext,
    private readonly need: number,
  ) {}

  /** Acknowledgements not sent yet. */
  get pending(): boolean {
    return this.held.length > 0 || this.faultHeld.length > 0;
  }

  /** Acknowledges `batch` to `peer` once the replicas hold everything journaled so far. */
  send(
    peer: number,
    slot: number,
    migration: number,
    batch: number,
    ok: boolean,
    receivedAbs = 0,
    applyMs = 0,
  ): void {
    const offset = offsetNow(this.shard);
    const ack = { peer, slot, migration, batch, ok, receivedAbs, applyMs, offset };
    if (this.shard.faults.holdAcks) this.faultHeld.push(ack);
    else this.pass(ack);
  }

  private pass(ack: HeldAck): void {
    if (this.held.length === 0 && replicasHold(this.shard, ack.offset, this.need)) this.put(ack);
    else this.held.push(ack);
  }

  /** The holdAcks fault was lifted: what it held goes on (once the replicas hold it). */
  releaseHeld(): void {
    for (const ack of this.faultHeld.splice(0)) this.pass(ack);
  }

  /** Sends the acknowledgements the replicas caught up with. Returns how many. */
  step(): number {
    const held = this.held;
    let sent = 0;
    while (sent < held.length && replicasHold(this.shard, held[sent]!.offset, this.need)) {
      this.put(held[sent]!);
      sent++;
    }
    if (sent > 0) held.splice(0, sent);
    return sent;
  }

  /** `peer` died: what it was owed goes nowhere (its successor gets the keys again). */
  drop(peer: number): void {
    for (const list of [this.held, this.faultHeld]) {
      const kept = list.filter((ack) => ack.peer !== peer);
      list.splice(0, list.length, ...kept);
    }
  }

  private put(ack: HeldAck): void {
    const { peer, slot, migration, batch, ok, receivedAbs, applyMs } = ack;
    putAck(this.shard.peerWriter(peer), slot, migration, batch, ok, receivedAbs, applyMs);
    this.shard.flushPeer(peer);
  }
}

/**
 * Keys the source deleted after an ack, until its replicas hold the deletion: requests for them
 * wait here meanwhile instead of going to the target.
 */
export class Settling {
  /** Key → the journal offset its deletion must reach. */
  private readonly offsets = new Map<string, number>();
  private readonly queue: { readonly offset: number; readonly keys: readonly string[] }[] = [];

  constructor(
    private readonly shard: ShardContext,
    private readonly need: number,
  ) {}

  get size(): number {
    return this.offsets.size;
  }

  has(key: string): boolean {
    return this.offsets.size > 0 && this.offsets.has(key);
  }

  /** `keys` were just deleted (and journaled). */
  add(keys: readonly string[]): void {
    if (keys.length === 0) return;
    const offset = offsetNow(this.shard);
    if (this.queue.length === 0 && replicasHold(this.shard, offset, this.need)) return;
    for (const key of keys) this.offsets.set(key, offset);
    this.queue.push({ offset, keys });
  }

  /** Lets go of the keys whose deletion the replicas hold. Returns whether any went. */
  step(): boolean {
    const queue = this.queue;
    let done = 0;
    while (done < queue.length && replicasHold(this.shard, queue[done]!.offset, this.need)) {
      const { offset, keys } = queue[done]!;
      for (const key of keys) if (this.offsets.get(key) === offset) this.offsets.delete(key);
      done++;
    }
    if (done > 0) queue.splice(0, done);
    return done > 0;
  }

  clear(): void {
    this.offsets.clear();
    this.queue.length = 0;
  }
}
