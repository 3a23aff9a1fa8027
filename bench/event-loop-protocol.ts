// What the event-loop benchmark's three processes agree on: the stores, how a key and its value are
// spelled (so the load generator can check every value it reads), the HTTP routes, and the
// messages the processes send each other over their IPC channels.

/**
 * The stores compared, each in a fresh server process. 'none' holds no entries (a read computes the
 * loaded value, a write is kept in a small Map): the same HTTP loop with no cache, the floor that
 * the machine and node:http alone give the figures.
 */
export const STORES = ['none', 'map', 'lru-cache', 'slotdb'] as const;
export type StoreName = (typeof STORES)[number];

/** Bytes of every value, loaded or written. */
export const VALUE_BYTES = 32;

/** A request's path: `/key/<index>`; GET reads the key, PUT writes its body as the new value. */
export const KEY_PATH = '/key/';

const KEY_PREFIX = 'key:';

export function keyOf(index: number | string): string {
  return `${KEY_PREFIX}${index}`;
}

/** The index in a key made by keyOf. */
export function indexOfKey(key: string): number {
  return Number(key.slice(KEY_PREFIX.length));
}

/**
 * The value of key `index` at `version`: the loaded value is version 0, each write carries a new
 * version. Both numbers are in the value, so a reader can tell a value of another key or one never
 * written from the right one.
 */
export function valueAt(index: number, version: number): string {
  return `${index}.${version}.`.padEnd(VALUE_BYTES, '#');
}

/** The version in a value of key `index`, or -1 if the value is not one of that key's. */
export function versionIn(value: string, index: number): number {
  if (value.length !== VALUE_BYTES) return -1;
  const parts = value.split('.');
  if (parts.length !== 3 || parts[0] !== String(index)) return -1;
  if (parts[2] !== '#'.repeat(parts[2]!.length)) return -1;
  const version = Number(parts[1]);
  return Number.isInteger(version) && version >= 0 ? version : -1;
}

/** What the server process is told to run (its first argument, as JSON). */
export interface ServerConfig {
  readonly store: StoreName;
  readonly keys: number;
  /** monitorEventLoopDelay's sampling interval. */
  readonly resolutionMs: number;
}

/** What the load generator is told to run (its first argument, as JSON). */
export interface LoadConfig {
  readonly port: number;
  readonly keys: number;
  readonly rate: number;
  readonly connections: number;
  readonly warmupMs: number;
  readonly steadyMs: number;
  readonly seed: number;
}

/** Pause totals of the main thread's garbage collector over a phase. */
export interface GcFigures {
  readonly count: number;
  readonly totalMs: number;
  readonly maxMs: number;
  /** Of those, the old generation's: mark-compact pauses and incremental marking steps. */
  readonly markCompactCount: number;
  readonly markCompactMs: number;
}

/** The server, once its store is loaded and checked and it listens. */
export interface ServerReady {
  readonly kind: 'ready';
  readonly port: number;
  readonly loadMs: number;
  readonly loadGc: GcFigures;
  /** How long a forced full collection took right after the load. */
  readonly fullGcMs: number;
  /** used_heap_size after the load and a full collection. */
  readonly heapAfterLoadBytes: number;
}

/** The server's figures of the steady phase, sent when told to stop. */
export interface ServerFigures {
  readonly kind: 'figures';
  /** Event-loop delay: how late the monitor's timer fired, its interval taken off. */
  readonly delayP50Ms: number;
  readonly delayP99Ms: number;
  readonly delayMaxMs: number;
  readonly delaySamples: number;
  readonly gc: GcFigures;
  /** Share of the steady phase the main thread's event loop was busy (not waiting for I/O). */
  readonly loopBusyShare: number;
  /** CPU time of the whole process (every thread) a second of the steady phase, in cores. */
  readonly processCores: number;
  /** used_heap_size at the end, after a full collection. */
  readonly heapAtEndBytes: number;
  /** The whole process's resident memory at the end: a shard's heap counts here, not above. */
  readonly rssAtEndBytes: number;
}

/** The load generator's figures of the steady phase. */
export interface LoadFigures {
  readonly kind: 'figures';
  readonly requests: number;
  readonly seconds: number;
  /** Requests the generator did not send because too many were waiting (the server fell behind). */
  readonly skipped: number;
  readonly latencyP50Ms: number;
  readonly latencyP99Ms: number;
  readonly latencyMaxMs: number;
  /** Wrong values, failed requests and unexpected statuses; any one fails the benchmark. */
  readonly errors: number;
  readonly firstError: string;
}

/** The orchestrator to the server: the steady phase starts, or it ended. */
export type ServerCommand = { readonly kind: 'measure' } | { readonly kind: 'stop' };

/** The load generator to the orchestrator: its warm-up ended. */
export interface LoadMeasuring {
  readonly kind: 'measuring';
}
