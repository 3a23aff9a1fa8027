// Options of SlotDB.open(), checked once at open: a wrong type or range is rejected with an error
// that names the option, and so is an option slotdb does not know.

import { availableParallelism } from 'node:os';
import { OptionError } from './errors.js';
import {
  PERSISTENCE_OPTION_NAMES,
  type PersistenceOptions,
  persistenceSettings,
} from './persistence/options.js';
import {
  CLIENT_SPIN_US_MAX,
  MIN_REPLICAS_MAX_LAG_MS_DEFAULT,
  PENDING_MAX_DEFAULT,
  PENDING_MAX_MAX,
  REPLICAS_MAX,
  RING_BYTES_DEFAULT,
  RING_BYTES_MAX,
  RING_BYTES_MIN,
  SHARD_SPIN_US_MAX,
  SHARDS_MAX,
} from './shared/limits.js';
import type { PersistenceInit } from './shared/persistence-messages.js';

export interface OpenOptions extends PersistenceOptions {
  /**
   * Shard worker threads. Default: one per core beyond the first (the calling thread keeps one
   * core), and at least one: `max(1, availableParallelism() - 1)`.
   */
  shards?: number;
  /** Bytes of each request and reply ring. Default 1 MiB. */
  ringBytes?: number;
  /**
   * How long, in µs, a client keeps polling for replies before it sleeps on its doorbell. Default
   * 50 µs: long enough to catch a reply from an idle shard (a few µs) without a wake-up.
   */
  clientSpinMicros?: number;
  /**
   * How long, in µs, an idle shard keeps polling its rings before it parks. Default 50 µs when
   * every shard and the client have a core of their own, 10 µs when they share cores.
   */
  shardSpinMicros?: number;
  /** Commands one client thread may have in flight; 0 means no limit but the table's (4,194,304). */
  pendingMax?: number;
  /**
   * Replica workers per shard (0..4, default 0). Each holds a full copy of its primary's slots and
   * follows its journal; when a primary dies, its most advanced replica takes over its slots.
   * `shards * (1 + replicas)` may be at most 64 workers.
   */
  replicas?: number;
  /**
   * Where reads go: 'primary' (default) or 'replica': a read-only command goes to a replica of
   * its key's shard that streams and holds every write the calling thread may have seen there
   * (so a thread's reads never go back), the primary otherwise. Writes, blocking commands,
   * transactions and WAIT always go to the primary. `db.withReadFrom()` chooses per call.
   */
  readFrom?: 'primary' | 'replica';
  /**
   * Writes to a shard with fewer good replicas than this are refused with NOREPLICAS (Redis's
   * min-replicas-to-write). A good replica streams and acknowledged within `minReplicasMaxLagMs`.
   * Default 0: writes never wait for replicas.
   */
  minReplicasToWrite?: number;
  /** How old a replica's last acknowledgement may be for it to count as good (ms, default 10 s). */
  minReplicasMaxLagMs?: number;
}

export interface ResolvedOptions {
  readonly shards: number;
  readonly ringBytes: number;
  readonly clientSpinMicros: number;
  readonly shardSpinMicros: number;
  readonly pendingMax: number;
  readonly replicas: number;
  readonly readFrom: 'primary' | 'replica';
  readonly minReplicasToWrite: number;
  readonly minReplicasMaxLagMs: number;
  /** Worker seats: the shards' primaries and replicas, and seats for replacements (workerSeats). */
  readonly workers: number;
  /** With `dir`: how the data is kept on disk (src/persistence/options.ts). */
  readonly persistence: Omit<PersistenceInit, 'files'> | undefined;
}

const CLIENT_SPIN_US_DEFAULT = 50;
const SHARD_SPIN_US_ALONE = 50;
const SHARD_SPIN_US_SHARED = 10;

const KNOWN = new Set([
  'shards',
  'ringBytes',
  'clientSpinMicros',
  'shardSpinMicros',
  'pendingMax',
  'replicas',
  'readFrom',
  'minReplicasToWrite',
  'minReplicasMaxLagMs',
  ...PERSISTENCE_OPTION_NAMES,
]);

/** An integer option within [min, max], or `fallback` when absent; OptionError otherwise. */
export function integerOption(
  options: Record<string, unknown>,
  name: string,
  min: number,
  max: number,
  fallback: number,
): number {
  const value = options[name];
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new OptionError(name, `an integer from ${min} to ${max}`, value);
  }
  return value;
}

export function defaultShardCount(): number {
  return Math.max(1, Math.min(SHARDS_MAX, availableParallelism() - 1));
}

/**
 * Checks that `options` is a plain object (not null, an array or a class instance) whose every
 * name is in `known`; throws an OptionError naming the first that is not.
 */
export function checkOptionNames(options: unknown, known: ReadonlySet<string>): void {
  const prototype =
    options === null || typeof options !== 'object' ? undefined : Object.getPrototypeOf(options);
  if (prototype !== Object.prototype && prototype !== null) {
    throw new OptionError('options', 'a plain object', options);
  }
  const record = options as Record<string, unknown>;
  for (const name of Object.keys(record)) {
    if (!known.has(name))
      throw new OptionError(name, `one of ${[...known].join(', ')} (unknown option)`, record[name]);
  }
}

/**
 * Worker seats: one per shard without replicas (nothing is ever replaced); with replicas, the
 * primaries and replicas plus seats for replacements: twice as many as there are workers, at least
 * REPLACEMENT_SEATS_MIN, within SHARDS_MAX. Every client thread has rings to every seat, and a seat
 * serves one worker for the database's life, so this bounds the replacements (docs/replication.md).
 */
function workerSeats(shards: number, replicas: number): number {
  if (replicas === 0) return shards;
  const workers = shards * (1 + replicas);
  return Math.min(SHARDS_MAX, workers + Math.max(REPLACEMENT_SEATS_MIN, 2 * workers));
}

const REPLACEMENT_SEATS_MIN = 16;

export function resolveOptions(options: OpenOptions = {}): ResolvedOptions {
  checkOptionNames(options, KNOWN);
  const record = options as Record<string, unknown>;
  const shards = integerOption(record, 'shards', 1, SHARDS_MAX, defaultShardCount());
  const replicas = integerOption(record, 'replicas', 0, REPLICAS_MAX, 0);
  if (shards * (1 + replicas) > SHARDS_MAX) {
    throw new OptionError(
      'replicas',
      `at most ${Math.floor(SHARDS_MAX / shards) - 1} with shards: ${shards} (shards * (1 + replicas) workers, at most ${SHARDS_MAX})`,
      replicas,
    );
  }
  const readFrom = record.readFrom ?? 'primary';
  if (readFrom !== 'primary' && readFrom !== 'replica') {
    throw new OptionError('readFrom', "'primary' or 'replica'", readFrom);
  }
  const coresShared = shards * (1 + replicas) + 1 > availableParallelism();
  return {
    shards,
    replicas,
    readFrom,
    minReplicasToWrite: integerOption(record, 'minReplicasToWrite', 0, replicas, 0),
    minReplicasMaxLagMs: integerOption(
      record,
      'minReplicasMaxLagMs',
      1,
      2 ** 31 - 1,
      MIN_REPLICAS_MAX_LAG_MS_DEFAULT,
    ),
    workers: workerSeats(shards, replicas),
    persistence: persistenceSettings(record),
    ringBytes: integerOption(
      record,
      'ringBytes',
      RING_BYTES_MIN,
      RING_BYTES_MAX,
      RING_BYTES_DEFAULT,
    ),
    clientSpinMicros: integerOption(
      record,
      'clientSpinMicros',
      0,
      CLIENT_SPIN_US_MAX,
      CLIENT_SPIN_US_DEFAULT,
    ),
    shardSpinMicros: integerOption(
      record,
      'shardSpinMicros',
      0,
      SHARD_SPIN_US_MAX,
      coresShared ? SHARD_SPIN_US_SHARED : SHARD_SPIN_US_ALONE,
    ),
    pendingMax: integerOption(record, 'pendingMax', 0, PENDING_MAX_MAX, PENDING_MAX_DEFAULT),
  };
}
