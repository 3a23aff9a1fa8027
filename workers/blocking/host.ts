// What blocking needs from its shard (workers/shard.ts implements it; unit tests give a small
// one), and the checks and replies it makes through it.

import { beginReply, endFrame, putNil, SEAT_GENERATION_MASK } from '../../src/shared/codec.js';
import {
  CLIENT_STATE_MASK,
  ClientState,
  type ControlBlock,
  kClientClosing,
  kClientState,
  ShardState,
} from '../../src/shared/control-block.js';
import type { FrameWriter } from '../../src/shared/ring.js';
import type { Keyspace } from '../keyspace/keyspace.js';
import type { BlockedRequest } from './request.js';

export interface BlockingHost {
  readonly id: number;
  /** Called before a frame leaves the shard (appendfsync 'always' fsyncs there). */
  beforeOutput(): void;
  readonly control: ControlBlock;
  readonly keyspace: Keyspace;
  readonly clients: {
    readonly byId: readonly (
      | { readonly generation: number; readonly replies: FrameWriter; dirty: boolean }
      | undefined
    )[];
    flushDirty(): void;
  };
  readonly execution: {
    mark: number;
    executeWith(buf: Buffer, at: number, errorText: string | undefined): void;
  };
  readonly migrations: {
    /** Slots imported here: from which shard, in which migration. */
    readonly incoming: readonly (
      | { readonly peer: number; readonly migration: number }
      | undefined
    )[];
    /** Slots moving away from here: whether a blocked request may write these keys now. */
    readonly outgoing: readonly ({ mayServe(keys: readonly string[]): boolean } | undefined)[];
  };
  readonly peers: {
    readonly byId: readonly unknown[];
    writer(peer: number): FrameWriter;
    flushPeer(peer: number): void;
  };
}

/** Whether shard `shard` has not died. */
export function shardAlive(control: ControlBlock, shard: number): boolean {
  return control.shardState(shard) !== ShardState.Dead;
}

/**
 * Whether `request`'s caller still waits for it: the thread that sent it holds its seat (the same
 * generation, as execution.ts checks), has not closed (the seat's closing word, set by close()),
 * and the shard it sent the request to, when that shard forwarded it here, has not died (the
 * caller then failed it with ShardDownError). A request nobody waits for must pop nothing.
 */
export function callerAlive(host: BlockingHost, request: BlockedRequest): boolean {
  const link = host.clients.byId[request.client];
  if (link === undefined || link.generation !== request.generation) return false;
  const control = host.control;
  const seat = Atomics.load(control.words, control.clientWord(request.client, kClientState));
  if ((seat & CLIENT_STATE_MASK) !== ClientState.Active) return false;
  if (((seat >>> 2) & SEAT_GENERATION_MASK) !== request.generation) return false;
  if (Atomics.load(control.words, control.clientWord(request.client, kClientClosing)) === seat) {
    return false;
  }
  return request.origin < 0 || shardAlive(control, request.origin);
}

/** Stages the null a blocking command answers on timeout (its client's link is marked dirty). */
export function replyNil(host: BlockingHost, request: BlockedRequest): void {
  const link = host.clients.byId[request.client]!;
  const start = beginReply(link.replies, request.id);
  putNil(link.replies);
  endFrame(link.replies, start);
  link.dirty = true;
}
