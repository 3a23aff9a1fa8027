// What the migration code needs from the shard that runs it. The shard implements it; keeping it
// an interface lets the migration files read as the migration rules, not as shard plumbing.

import type { ControlBlock } from '../src/shared/control-block.js';
import type { ShardEvent, ShardFaults } from '../src/shared/control-messages.js';
import type { FrameWriter } from '../src/shared/ring.js';
import type { Keyspace } from './keyspace/keyspace.js';
import type { ReplicaAcks } from './migration/durability.js';
import type { ShardProfiler } from './profiler.js';

export interface ShardContext {
  readonly id: number;
  readonly control: ControlBlock;
  readonly keyspace: Keyspace;
  /** Injected faults (tests, stall rehearsal); empty in normal operation. */
  readonly faults: ShardFaults;
  /** Set while a profile runs. */
  readonly profiler: ShardProfiler | undefined;
  /** The journal and the replicas' acknowledgements (none in a unit test's fake shard). */
  readonly replication?: ReplicaAcks;
  /**
   * The journal offset the log holds on disk when every write is fsynced (appendfsync 'always');
   * Infinity otherwise. A move waits for it as for the replicas (durability.ts).
   */
  durableOffset?(): number;
  /** Executes a request frame here; the reply goes to the client named in the frame. */
  execute(buf: Buffer, at: number): void;
  /** Hands a request frame to another shard (FORWARD); returns its sequence number on that ring. */
  forward(peer: number, buf: Buffer, at: number): number;
  /** Answers a request frame with an error reply instead of executing it. */
  executeError(buf: Buffer, at: number, text: string): void;
  /** Answers a client's request with an error reply (for requests a dead peer never executed). */
  replyError(client: number, id: number, text: string): void;
  /** The ring writer towards a peer shard. */
  peerWriter(peer: number): FrameWriter;
  /** Pushes what was staged for a peer, and wakes it if it sleeps, at the end of this loop turn. */
  flushPeer(peer: number): void;
  /** Sends an event (migration progress, outcome) to the opening thread at the end of the turn. */
  post(event: ShardEvent): void;
  /** Forgets a finished migration. */
  finished(migration: number): void;
  /** `dead` died during migration `migration` of `slot`, holding keys of it (lost-keys.ts). */
  lostKeys(migration: number, slot: number, dead: number): void;
  /** Records that `slot` was handed to `target`, where stragglers for it go. */
  handedOver(slot: number, target: number): void;
  /**
   * Sends the requests blocked on keys of `slot` (BLPOP...) through `send`, with the time each has
   * left: the slot starts moving away, or goes back to its source after a cancel.
   */
  handOffBlocked(slot: number, send: (frame: Buffer) => void): void;
}
