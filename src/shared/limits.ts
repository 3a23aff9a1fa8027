// The bounds of the data path and of migration, with their reasons and units, and the defaults
// that sit between them. Bounds that shape a wire layout (field offsets, header sizes) live beside
// that layout (codec.ts, peer-frames.ts); the bounds of options that belong to one feature live
// with it (the profiler's bucket and threshold bounds in src/profiler/profile.ts, the spin defaults
// in src/options.ts). Relations between the bounds are checked once, at load, at the bottom.

import { InvariantError } from '../errors.js';
import { BATCH_HEADER_BYTES, ENTRY_OVERHEAD_BYTES } from './peer-frames.js';

/** Hash slots, as in Redis Cluster: `keySlot(key)` is CRC16(key) mod this. */
export const SLOT_COUNT = 16384;

/**
 * Worker seats (primaries, replicas and the seats kept for replacements) are numbered
 * 0..SHARDS_MAX-1; the slot map stores an owner per slot in a Uint16. Without replicas a shard is
 * one worker, so this is also the most shards a database can have.
 */
export const SHARDS_MAX = 64;

/** Replicas per shard (`replicas` option). */
export const REPLICAS_MAX = 4;

/** Bytes of the ring that carries a primary's journal to one replica. */
export const REPLICATION_RING_BYTES = 4 * 1024 * 1024;

/**
 * Journal bytes a primary keeps staged for a replica that reads too slowly. Past this the replica
 * is dropped from the stream and gets a full copy once its ring drained (as Redis's
 * client-output-buffer-limit for replicas forces a full resync).
 */
export const REPLICA_BACKLOG_BYTES_MAX = 64 * 1024 * 1024;

/** A full copy sends at most this many keys per loop turn of its primary (whole slots). */
export const SYNC_TURN_KEYS = 4096;

/** `minReplicasMaxLagMs` default, as Redis's min-replicas-max-lag (10 s). */
export const MIN_REPLICAS_MAX_LAG_MS_DEFAULT = 10_000;

/** Client threads (the opening thread plus attached workers) that can share one database. */
export const CLIENTS_MAX = 64;

/**
 * Bytes of one request or response ring. A frame larger than a ring still travels (in pieces, the
 * reader reassembles it), so this bounds memory per (client, shard) pair, not the value size.
 */
export const RING_BYTES_DEFAULT = 1 << 20;
export const RING_BYTES_MIN = 1 << 12;
export const RING_BYTES_MAX = 1 << 30;

/**
 * Largest key or value in bytes. Redis allows 512 MiB (proto-max-bulk-len); a shard keeps values as
 * V8 one-byte strings, whose length limit is 2^29 - 24 on 64-bit Node, 24 bytes under Redis's.
 */
export const VALUE_BYTES_MAX = (1 << 29) - 24;

/** Largest frame on any ring: a value, its key and a few small arguments. */
export const FRAME_BYTES_MAX = VALUE_BYTES_MAX + (1 << 20);

/**
 * Largest reply value a shard builds: the frame limit less room for the reply header (12 bytes)
 * and a profiled reply's timing block (56 bytes), see codec.ts and timing-layout.ts; 128 bytes
 * leave room to spare (a unit test checks the sum). Handlers that
 * list keys or values (KEYS, SCAN, CLUSTER GETKEYSINSLOT, MGET) add up their reply's size and
 * answer an error before writing one past it; any other reply past the frame limit is dropped and
 * answered with the same error after it was built.
 */
export const REPLY_BYTES_MAX = FRAME_BYTES_MAX - 128;

/**
 * The longest key that a migration can move beside a value of VALUE_BYTES_MAX in one batch frame.
 * slotdb has no key limit of its own yet (a key may be as long as a value, as in Redis), so a key
 * longer than this next to a value near the limit makes a batch entry larger than a frame; the
 * sender cannot split an entry. Closing that gap (a key limit, or entries in pieces) is open work.
 */
export const KEY_BYTES_MIGRATABLE = 512 * 1024;

/** Arguments of one command, command name excluded. Bounds the shard's argument index arrays. */
export const ARGS_MAX = 1 << 20;

/**
 * Time a shard keeps polling its rings after its last piece of work before it parks in
 * Atomics.wait. A parked shard costs a futex wake (about 5 µs here) on the next request; a
 * spinning one costs a core. The default depends on whether the shards and the client have a
 * core each (options.ts: SHARD_SPIN_US_ALONE, SHARD_SPIN_US_SHARED).
 */
export const SHARD_SPIN_US_MAX = 10_000;

/** Longest a parked shard sleeps before it looks at its timers (active expiry) again. */
export const SHARD_PARK_MS_MAX = 100;

/** Time a client keeps polling for replies after a flush before it waits on its doorbell. */
export const CLIENT_SPIN_US_MAX = 10_000;

/** Longest an async client waits on its doorbell before it checks shard health again. */
export const CLIENT_WAIT_MS_MAX = 50;

/**
 * A client pushes a shard's staged requests as soon as this many bytes are staged, without waiting
 * for the end of the tick, so the shard starts on a long pipeline while the client still encodes it.
 */
export const REQUEST_STREAM_BYTES = 2 * 1024;

/**
 * A shard flushes its staged replies to the client's ring every this many bytes, so the client
 * can decode the head of a long pipeline while the shard works on its tail.
 */
export const REPLY_FLUSH_BYTES = 2 * 1024;

/**
 * A shard stops reading a client's requests while this many reply bytes wait for ring space, so
 * that a client that does not read its replies cannot make the shard buffer without bound.
 */
export const REPLY_STAGED_BYTES_MAX = 4 * 1024 * 1024;

/** Active expiry: how often a shard runs a cycle, as Redis's default `hz 10`. */
export const EXPIRE_CYCLE_INTERVAL_MS = 100;

/** Active expiry: keys one cycle may reclaim before it yields to requests. */
export const EXPIRE_CYCLE_KEYS_MAX = 2000;

/** Active expiry: time one cycle may take, so reclaiming never shows up as a long stall. */
export const EXPIRE_CYCLE_BUDGET_MS = 1;

/** Active expiry: when a cycle ran out of budget with keys still due, the next runs this soon. */
export const EXPIRE_CYCLE_BACKLOG_INTERVAL_MS = 5;

/** SCAN: slots one call may visit without finding a key, as Redis's `maxiterations = count*10`. */
export const SCAN_EMPTY_VISITS_PER_COUNT = 10;

/** Commands a client may have in flight before further calls are rejected (0 = no limit). */
export const PENDING_MAX_DEFAULT = 0;

/** Highest `pendingMax` accepted: the pending table's index field has 22 bits. */
export const PENDING_MAX_MAX = 1 << 22;

// ---- migration ------------------------------------------------------------------------------

/** Keys per batch: enough to amortise a batch's fixed cost, few enough to keep each lock short. */
export const BATCH_KEYS_DEFAULT = 256;
export const BATCH_KEYS_MAX = 1 << 16;

/** Bytes per batch (a batch holds at least one key, whatever its size). */
export const BATCH_BYTES_DEFAULT = 256 * 1024;
export const BATCH_BYTES_MIN = 1024;
export const BATCH_BYTES_MAX = 64 * 1024 * 1024;

/**
 * Big keys: a collection whose byte form would pass this many bytes does not travel in a batch
 * entry but in PIECE frames of about this size, while it stays writable on the source
 * (docs/migration.md, "Big keys"). Bounds the time a shard spends on one piece: measured on the
 * 2-core test machine, about 0.1 ms to build and 1.5-2 ms to apply 64 KiB of a hash or sorted set
 * of short members, twice that at 128 KiB (bench/big-keys.ts has the end-to-end figures). The
 * minimum keeps every small-form hash (at most 128 fields of 64 bytes, 17 KiB) out of pieces: a
 * piece addresses a hash's fields by position, which only the large form keeps stable.
 */
export const PIECE_BYTES_DEFAULT = 64 * 1024;
export const PIECE_BYTES_MIN = 32 * 1024;
/** The largest bound a caller may set: a value up to the frame limit then travels whole. */
export const PIECE_BYTES_MAX = 0xffffffff;

/** Batches in flight per migration: lets the target apply one while the source builds the next. */
export const WINDOW_DEFAULT = 4;
export const WINDOW_MAX = 64;

/** Slots moving at once in migrateSlots and rebalance. */
export const PARALLEL_DEFAULT = 4;
export const PARALLEL_MAX = 64;

/** Highest throttle accepted, keys per second (far above what a shard moves). */
export const KEYS_PER_SECOND_MAX = 1e9;
/** Bound of MigrateOptions.bytesPerSecond (1 TB/s: no limit in practice). */
export const BYTES_PER_SECOND_MAX = 1e12;

/**
 * Bytes of each ring between two shards. A batch larger than the ring still travels in pieces;
 * the size bounds the memory a pair of shards holds for each other.
 */
export const PEER_RING_BYTES = 4 * 1024 * 1024;

/**
 * How often an attached thread bumps its heartbeat word (ms). Its timer also keeps the thread
 * alive, as a connected node-redis client does.
 */
export const HEARTBEAT_INTERVAL_MS = 1000;

/**
 * A seat whose heartbeat has not moved for this long (ms) belongs to a thread that exited without
 * close() (or to a handle never attached): `handle()`, finding every seat taken, reclaims it. Far
 * above the interval, so a thread whose event loop is busy for a few seconds keeps its seat.
 */
export const CLIENT_HEARTBEAT_GRACE_MS = 15_000;

/**
 * Longest `close()` waits for the commands in flight to reply before it fails the rest with
 * ClientClosedError: a command can wait without end (a write behind a migration batch whose
 * target never acknowledges), and close() must end in bounded time.
 */
export const CLOSE_DRAIN_MS_MAX = 5000;

/** Time `close()` waits for a shard worker to stop before it terminates it. */
export const CLOSE_GRACE_MS = 2000;

function check(holds: boolean, relation: string): void {
  if (!holds) throw new InvariantError(`limits: ${relation}`);
}

function assertLimits(): void {
  check(SLOT_COUNT === 1 << 14, 'SLOT_COUNT must match Redis Cluster (16384)');
  check(SHARDS_MAX <= 0xffff, 'owners are stored in a Uint16Array');
  check(
    RING_BYTES_MIN <= RING_BYTES_DEFAULT && RING_BYTES_DEFAULT <= RING_BYTES_MAX,
    'RING_BYTES_DEFAULT must lie between its bounds',
  );
  check(FRAME_BYTES_MAX < 2 ** 31, 'frame lengths are stored in a Uint32 and sliced as Int32');
  check(REPLY_FLUSH_BYTES < REPLY_STAGED_BYTES_MAX, 'replies flush before the staging bound');
  check(BATCH_KEYS_DEFAULT <= BATCH_KEYS_MAX, 'BATCH_KEYS_DEFAULT must lie within its bound');
  check(
    BATCH_BYTES_MIN <= BATCH_BYTES_DEFAULT && BATCH_BYTES_DEFAULT <= BATCH_BYTES_MAX,
    'BATCH_BYTES_DEFAULT must lie between its bounds',
  );
  // A batch closes once it reaches batchBytes, so its frame holds at most BATCH_BYTES_MAX plus one
  // more entry; the sender closes a batch early when that entry would pass the frame limit.
  check(BATCH_BYTES_MAX < FRAME_BYTES_MAX, 'a full batch must fit in one frame');
  check(WINDOW_DEFAULT <= WINDOW_MAX && PARALLEL_DEFAULT <= PARALLEL_MAX, 'defaults within bounds');
  check(
    PIECE_BYTES_MIN <= PIECE_BYTES_DEFAULT && PIECE_BYTES_DEFAULT < FRAME_BYTES_MAX,
    'PIECE_BYTES_DEFAULT must lie between its bounds, and a piece within a frame',
  );
  check(PENDING_MAX_DEFAULT <= PENDING_MAX_MAX, 'PENDING_MAX_DEFAULT must lie within its bound');
  // A migration batch closes before an entry would take it past FRAME_BYTES_MAX, so a batch of one
  // entry must fit: the largest value, a key of up to KEY_BYTES_MIGRATABLE, the entry's lengths
  // and deadline, and the batch header.
  check(
    BATCH_HEADER_BYTES + ENTRY_OVERHEAD_BYTES + KEY_BYTES_MIGRATABLE + VALUE_BYTES_MAX <=
      FRAME_BYTES_MAX,
    'a migration batch of one entry with the largest value must fit in a frame',
  );
}
assertLimits();
