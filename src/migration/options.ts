// What a caller may ask of a migration, and what it hears back: the options of migrateSlot,
// migrateSlots and rebalance, checked here against the bounds in src/shared/limits.ts, and the
// events and summaries a move produces.

import { OptionError } from '../errors.js';
import { integerOption } from '../options.js';
import type {
  LockMode,
  MigrationOutcome,
  MigrationPlan,
  MigrationReport,
  MoveOrder,
  Pace,
} from '../shared/control-messages.js';
import {
  BATCH_BYTES_DEFAULT,
  BATCH_BYTES_MAX,
  BATCH_BYTES_MIN,
  BATCH_KEYS_DEFAULT,
  BATCH_KEYS_MAX,
  BYTES_PER_SECOND_MAX,
  KEYS_PER_SECOND_MAX,
  PIECE_BYTES_DEFAULT,
  PIECE_BYTES_MAX,
  PIECE_BYTES_MIN,
  WINDOW_DEFAULT,
  WINDOW_MAX,
} from '../shared/limits.js';

export interface MigrateOptions {
  /** Keys per batch (default 256). */
  batchKeys?: number;
  /** Bytes per batch (default 256 KiB). */
  batchBytes?: number;
  /** Unacknowledged batches at most (default 4). */
  window?: number;
  /**
   * A hash, list, set or sorted set whose byte form would pass this many bytes travels in pieces
   * of about this size and stays writable while it moves (default 64 KiB, at least 32 KiB).
   * 2^32 - 1 sends every value whole in one batch entry, locked while in flight.
   */
  pieceBytes?: number;
  /** 'key' (default): only keys in flight wait. 'slot': every request for the slot waits (baseline). */
  lock?: LockMode;
  /** Cancels the migration: the promise rejects with an AbortError, as fetch does. */
  signal?: AbortSignal;
  /**
   * How fast slots move. 'adaptive' (the default): as fast as the clients leave room for; the source
   * measures what the clients get done and shrinks or grows the move's share of the CPU to keep
   * them at about 0.92 to 0.96 of their rate without a move; with no client load it moves at full
   * speed. 'max': as fast as the shards can, whatever the load. Setting keysPerSecond or
   * bytesPerSecond without `pace` means 'max' under those limits (a fixed rate); with
   * `pace: 'adaptive'` they are ceilings over the adaptive rate.
   */
  pace?: Pace;
  /**
   * Keys per second each source shard may move, over all slots of the call (default: no limit).
   * Throttling leaves the shards more time for their clients while slots move; the move takes
   * longer.
   */
  keysPerSecond?: number;
  /** Bytes per second each source shard may move, keys and values (default: no limit). */
  bytesPerSecond?: number;
  /**
   * With replicas: how many replicas of the receiving shard must hold a batch before it is
   * acknowledged (and of the source, a moved key's deletion before its requests go to the target),
   * so that a failover of either shard loses no key of the move. Default: every replica that
   * streams. 0: do not wait (faster; a failover may lose keys the move acknowledged). At most the
   * database's `replicas`.
   */
  replicas?: number;
}

export interface MigrateSlotsOptions extends MigrateOptions {
  /** Slots moving at once (default 4). */
  parallel?: number;
}

export interface RebalanceOptions extends MigrateSlotsOptions {
  /** What to even out: keys per shard (default) or slots per shard. */
  by?: 'keys' | 'slots';
  /** Relative capacity per shard (default all 1): shard i gets weights[i] / sum of the total. */
  weights?: readonly number[];
}

export interface MigrationSummary {
  readonly slots: number;
  readonly keys: number;
  readonly bytes: number;
  readonly durationMs: number;
  readonly reports: readonly MigrationReport[];
}

export type MigrationEventType = 'started' | 'batch' | MigrationOutcome;

/** Progress of one slot's move, for `db.on('migration', ...)`. */
export interface MigrationEvent {
  readonly type: MigrationEventType;
  readonly slot: number;
  readonly source: number;
  readonly target: number;
  /** Keys moved (acknowledged by the target) so far. */
  readonly keys: number;
  /** Keys still on the source, when known. */
  readonly keysLeft?: number;
  readonly bytes: number;
  readonly batches: number;
  /** On completed, cancelled and failed. */
  readonly report?: MigrationReport;
  readonly error?: string;
}

/** The options each migration method knows; any other name is refused (OptionError). */
export const MIGRATE_OPTION_NAMES: ReadonlySet<string> = new Set([
  'batchKeys',
  'batchBytes',
  'window',
  'pieceBytes',
  'lock',
  'signal',
  'keysPerSecond',
  'bytesPerSecond',
  'pace',
  'replicas',
]);
export const MIGRATE_SLOTS_OPTION_NAMES: ReadonlySet<string> = new Set([
  ...MIGRATE_OPTION_NAMES,
  'parallel',
]);
export const REBALANCE_OPTION_NAMES: ReadonlySet<string> = new Set([
  ...MIGRATE_SLOTS_OPTION_NAMES,
  'by',
  'weights',
]);

/**
 * The batch limits, lock mode and replicas of a move, checked (`replicasMax`: the database's
 * replicas per shard); throws OptionError naming a bad option.
 */
export function checkMigrateOptions(
  options: MigrateOptions,
  replicasMax: number,
): Pick<
  MigrationPlan,
  'lock' | 'batchKeys' | 'batchBytes' | 'window' | 'pieceBytes' | 'replicas' | 'pacedBatches'
> {
  if (options === null || typeof options !== 'object')
    throw new OptionError('options', 'an object', options);
  const record = options as Record<string, unknown>;
  const lock = options.lock ?? 'key';
  if (lock !== 'key' && lock !== 'slot') throw new OptionError('lock', "'key' or 'slot'", lock);
  if (options.signal !== undefined && !(options.signal instanceof AbortSignal)) {
    throw new OptionError('signal', 'an AbortSignal', options.signal);
  }
  const replicas = options.replicas;
  const pacedBatches =
    options.batchKeys === undefined &&
    options.batchBytes === undefined &&
    options.window === undefined;
  return {
    ...(pacedBatches ? { pacedBatches } : {}),
    ...(replicas === undefined
      ? {}
      : { replicas: integerOption(record, 'replicas', 0, replicasMax, 0) }),
    lock,
    batchKeys: integerOption(record, 'batchKeys', 1, BATCH_KEYS_MAX, BATCH_KEYS_DEFAULT),
    batchBytes: integerOption(
      record,
      'batchBytes',
      BATCH_BYTES_MIN,
      BATCH_BYTES_MAX,
      BATCH_BYTES_DEFAULT,
    ),
    window: integerOption(record, 'window', 1, WINDOW_MAX, WINDOW_DEFAULT),
    pieceBytes: integerOption(
      record,
      'pieceBytes',
      PIECE_BYTES_MIN,
      PIECE_BYTES_MAX,
      PIECE_BYTES_DEFAULT,
    ),
  };
}

/**
 * How an order moves its slots: `parallel` (checked by the caller) and the pace, checked. A fixed
 * rate without `pace` means 'max' under it, as keysPerSecond always did.
 */
export function checkMoveOrder(options: MigrateOptions, parallel: number): MoveOrder {
  const record = options as Record<string, unknown>;
  const keysPerSecond = integerOption(record, 'keysPerSecond', 0, KEYS_PER_SECOND_MAX, 0);
  const bytesPerSecond = integerOption(record, 'bytesPerSecond', 0, BYTES_PER_SECOND_MAX, 0);
  const pace = options.pace ?? (keysPerSecond > 0 || bytesPerSecond > 0 ? 'max' : 'adaptive');
  if (pace !== 'adaptive' && pace !== 'max')
    throw new OptionError('pace', "'adaptive' or 'max'", pace);
  return { parallel, keysPerSecond, bytesPerSecond, pace };
}
