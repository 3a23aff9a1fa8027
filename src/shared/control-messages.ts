// Control messages between the opening thread and its shards. They travel by postMessage on a
// dedicated MessageChannel (never on the data path) and are rare: start, attach and detach a client
// thread, stop. A shard reads its port synchronously (receiveMessageOnPort) when the control
// counter in its doorbell line changes, so its loop never has to yield to an event loop.

import type { MessagePort } from 'node:worker_threads';

/** workerData of a shard worker. */
export interface ShardInit {
  readonly shard: number;
  readonly control: SharedArrayBuffer;
  readonly port: MessagePort;
  readonly shardSpinMicros: number;
}

export type ToShard =
  | { readonly type: 'attach'; readonly client: number; readonly requests: SharedArrayBuffer; readonly replies: SharedArrayBuffer }
  | { readonly type: 'detach'; readonly client: number }
  | { readonly type: 'stop' };

export type FromShard =
  | { readonly type: 'ready' }
  | { readonly type: 'attached'; readonly client: number }
  | { readonly type: 'detached'; readonly client: number };
