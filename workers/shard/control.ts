// Control messages from the opening thread (src/shared/control-messages.ts): rare, and never on
// the data path. The opening thread posts a message and bumps the shard's control counter; the
// loop sees the counter move and drains the port synchronously, so it never yields to an event
// loop. Every message type has its handler in CONTROL, and the compiler checks that none lacks one.

import { getHeapStatistics } from 'node:v8';
import { receiveMessageOnPort } from 'node:worker_threads';
import { kShardControl, WorkerRole } from '../../src/shared/control-block.js';
import type { Reply, ShardInit, ToShard } from '../../src/shared/control-messages.js';
import { REPLICA_BACKLOG_BYTES_MAX, SLOT_COUNT } from '../../src/shared/limits.js';
import { PERSISTENCE_CONTROL } from '../persistence/control.js';
import { ShardProfiler } from '../profiler.js';
import { keyspaceLines } from '../replication/digest.js';
import { startHandOver, takeOver } from '../replication/hand-over.js';
import type { Shard } from '../shard.js';

type Handler<K extends ToShard['type']> = (
  shard: Shard,
  message: Extract<ToShard, { type: K }>,
) => Reply;

const ok = (message: ToShard): Reply => ({ type: 'reply', id: message.id });

/** What the shard does for each control message, and what it answers. */
export const CONTROL: { readonly [K in ToShard['type']]: Handler<K> } = {
  attach(shard, message) {
    shard.clients.attach(message.client, message.generation, message.requests, message.replies);
    return ok(message);
  },
  detach(shard, message) {
    shard.clients.detach(message.client);
    return ok(message);
  },
  link(shard, message) {
    shard.peers.link(message.peer, message.out, message.in);
    return ok(message);
  },
  migrate(shard, message) {
    // A primary handing its shard over moves no slot: its slots are about to change owner.
    if (shard.router.handOver?.isHolding) {
      throw new Error(`worker ${shard.id} is handing its shard over (a failover)`);
    }
    shard.orders.add(message);
    return ok(message);
  },
  cancel(shard, message) {
    if (!shard.migrations.cancel(message.migration, performance.now())) {
      shard.orders.dropQueued(message.migration, 'cancelled', 'cancelled before it started');
    }
    return ok(message);
  },
  'peer-down'(shard, message) {
    // What the peer sent before it died is read first (an IMPORT, batches, forwards): the control
    // port is drained before the peer rings each turn, and the news of a death must not overtake
    // the dead shard's last frames. Its ring gets nothing new, so this ends.
    const link = shard.peers.byId[message.peer];
    if (link !== undefined) while (shard.peers.serve(link) > 0);
    shard.migrations.peerDown(message.peer, performance.now());
    return ok(message);
  },
  'peer-failover'(shard, message) {
    shard.migrations.peerFailover(message.from, message.to, performance.now());
    return ok(message);
  },
  'count-slots'(shard, message) {
    const counts = new Uint32Array(SLOT_COUNT);
    const keyspace = shard.keyspace;
    for (let slot = 0; slot < SLOT_COUNT; slot++) counts[slot] = keyspace.table(slot)?.size ?? 0;
    return { ...ok(message), counts };
  },
  'profile-start'(shard, message) {
    shard.profiler = new ShardProfiler(shard.id, message.startAbs, message.bucketMs);
    // Slots already moving are part of the profile from now on.
    shard.migrations.profileStarted(shard.profiler);
    return ok(message);
  },
  'profile-stop'(shard, message) {
    const control = shard.control;
    const role = control.workerRole(shard.id) === WorkerRole.Replica ? 'replica' : 'primary';
    const profile = shard.profiler?.dump(message.endAbs, control.workerShard(shard.id), role);
    shard.profiler = undefined;
    return profile === undefined ? ok(message) : { ...ok(message), profile };
  },
  heap(_shard, message) {
    // A process started with --expose-gc passes it to its workers: then the figure holds live data
    // only, which is what a memory-per-member benchmark needs.
    (globalThis as { gc?: () => void }).gc?.();
    return { ...ok(message), heapUsedBytes: getHeapStatistics().used_heap_size };
  },
  faults(shard, message) {
    shard.faults = { ...message.faults };
    if (!shard.faults.holdAcks) shard.migrations.releaseAcks();
    const backlog = shard.faults.replicaBacklogBytes ?? REPLICA_BACKLOG_BYTES_MAX;
    for (const link of shard.replication.links) link.limits.backlogBytes = backlog;
    if (shard.persistence?.log) shard.persistence.log.fault = shard.faults.logWriteError;
    return ok(message);
  },
  'add-replica'(shard, message) {
    shard.replication.addReplica(message.replica, message.ring);
    return ok(message);
  },
  'drop-replica'(shard, message) {
    shard.replication.dropReplica(message.replica);
    return ok(message);
  },
  follow(shard, message) {
    shard.replication.follow(message.primary, message.ring);
    return ok(message);
  },
  promote(shard, message) {
    const old = shard.replication.follower?.primary;
    const offset = shard.replication.promote(message.files);
    // Slots the old primary was moving away wait here for their moves to go on.
    if (old !== undefined) shard.migrations.promoted(old);
    return { ...ok(message), offset };
  },
  digest(shard, message) {
    const follower = shard.replication.follower;
    const offset = follower?.offset ?? shard.replication.journal?.offset ?? 0;
    const streaming = follower?.streaming ?? true;
    let copies = 0;
    for (const link of shard.replication.links) copies += link.syncs;
    const lines = keyspaceLines(shard.keyspace, message.expiredBy ?? 0);
    return { ...ok(message), digest: { offset, streaming, copies, lines } };
  },
  'hand-over'(shard, message) {
    // Everything journaled so far goes to the log the new primary will take over; a log that
    // cannot be written refuses the hand-over before anything is held.
    shard.persistence?.syncNow();
    const offset = startHandOver(shard, message);
    shard.persistence?.syncNow();
    return { ...ok(message), offset };
  },
  'take-over'(shard, message) {
    return { ...ok(message), offset: takeOver(shard, message) };
  },
  release(shard, message) {
    shard.router.handOver?.step(Date.now());
    return ok(message);
  },
  stop(shard, message) {
    shard.running = false;
    return ok(message);
  },
  ...PERSISTENCE_CONTROL,
};

/** The shard's end of the control port, and the counter that says a message waits. */
export class ControlChannel {
  private readonly word: number;
  private seen = 0;

  constructor(
    private readonly shard: Shard,
    private readonly port: ShardInit['port'],
  ) {
    this.word = shard.control.shardWord(shard.id, kShardControl);
  }

  /** Whether the opening thread posted since the last drain. */
  changed(): boolean {
    return Atomics.load(this.shard.control.words, this.word) !== this.seen;
  }

  /** Handles every message on the port and answers each (except stop) at the turn's end. */
  drain(): void {
    const shard = this.shard;
    this.seen = Atomics.load(shard.control.words, this.word);
    const port = this.port;
    for (;;) {
      const got = receiveMessageOnPort(port);
      if (got === undefined) break;
      const message = got.message as ToShard;
      shard.execution.mark = 0;
      let reply: Reply;
      try {
        const handler = CONTROL[message.type] as Handler<ToShard['type']>;
        reply = handler(shard, message);
      } catch (error) {
        reply = { type: 'reply', id: message.id, error: (error as Error).message };
      }
      if (message.type !== 'stop') shard.events.reply(reply);
    }
    // The loop ends after a stop: what it answered before goes now.
    if (!shard.running) shard.events.flush();
  }

  /** Stops listening (the loop ended). */
  close(): void {
    this.port.close();
  }
}
