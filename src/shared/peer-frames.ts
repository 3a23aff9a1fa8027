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
// IMPORT:   0 length  4 kind  6 u16 slot  8 u32 migration  12 u32 batch keys  16 u32 batch bytes
//           20 u32 window
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
export const IMPORT_BYTES = 24;
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
