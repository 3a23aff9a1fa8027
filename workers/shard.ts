// A shard worker: holds the keys of the slots the slot map gives it, serves every client thread's
// requests for them, and moves slots to and from other shards.
//
// The loop, in pseudocode:
//
//   forever:
//     if the control counter moved: drain the control port (attach, link, migrate, stop, ...)
//     for each peer shard: read its ring (batches, acks, forwarded requests, notices)
//     for each client link: pop its request bytes, route every complete frame, push the replies
//     blocked requests: serve the keys a batch made ready, answer timeouts, push those replies
//     for each migration: send a batch if its window has room; flip when the slot is empty
//     if active expiry is due: reclaim expired keys, bounded in count and time
//     if nothing was done for shardSpinMicros: announce parked, look once more, Atomics.wait
//
// Routing a request frame for slot S:
//   no slot (DBSIZE, FLUSHALL, KEYS)            → execute here
//   S is ours, not migrating                    → execute here
//   S is ours, migrating away                   → the migration decides (migration/outgoing.ts)
//   S is being imported here and A forwarded it → execute here (migration/incoming.ts)
//   otherwise (a straggler)                     → forward to S's owner (or to whom we gave S)
//
// A client that pushes requests wakes the shard only if the shard announced it parked, so a busy
// shard costs its clients no system call. Replies are pushed in bulk; a client waiting on its
// doorbell is notified after the push.
//
// The parts, one concept each, are in workers/shard/: client links (serve, reply flush, backlog),
// the request router and execution (the hot path), peer links (peer frames, forwarding), the
// migrations by id and slot, the migration order queue, control messages, stats, active expiry,
// parking and the events for the opening thread.

import { workerData } from 'node:worker_threads';
import { ControlBlock, ShardState } from '../src/shared/control-block.js';
import type { ShardEvent, ShardFaults, ShardInit } from '../src/shared/control-messages.js';
import type { FrameWriter } from '../src/shared/ring.js';
import { Blocking } from './blocking/blocking.js';
import { Keyspace } from './keyspace/keyspace.js';
import { Persistence } from './persistence/persistence.js';
import { startPersistence } from './persistence/start.js';
import type { ShardProfiler } from './profiler.js';
import { Replication } from './replication/replication.js';
import { ActiveExpiry } from './shard/active-expiry.js';
import { ClientLinks } from './shard/client-links.js';
import { ControlChannel } from './shard/control.js';
import { ShardEvents } from './shard/events.js';
import { Execution } from './shard/execution.js';
import { MigrationOrders } from './shard/migration-orders.js';
import { Migrations } from './shard/migrations.js';
import { Parking } from './shard/park.js';
import { PeerLinks } from './shard/peer-links.js';
import { RequestRouter } from './shard/request-router.js';
import { ShardStats } from './shard/stats.js';
import type { ShardContext } from './shard-context.js';

export class Shard implements ShardContext {
  readonly id: number;
  readonly control: ControlBlock;
  readonly keyspace = new Keyspace();
  faults: ShardFaults = {};
  /** Set while a profile runs. */
  profiler: ShardProfiler | undefined;
  /** Cleared by the stop message: the loop ends. */
  running = true;
  /** performance.now() of this loop turn: migration timings need better than Date.now()'s 1 ms. */
  clock = performance.now();
  // The parts, in the order they are made (a part may keep references to those before it).
  readonly stats: ShardStats;
  readonly events: ShardEvents;
  readonly clients: ClientLinks;
  readonly peers: PeerLinks;
  /** With `dir`: the log and snapshots (a replica keeps the settings for when it is promoted). */
  readonly persistence: Persistence | undefined;
  readonly replication: Replication;
  readonly migrations: Migrations;
  readonly orders: MigrationOrders;
  readonly execution: Execution;
  readonly blocking: Blocking;
  readonly router: RequestRouter;
  readonly expiry: ActiveExpiry;
  readonly channel: ControlChannel;
  private readonly parking: Parking;
  private readonly spinMs: number;

  constructor(init: ShardInit) {
    this.id = init.shard;
    this.control = new ControlBlock(init.control);
    this.spinMs = init.shardSpinMicros / 1000;
    this.stats = new ShardStats(this);
    this.events = new ShardEvents(init.port);
    this.clients = new ClientLinks(this);
    this.peers = new PeerLinks(this);
    this.persistence = init.persistence && new Persistence(this, init.persistence);
    this.replication = new Replication(this, init.replication, init.role);
    this.migrations = new Migrations(this);
    this.orders = new MigrationOrders(this);
    this.execution = new Execution(this);
    this.blocking = new Blocking(this);
    this.router = new RequestRouter(this);
    this.expiry = new ActiveExpiry(this);
    this.channel = new ControlChannel(this, init.port);
    this.parking = new Parking(this);
  }

  run(): void {
    const { clients, peers, execution, migrations, orders, expiry, channel, events, stats } = this;
    const blocking = this.blocking;
    const replication = this.replication;
    const persistence = this.persistence;
    this.control.setShardState(this.id, ShardState.Running);
    events.post(startPersistence(this, init));
    events.flush();
    let idleSince = -1;
    while (this.running) {
      execution.mark = 0;
      if (channel.changed()) {
        channel.drain();
        continue;
      }
      const now = Date.now();
      this.keyspace.now = now;
      this.clock = performance.now();
      let work = 0;
      for (let i = 0; i < peers.list.length; i++) work += peers.serve(peers.list[i]!);
      // A replica applies its primary's stream before it serves reads.
      const follower = replication.follower;
      if (follower !== undefined && this.faults.holdStream !== true) {
        const applied = follower.serve();
        // Room was made in the ring: a primary waiting for it (a full copy) goes on.
        if (applied > 0) this.control.wakeShard(follower.primary);
        work += applied;
      }
      for (let i = 0; i < clients.list.length; i++) work += clients.serve(clients.list[i]!);
      if (clients.deferred) clients.flushDirty();
      execution.mark = 0;
      if (now >= blocking.nextAt) work += blocking.step(now);
      if (migrations.byId.size > 0 || orders.pending) work += migrations.step(this.clock);
      // The log is written before the replicas get the records: a promoted replica never holds
      // more than the log (workers/persistence/persistence.ts, takeOver).
      if (persistence !== undefined) work += persistence.step();
      // A primary sends this turn's journal records and answers the WAITs they satisfy.
      if (follower === undefined && replication.journal !== undefined) {
        work += replication.step(now);
      } else if (now >= replication.nextAt) {
        work += replication.step(now);
      }
      // A replica's keys expire by its primary's stream (DEL records), never on their own.
      if (now >= expiry.nextAt && follower === undefined) expiry.run(now);
      if (peers.dirty) peers.flushDirty();
      if (events.length > 0) events.flush();
      if (work > 0) {
        stats.publish();
        idleSince = -1;
        continue;
      }
      const t = performance.now();
      if (idleSince < 0) idleSince = t;
      else if (t - idleSince >= this.spinMs) {
        this.parking.park(now);
        idleSince = -1;
      }
    }
    persistence?.close();
    this.control.setShardState(this.id, ShardState.Stopped);
    channel.close();
  }

  durableOffset(): number {
    return this.persistence?.durableOffset ?? Number.POSITIVE_INFINITY;
  }

  /** Before replies, forwards or acknowledgements leave: appendfsync 'always' fsyncs here. */
  beforeOutput(): void {
    this.persistence?.beforeOutput();
  }

  // ---- what the migration roles call (ShardContext) --------------------------------------

  execute(buf: Buffer, at: number): void {
    this.execution.execute(buf, at);
  }

  executeError(buf: Buffer, at: number, text: string): void {
    this.execution.executeError(buf, at, text);
  }

  forward(peer: number, buf: Buffer, at: number): number {
    return this.peers.forward(peer, buf, at);
  }

  replyError(client: number, id: number, text: string): void {
    this.clients.replyError(client, id, text);
  }

  peerWriter(peer: number): FrameWriter {
    return this.peers.writer(peer);
  }

  flushPeer(peer: number): void {
    this.peers.flushPeer(peer);
  }

  post(event: ShardEvent): void {
    this.events.post(event);
  }

  finished(migration: number): void {
    this.migrations.finished(migration);
  }

  lostKeys(migration: number, slot: number, dead: number): void {
    this.migrations.lostKeys(migration, slot, dead);
  }

  handedOver(slot: number, target: number): void {
    this.migrations.handedOver(slot, target);
  }

  handOffBlocked(slot: number, send: (frame: Buffer) => void): void {
    this.blocking.handOff(slot, send);
  }
}

const init = workerData as ShardInit;
const shard = new Shard(init);
try {
  shard.run();
} catch (error) {
  // Mark the shard dead in shared memory before the worker ends, so that a client blocked in a
  // sync call (whose thread cannot see the worker's exit event) stops waiting for it.
  const control = new ControlBlock(init.control);
  control.setShardState(init.shard, ShardState.Dead, 1);
  control.wakeAllClients();
  throw error;
}
