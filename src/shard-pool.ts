// The shard workers of a database, as seen from the thread that opened it: starting them with the
// initial slot map, attaching client threads (rings for every shard), noticing a worker that dies,
// and stopping them. Only the opening thread has a ShardPool; attached threads only have rings.

import { MessageChannel, type MessagePort, Worker } from 'node:worker_threads';
import { ClientState, ControlBlock, ShardState, kClientState } from './shared/control-block.js';
import type { FromShard, ShardInit, ToShard } from './shared/control-messages.js';
import { CLIENTS_MAX, CLOSE_GRACE_MS, SLOT_COUNT } from './shared/limits.js';
import { createRingStorage } from './shared/ring.js';
import type { ClientRings } from './client.js';
import type { ResolvedOptions } from './options.js';

const SHARD_SCRIPT = new URL('../workers/shard.js', import.meta.url);

interface Ack {
  readonly type: FromShard['type'];
  readonly resolve: () => void;
  readonly reject: (error: Error) => void;
}

export class ShardPool {
  readonly control = new ControlBlock();
  readonly options: ResolvedOptions;
  readonly workers: Worker[] = [];
  private readonly ports: MessagePort[] = [];
  /** Per shard, the acknowledgements it owes, in the order it will send them. */
  private readonly acks: Ack[][] = [];
  private readonly exited: Promise<number>[] = [];
  private stopping = false;

  private constructor(options: ResolvedOptions) {
    this.options = options;
  }

  /** Starts `options.shards` workers; slots are split into contiguous ranges, as Redis Cluster does. */
  static async start(options: ResolvedOptions): Promise<ShardPool> {
    const pool = new ShardPool(options);
    const control = pool.control;
    control.shardCount = options.shards;
    for (let slot = 0; slot < SLOT_COUNT; slot++) {
      control.owner[slot] = Math.floor((slot * options.shards) / SLOT_COUNT);
    }
    control.bumpEpoch();
    const ready: Promise<void>[] = [];
    for (let shard = 0; shard < options.shards; shard++) ready.push(pool.spawn(shard));
    try {
      await Promise.all(ready);
    } catch (error) {
      await pool.stop();
      throw error;
    }
    return pool;
  }

  private spawn(shard: number): Promise<void> {
    const { port1, port2 } = new MessageChannel();
    const init: ShardInit = {
      shard,
      control: this.control.sab,
      port: port2,
      shardSpinMicros: this.options.shardSpinMicros,
    };
    const worker = new Worker(SHARD_SCRIPT, { workerData: init, transferList: [port2], name: `slotdb-shard-${shard}` });
    this.workers[shard] = worker;
    this.ports[shard] = port1;
    this.acks[shard] = [];
    const ready = this.expect(shard, 'ready');
    port1.on('message', (message: FromShard) => this.onMessage(shard, message));
    port1.unref();
    worker.on('error', (error) => {
      if (!this.stopping) console.error(`slotdb: shard ${shard} failed:`, error);
    });
    this.exited[shard] = new Promise((resolve) => worker.once('exit', resolve));
    void this.exited[shard]!.then((code) => this.onExit(shard, code));
    return ready;
  }

  private expect(shard: number, type: FromShard['type']): Promise<void> {
    return new Promise((resolve, reject) => this.acks[shard]!.push({ type, resolve, reject }));
  }

  private onMessage(shard: number, message: FromShard): void {
    const ack = this.acks[shard]!.shift();
    if (ack === undefined || ack.type !== message.type) {
      throw new Error(`slotdb: shard ${shard} sent '${message.type}', expected '${ack?.type ?? 'nothing'}'`);
    }
    ack.resolve();
  }

  private onExit(shard: number, code: number): void {
    const control = this.control;
    if (control.shardState(shard) !== ShardState.Stopped) {
      control.setShardState(shard, ShardState.Dead, code);
      control.wakeAllClients();
    }
    for (const ack of this.acks[shard]!.splice(0)) ack.reject(new Error(`slotdb: shard ${shard} exited with code ${code}`));
  }

  private post(shard: number, message: ToShard): void {
    this.ports[shard]!.postMessage(message);
    this.control.signalControl(shard);
  }

  private live(shard: number): boolean {
    const state = this.control.shardState(shard);
    return state === ShardState.Starting || state === ShardState.Running;
  }

  /** Allocates a client slot and its rings, and registers them with every live shard. */
  async attachClient(): Promise<ClientRings> {
    await this.reclaimDetached();
    const control = this.control;
    let client = -1;
    for (let candidate = 0; candidate < CLIENTS_MAX; candidate++) {
      const word = control.clientWord(candidate, kClientState);
      if (Atomics.compareExchange(control.words, word, ClientState.Free, ClientState.Active) === ClientState.Free) {
        client = candidate;
        break;
      }
    }
    if (client < 0) throw new Error(`slotdb: all ${CLIENTS_MAX} client thread slots are in use`);
    const requests: SharedArrayBuffer[] = [];
    const replies: SharedArrayBuffer[] = [];
    const acks: Promise<void>[] = [];
    for (let shard = 0; shard < this.options.shards; shard++) {
      requests.push(createRingStorage(this.options.ringBytes));
      replies.push(createRingStorage(this.options.ringBytes));
      if (!this.live(shard)) continue;
      acks.push(this.expect(shard, 'attached').catch(() => undefined));
      this.post(shard, { type: 'attach', client, requests: requests[shard]!, replies: replies[shard]! });
    }
    await Promise.all(acks);
    return { client, requests, replies };
  }

  /** Frees the slots of client threads that detached, once every shard dropped their rings. */
  private async reclaimDetached(): Promise<void> {
    const control = this.control;
    for (let client = 0; client < CLIENTS_MAX; client++) {
      const word = control.clientWord(client, kClientState);
      if (Atomics.load(control.words, word) !== ClientState.Detached) continue;
      const acks: Promise<void>[] = [];
      for (let shard = 0; shard < this.options.shards; shard++) {
        if (!this.live(shard)) continue;
        acks.push(this.expect(shard, 'detached').catch(() => undefined));
        this.post(shard, { type: 'detach', client });
      }
      await Promise.all(acks);
      Atomics.store(control.words, word, ClientState.Free);
    }
  }

  /** Stops every worker: asks politely, then terminates those that did not stop in time. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.control.markClosed();
    this.control.wakeAllClients();
    for (let shard = 0; shard < this.workers.length; shard++) {
      if (this.live(shard)) this.post(shard, { type: 'stop' });
    }
    await Promise.all(
      this.workers.map(async (worker, shard) => {
        const timer = setTimeout(() => void worker.terminate(), CLOSE_GRACE_MS);
        await this.exited[shard];
        clearTimeout(timer);
      }),
    );
    for (const port of this.ports) port.close();
  }
}
