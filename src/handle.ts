// Handles, as an attaching thread sees them: `SlotDB.attach()` checks every field of a handle before
// it maps anything (a forged or damaged handle fails here with a HandleError naming the field, not
// later inside a flush microtask), then claims the handle's seat with one compare-exchange of the
// seat's state word, so of two threads given the same handle exactly one wins. An attached thread's
// Heartbeat bumps its seat's heartbeat word, from which the opening thread tells a thread that
// exited without close() (src/shard-pool.ts reclaims its seat).

import type { ClientRings, ClientTuning } from './client/client.js';
import { ClientClosedError, HandleError } from './errors.js';
import { PROFILE_SLAB_BYTES } from './profiler/slab.js';
import {
  CLIENT_STATE_MASK,
  ClientState,
  CONTROL_BLOCK_BYTES,
  ControlBlock,
  GENERATION_MASK,
  kClientHeartbeat,
  kClientState,
  seatWord,
} from './shared/control-block.js';
import {
  CLIENT_SPIN_US_MAX,
  CLIENTS_MAX,
  HEARTBEAT_INTERVAL_MS,
  PENDING_MAX_MAX,
  RING_BYTES_MAX,
  RING_BYTES_MIN,
} from './shared/limits.js';

/** Bytes a ringbuf.js ring of `capacity` bytes takes: 8 header bytes and one spare element. */
const RING_OVERHEAD_BYTES = 9;

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return `an array of ${value.length}`;
  if (typeof value === 'object') return `a ${value.constructor?.name ?? 'object'}`;
  if (typeof value === 'string') return 'a string';
  return `${typeof value} ${String(value)}`;
}

function record(value: unknown, field: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new HandleError(field, `must be an object made by db.handle(), got ${describe(value)}`);
  }
  return value as Record<string, unknown>;
}

function integer(value: unknown, field: string, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new HandleError(field, `must be an integer in ${min}..${max}, got ${describe(value)}`);
  }
  return value;
}

function sharedBuffer(value: unknown, field: string, min: number, max = min): SharedArrayBuffer {
  if (!(value instanceof SharedArrayBuffer)) {
    throw new HandleError(field, `must be a SharedArrayBuffer, got ${describe(value)}`);
  }
  if (value.byteLength < min || value.byteLength > max) {
    const size = min === max ? `${min}` : `${min}..${max}`;
    throw new HandleError(field, `must be ${size} bytes, got ${value.byteLength}`);
  }
  return value;
}

function rings(value: unknown, field: string, shards: number): SharedArrayBuffer[] {
  if (!Array.isArray(value) || value.length !== shards) {
    throw new HandleError(field, `must be an array of ${shards} rings, got ${describe(value)}`);
  }
  const min = RING_BYTES_MIN + RING_OVERHEAD_BYTES;
  const max = RING_BYTES_MAX + RING_OVERHEAD_BYTES;
  const result = value.map((ring, shard) => sharedBuffer(ring, `${field}[${shard}]`, min, max));
  const size = result[0]?.byteLength;
  for (let shard = 1; shard < result.length; shard++) {
    if (result[shard]!.byteLength !== size)
      throw new HandleError(`${field}[${shard}]`, `must be ${size} bytes as the other rings`);
  }
  return result;
}

/** Checks every field of a handle; returns its parts, with the control block mapped. */
export function checkHandle(handle: unknown): {
  control: ControlBlock;
  rings: ClientRings;
  tuning: ClientTuning;
} {
  const fields = record(handle, 'handle');
  const control = new ControlBlock(sharedBuffer(fields.control, 'control', CONTROL_BLOCK_BYTES));
  const ringFields = record(fields.rings, 'rings');
  const client = integer(ringFields.client, 'rings.client', 0, CLIENTS_MAX - 1);
  if (client === 0) {
    throw new HandleError('rings.client', "names the opening thread's seat (0), never handed out");
  }
  const generation = integer(ringFields.generation, 'rings.generation', 1, GENERATION_MASK);
  // One ring pair per worker seat (primaries, replicas and the seats kept for replacements).
  const workers = control.workerCount;
  const requests = rings(ringFields.requests, 'rings.requests', workers);
  const replies = rings(ringFields.replies, 'rings.replies', workers);
  const profile = sharedBuffer(ringFields.profile, 'rings.profile', PROFILE_SLAB_BYTES);
  const tuningFields = record(fields.tuning, 'tuning');
  const tuning = {
    spinMicros: integer(tuningFields.spinMicros, 'tuning.spinMicros', 0, CLIENT_SPIN_US_MAX),
    pendingMax: integer(tuningFields.pendingMax, 'tuning.pendingMax', 0, PENDING_MAX_MAX),
  };
  return { control, rings: { client, generation, requests, replies, profile }, tuning };
}

/**
 * Moves the handle's seat from Handed to Active, atomically: the one thread that does attaches.
 * Throws a HandleError saying why otherwise (attached already, closed, or stale).
 */
export function claimSeat(control: ControlBlock, rings: ClientRings): void {
  if (control.closed) throw new ClientClosedError('The database is closed');
  const word = control.clientWord(rings.client, kClientState);
  const handed = seatWord(rings.generation, ClientState.Handed);
  const found = Atomics.compareExchange(
    control.words,
    word,
    handed,
    seatWord(rings.generation, ClientState.Active),
  );
  if (found === handed) return;
  if (found >>> 2 !== (rings.generation & GENERATION_MASK)) {
    throw new HandleError('handle', 'is stale: its seat was reclaimed (see db.handle())');
  }
  const state = found & CLIENT_STATE_MASK;
  throw new HandleError(
    'handle',
    state === ClientState.Active
      ? 'is attached already: a handle serves one thread (make one per thread with db.handle())'
      : 'is stale: the thread that attached it closed',
  );
}

/**
 * An attached thread's timer: bumps the seat's heartbeat word every HEARTBEAT_INTERVAL_MS (which
 * also keeps the thread alive, as a connected node-redis client does), and calls `revoked` once if
 * the opener reclaimed the seat (this thread's event loop was stalled past the grace period).
 */
export function startHeartbeat(
  control: ControlBlock,
  rings: ClientRings,
  revoked: (error: HandleError) => void,
): ReturnType<typeof setInterval> {
  const beat = control.clientWord(rings.client, kClientHeartbeat);
  const state = control.clientWord(rings.client, kClientState);
  const active = seatWord(rings.generation, ClientState.Active);
  Atomics.add(control.words, beat, 1);
  const timer = setInterval(() => {
    if (Atomics.load(control.words, state) !== active) {
      clearInterval(timer);
      revoked(
        new HandleError('handle', 'is stale: its seat was reclaimed while this thread stalled'),
      );
      return;
    }
    Atomics.add(control.words, beat, 1);
  }, HEARTBEAT_INTERVAL_MS);
  return timer;
}
