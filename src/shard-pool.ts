// The shard workers of a database, as seen from the thread that opened it: starting them with the
// initial slot map, attaching client threads (rings for every shard), noticing a worker that dies,
// and stopping them. Only the opening thread has a ShardPool; attached threads only have rings.

import { MessageChannel, type MessagePort, Worker } from 'node:worker_threads';
import type { ClientRings } from './client/client.js';
import { ClientLimitError, InvariantError, ShardDownError, ShardRequestError } from './errors.js';
import type { ResolvedOptions } from './options.js';
import { PeerRings } from './peer-rings.js';
import { DataStore } from './persistence/store.js';
import { ProfileSlab } from './profiler/slab.js';
import { ReplicaSets } from './replication/replica-sets.js';
import {
  CLIENT_STATE_MASK,
  ClientState,
  ControlBlock,
  GENERATION_MASK,
  kClientHeartbeat,
  kClientState,
  ShardState,
  seatWord,
  WorkerRole,
} from './shared/control-block.js';
import type {
  FromShard,
  Reply,
  ShardEvent,
  ShardInit,
  ShardRequest,
} from './shared/control-messages.js';
import {
  CLIENT_HEARTBEAT_GRACE_MS,
  CLIENTS_MAX,
  CLOSE_GRACE_MS,
  HEARTBEAT_INTERVAL_MS,
  SLOT_COUNT,
} from './shared/limits.js';
import { createRingStorage } from './shared/ring.js';

const SHARD_SCRIPT = new URL('../workers/shard.js', import.meta.url);

interface Waiter {
  readonly resolve: (reply: Reply) => void;
  readonly reject: (error: Error) => void;
}

export type ShardEventListener = (shard: number, event: ShardEvent) => void;

export class ShardPool {
  readonly control = new ControlBlock();
  readonly options: ResolvedOptions;
  readonly workers: Worker[] = [];
  private readonly ports: MessagePort[] = [];
  /** Requests posted and not answered yet, by id. */
  private readonly waiters = new Map<number, Waiter & { readonly shard: number }>();
  private nextRequestId = 1;
  private readonly readyWaiters: Waiter[] = [];
  /** Each worker's ready event (with what a primary's recovery found). */
  readonly readyEvents: ShardEvent[] = [];
  private readonly exited: Promise<number>[] = [];
  stopping = false;
  /** Every client thread's profile slab, by client slot (the profiler reads them). */
  readonly profileSlabs: (ProfileSlab | undefined)[] = [];
  /** Per handed-out seat: its heartbeat as last read, and since when (performance.now()). */
  private readonly beats: ({ beat: number; since: number } | undefined)[] = [];
  /** How long a seat's heartbeat stays still before it is reclaimed (tests shorten it). */
  heartbeatGraceMs = CLIENT_HEARTBEAT_GRACE_MS;
  /** Every attached seat's rings, by client: a worker started later attaches to them. */
  readonly clientRings: (
    | {
        readonly generation: number;
        readonly requests: readonly SharedArrayBuffer[];
        readonly replies: readonly SharedArrayBuffer[];
      }
    | undefined
  )[] = [];
  /** The rings between pairs of workers (migrations, a replica and its primary). */
  readonly peerRings: PeerRings = new PeerRings(this);
  /** The shards' replicas: their streams, and failover when a primary dies. */
  readonly replicaSets: ReplicaSets = new ReplicaSets(this);
  /** Receives migration progress and outcomes (the coordinator). */
  onEvent: ShardEventListener = () => undefined;
  /** Called when a shard's worker exits unexpectedly. */
  onDeath: (shard: number) => void = () => undefined;

  private constructor(
    options: ResolvedOptions,
    /** With `dir`: the data directory (src/persistence/store.ts). */
    readonly store: DataStore | undefined,
  ) {
    this.options = options;
  }

  /**
   * Starts a primary per shard (seats 0..shards-1) and its replicas (the seats after them); slots
   * are split into contiguous ranges, as Redis Cluster does. The remaining seats wait for
   * replacement replicas.
   */
  static async start(options: ResolvedOptions): Promise<ShardPool> {
    const store = await DataStore.openFor(options);
    const pool = new ShardPool(options, store);
    const control = pool.control;
    const owners = store?.owners();
    control.shardCount = options.shards;
    control.workerCount = options.workers;
    control.replicasPerShard = options.replicas;
    control.readFromReplicas = options.readFrom === 'replica';
    for (let slot = 0; slot < SLOT_COUNT; slot++) {
      control.owner[slot] = owners?.[slot] ?? Math.floor((slot * options.shards) / SLOT_COUNT);
    }
    for (let seat = 0; seat < options.workers; seat++)
      control.setWorker(seat, WorkerRole.Unused, 0);
    for (let shard = 0; shard < options.shards; shard++) {
      Atomics.store(control.primaries, shard, shard);
      control.setWorker(shard, WorkerRole.Primary, shard);
      for (let i = 0; i < options.replicas; i++) {
        control.setWorker(options.shards + shard * options.replicas + i, WorkerRole.Replica, shard);
      }
    }
    control.bumpEpoch();
    const ready: Promise<void>[] = [];
    const seats = options.shards * (1 + options.replicas);
    for (let seat = 0; seat < seats; seat++) ready.push(pool.spawn(seat));
    try {
      await Promise.all(ready);
      await store?.started(pool, pool.readyEvents.slice(0, options.shards));
      await pool.replicaSets.start();
    } catch (error) {
      await pool.stop();
      throw error;
    }
    return pool;
  }

  /** Starts a worker in `shard`'s seat, in the role the control block gives the seat. */
  spawn(shard: number): Promise<void> {
    const { port1, port2 } = new MessageChannel();
    const options = this.options;
    const init: ShardInit = {
      shard,
      control: this.control.sab,
      port: port2,
      shardSpinMicros: options.shardSpinMicros,
      role: this.control.workerRole(shard),
      replication: {
        replicas: options.replicas,
        minReplicasToWrite: options.minReplicasToWrite,
        minReplicasMaxLagMs: options.minReplicasMaxLagMs,
      },
      persistence: this.store?.initFor(shard, this.control.workerRole(shard)),
    };
    const worker = new Worker(SHARD_SCRIPT, {
      workerData: init,
      transferList: [port2],
      name: `slotdb-shard-${shard}`,
    });
    this.workers[shard] = worker;
    this.ports[shard] = port1;
    const ready = new Promise<void>(
      (resolve, reject) => (this.readyWaiters[shard] = { resolve: () => resolve(), reject }),
    );
    port1.on('message', (message: FromShard) => this.onMessage(shard, message));
    port1.unref();
    worker.on('error', (error) => {
      if (!this.stopping) console.error(`slotdb: shard ${shard} failed:`, error);
    });
    this.exited[shard] = new Promise((resolve) => worker.once('exit', resolve));
    void this.exited[shard]!.then((code) => this.onExit(shard, code));
    return ready;
  }

  private onMessage(shard: number, message: FromShard): void {
    for (const reply of message.replies) {
      const waiter = this.waiters.get(reply.id);
      if (waiter === undefined)
        throw new InvariantError(`shard ${shard} answered unknown request ${reply.id}`);
      this.waiters.delete(reply.id);
      if (reply.error !== undefined) waiter.reject(new ShardRequestError(shard, reply.error));
      else waiter.resolve(reply);
    }
    for (const event of message.events) {
      if (event.type === 'ready') {
        this.readyEvents[shard] = event;
        this.readyWaiters[shard]?.resolve({ type: 'reply', id: 0 });
      } else if (!this.store?.onEvent(shard, event)) this.onEvent(shard, event);
    }
  }

  private onExit(shard: number, code: number): void {
    if (!this.stopping && this.replicaSets.onExit(shard, code)) return;
    this.markDead(shard, code);
  }

  /**
   * Fails what waited on a worker that exited and tells everyone: clients (its death counter),
   * peers (peer-down) and the coordinator.
   */
  markDead(shard: number, code: number): void {
    const control = this.control;
    const error = new ShardDownError(shard, `exited with code ${code}`);
    this.readyWaiters[shard]?.reject(error);
    for (const [id, waiter] of this.waiters) {
      if (waiter.shard !== shard) continue;
      this.waiters.delete(id);
      waiter.reject(error);
    }
    if (control.shardState(shard) === ShardState.Stopped || this.stopping) return;
    control.setShardState(shard, ShardState.Dead, code);
    control.wakeAllClients();
    for (let peer = 0; peer < this.workers.length; peer++) {
      if (peer !== shard && this.live(peer))
        void this.request(peer, { type: 'peer-down', peer: shard }).catch(() => undefined);
    }
    this.onDeath(shard);
  }

  /** Posts a request to a shard and resolves with its reply (rejects if it refused or died). */
  request(shard: number, request: ShardRequest): Promise<Reply> {
    if (!this.live(shard)) return Promise.reject(new ShardDownError(shard, 'it is not running'));
    const id = this.nextRequestId++;
    const reply = new Promise<Reply>((resolve, reject) =>
      this.waiters.set(id, { shard, resolve, reject }),
    );
    this.ports[shard]!.postMessage({ ...request, id });
    this.control.signalControl(shard);
    return reply;
  }

  live(shard: number): boolean {
    if (this.workers[shard] === undefined) return false;
    const state = this.control.shardState(shard);
    return state === ShardState.Starting || state === ShardState.Running;
  }

  /**
   * Allocates a client seat and its rings, and registers them with every live shard. `state` is
   * Active for the opening thread's own seat, Handed for a handle. When every seat is taken, seats
   * of threads that exited without close() are reclaimed first (see reclaimSilent).
   */
  attachClient(state: number = ClientState.Handed): Promise<ClientRings> {
    // One at a time: two calls that reclaim the same detached seat would both hand it out.
    const attached = this.attaching.then(() => this.attachOne(state));
    this.attaching = attached.catch(() => undefined);
    return attached;
  }

  /** Calls of attachClient, chained (see there). */
  private attaching: Promise<unknown> = Promise.resolve();

  private async attachOne(state: number): Promise<ClientRings> {
    const control = this.control;
    let client = -1;
    let generation = 0;
    while (client < 0) {
      await this.reclaimDetached();
      for (let candidate = 0; candidate < CLIENTS_MAX && client < 0; candidate++) {
        const word = control.clientWord(candidate, kClientState);
        const free = Atomics.load(control.words, word);
        if ((free & CLIENT_STATE_MASK) !== ClientState.Free) continue;
        generation = ((free >>> 2) + 1) & GENERATION_MASK || 1;
        if (
          Atomics.compareExchange(control.words, word, free, seatWord(generation, state)) === free
        )
          client = candidate;
      }
      if (client < 0 && !(await this.reclaimSilent())) throw new ClientLimitError(CLIENTS_MAX);
    }
    if (state === ClientState.Handed) {
      const beat = Atomics.load(control.words, control.clientWord(client, kClientHeartbeat));
      this.beats[client] = { beat, since: performance.now() };
    }
    const requests: SharedArrayBuffer[] = [];
    const replies: SharedArrayBuffer[] = [];
    const acks: Promise<unknown>[] = [];
    for (let shard = 0; shard < this.options.workers; shard++) {
      requests.push(createRingStorage(this.options.ringBytes));
      replies.push(createRingStorage(this.options.ringBytes));
      if (!this.live(shard)) continue;
      acks.push(
        this.request(shard, {
          type: 'attach',
          client,
          generation,
          requests: requests[shard]!,
          replies: replies[shard]!,
        }).catch(() => undefined),
      );
    }
    await Promise.all(acks);
    this.clientRings[client] = { generation, requests, replies };
    const profile = new ProfileSlab();
    this.profileSlabs[client] = profile;
    return { client, generation, requests, replies, profile: profile.sab };
  }

  /** Attaches every client seat handed out so far to the worker started in `seat`. */
  async attachClients(seat: number): Promise<void> {
    const attaches: Promise<unknown>[] = [];
    for (let client = 0; client < this.clientRings.length; client++) {
      const rings = this.clientRings[client];
      if (rings === undefined) continue;
      attaches.push(
        this.request(seat, {
          type: 'attach',
          client,
          generation: rings.generation,
          requests: rings.requests[seat]!,
          replies: rings.replies[seat]!,
        }),
      );
    }
    await Promise.all(attaches);
  }

  /** Frees the seats of client threads that detached, once every shard dropped their rings. */
  private async reclaimDetached(): Promise<void> {
    const control = this.control;
    for (let client = 0; client < CLIENTS_MAX; client++) {
      const word = control.clientWord(client, kClientState);
      const detached = Atomics.load(control.words, word);
      if ((detached & CLIENT_STATE_MASK) !== ClientState.Detached) continue;
      const acks: Promise<unknown>[] = [];
      for (let shard = 0; shard < this.options.workers; shard++) {
        if (this.live(shard))
          acks.push(this.request(shard, { type: 'detach', client }).catch(() => undefined));
      }
      await Promise.all(acks);
      this.beats[client] = undefined;
      this.clientRings[client] = undefined;
      // Free keeps the generation, so the next owner's handle gets a new one. Only a seat still
      // Detached is freed: it may have changed while the shards answered.
      Atomics.compareExchange(
        control.words,
        word,
        detached,
        seatWord(detached >>> 2, ClientState.Free),
      );
    }
  }

  /**
   * Every seat is taken: marks Detached the handed-out seat whose heartbeat has been still the
   * longest, once still for `heartbeatGraceMs` (its thread exited without close(), or its handle
   * was never attached). Waits while a seat may still turn out so; returns false when every seat's
   * thread is alive (its heartbeat moved during this call), true when a seat can be freed.
   */
  private async reclaimSilent(): Promise<boolean> {
    const control = this.control;
    const alive = new Set<number>();
    for (let pass = 0; ; pass++) {
      const now = performance.now();
      let stalest = -1;
      let undecided = false;
      for (let client = 0; client < CLIENTS_MAX; client++) {
        const word = Atomics.load(control.words, control.clientWord(client, kClientState));
        const state = word & CLIENT_STATE_MASK;
        if (state === ClientState.Free || state === ClientState.Detached) return true;
        const seen = this.beats[client];
        if (seen === undefined || alive.has(client)) continue;
        const beat = Atomics.load(control.words, control.clientWord(client, kClientHeartbeat));
        if (beat !== seen.beat) {
          // A change seen on the first pass may be old news (the thread may have died since).
          this.beats[client] = { beat, since: now };
          if (pass > 0) alive.add(client);
          else undecided = true;
        } else if (now - seen.since < this.heartbeatGraceMs) undecided = true;
        else if (stalest < 0 || seen.since < this.beats[stalest]!.since) stalest = client;
      }
      if (stalest >= 0) {
        const word = control.clientWord(stalest, kClientState);
        const found = Atomics.load(control.words, word);
        const detached = seatWord(found >>> 2, ClientState.Detached);
        if (Atomics.compareExchange(control.words, word, found, detached) === found) return true;
        continue;
      }
      if (!undecided) return false;
      await new Promise((resolve) => setTimeout(resolve, HEARTBEAT_INTERVAL_MS / 4));
    }
  }

  /** Stops every worker: asks politely, then terminates those that did not stop in time. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.control.markClosed();
    this.control.wakeAllClients();
    for (let shard = 0; shard < this.workers.length; shard++) {
      if (this.live(shard)) void this.request(shard, { type: 'stop' }).catch(() => undefined);
    }
    await Promise.all(
      this.workers.map(async (worker, shard) => {
        const timer = setTimeout(() => void worker.terminate(), CLOSE_GRACE_MS);
        await this.exited[shard];
        clearTimeout(timer);
      }),
    );
    for (const port of this.ports) port.close();
    await this.store?.close();
  }
}
