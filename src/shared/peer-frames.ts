// Frames on the rings between two shards (one ring per direction, created when the two first take
// part in a migration). Like every frame they start with their length; the kind byte follows.
//
//   IMPORT    source → target  a migration of a slot starts; its batch limits (for a cancel)
//   BATCH     source → target  keys of one slot, with values and deadlines, and an XXH64 checksum
//   ACK       target → source  a batch was applied (ok = 1) or refused (ok = 0)
//   FORWARD   any → any        a client request handed on (the ASK rule, or a straggler after a flip)
//   FLIP      source → target  the slot is the target's now; everything forwarded before it was sent
//   RETURN    source → target  the migration was cancelled: send the slot's keys back
//   RETURNED  target → source  every key went back; the source serves the whole slot again
//   DROP      source → target  the source flushed its keys: drop what was imported so far
//   BLOCKED   target → source  a request the source forwarded blocked here (parked = 1), or left
//                              (parked = 0: answered, timed out, dropped or sent back); the source
//                              answers those still blocked with SHARDDOWN if the target dies
//   PIECE     source → target  a bounded part of one big collection that travels in pieces while
//                              it stays writable on the source (docs/migration.md, "Big keys")
//
// BATCH layout:
//   0 u32 length   4 u8 kind   5 u8 0   6 u16 slot   8 u32 migration   12 u32 batch
//   16 u32 keys   20 u32 0   24 u64 checksum of the entries   32 entries
// entry: 0 u32 key bytes (k)   4 key   4+k u8 value kind (ValueKind, src/shared/value-types.ts)
//        5+k u32 payload bytes (v)   9+k payload, encoded by that kind's codec
//        (workers/keyspace/value-codec.ts; a string's payload is its bytes)
//        9+k+v f64 deadline (Unix ms, 0 = none)
// A receiver refuses the whole batch (acknowledges it with ok = 0) when a kind byte names no
// kind or a payload does not decode.
//
// ACK:      0 length  4 kind  5 u8 ok  6 u16 slot  8 u32 migration  12 u32 batch
//           16 f64 received (absolute ms)  24 f64 apply ms
// FORWARD:  0 length  4 kind  8 the request frame, as the client wrote it
// IMPORT:   0 length  4 kind  5 u8 flags (1 resumed: the move goes on after a failover)
//           6 u16 slot  8 u32 migration  12 u32 batch keys  16 u32 batch bytes  20 u32 window
//           24 u32 piece bytes  28 u32 replicas + 1 (0: every streaming replica)
//
// PIECE layout (acknowledged by an ACK naming its number, as a batch is; both share one sequence):
//   0 u32 length   4 u8 kind   5 u8 flags (1 first, 2 final, 4 abort)   6 u16 slot
//   8 u32 migration   12 u32 number   16 u32 ops   20 u8 value kind   21 u8 0   22 u16 0
//   24 u64 checksum of bytes 32..length
//   32 f64 deadline (final piece: the key's deadline, Unix ms, 0 = none)
//   40 u32 seed (a set's hash seed, else 0)   44 u32 members (the value's size when it was built)
//   48 u32 key bytes (k)   52 key   52+k ops: each a u8 code and its operands, as the value's
//   kind defines them (workers/migration/pieces/*-pieces.ts)
// FLIP, RETURN, RETURNED, DROP: 0 length  4 kind  6 u16 slot  8 u32 migration
// BLOCKED:  0 length  4 kind  5 u8 parked  6 u16 slot  8 u32 migration  12 u16 client
//           14 u16 seat generation  16 u32 request id

export const PeerFrame = {
  Batch: 1,
  Ack: 2,
  Forward: 3,
  Flip: 4,
  Return: 5,
  Returned: 6,
  Drop: 7,
  Import: 8,
  Blocked: 9,
  Piece: 10,
} as const;
export type PeerFrame = (typeof PeerFrame)[keyof typeof PeerFrame];

export const PEER_KIND = 4;
export const PEER_SLOT = 6;
export const PEER_MIGRATION = 8;

export const BATCH_BATCH = 12;
export const BATCH_KEYS = 16;
export const BATCH_CHECKSUM = 24;
export const BATCH_HEADER_BYTES = 32;

export const ACK_OK = 5;
export const ACK_BATCH = 12;
/** When the target received the batch (absolute ms) and how long applying it took (ms). */
export const ACK_RECEIVED = 16;
export const ACK_APPLY_MS = 24;
export const ACK_BYTES = 32;

export const FORWARD_HEADER_BYTES = 8;

export const IMPORT_BATCH_KEYS = 12;
export const IMPORT_BATCH_BYTES = 16;
export const IMPORT_WINDOW = 20;
export const IMPORT_PIECE_BYTES = 24;
export const IMPORT_FLAGS = 5;
export const IMPORT_REPLICAS = 28;
export const ImportFlag = { Resumed: 1 } as const;
export const IMPORT_BYTES = 32;
export const NOTICE_BYTES = 12;

export const BLOCKED_PARKED = 5;
export const BLOCKED_CLIENT = 12;
export const BLOCKED_SEAT_GENERATION = 14;
export const BLOCKED_REQUEST = 16;
export const BLOCKED_BYTES = 20;

/** The smallest peer frame (a notice). */
export const PEER_FRAME_MIN = NOTICE_BYTES;

/** An entry's fixed bytes: the key's length, the value's kind and payload length, a deadline. */
export const ENTRY_OVERHEAD_BYTES = 4 + 1 + 4 + 8;

export const PieceFlag = { First: 1, Final: 2, Abort: 4 } as const;

export const PIECE_FLAGS = 5;
export const PIECE_NUMBER = 12;
export const PIECE_OPS = 16;
export const PIECE_VALUE_KIND = 20;
export const PIECE_CHECKSUM = 24;
/** Where the checksummed bytes start. */
export const PIECE_SEALED_FROM = 32;
export const PIECE_DEADLINE = 32;
export const PIECE_SEED = 40;
export const PIECE_MEMBERS = 44;
export const PIECE_KEY = 48;
/** The fixed part of a PIECE, up to the key's bytes. */
export const PIECE_HEADER_BYTES = 52;
