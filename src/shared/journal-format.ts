// The journal's record format: every write a primary applies, in order, as one record each. The
// same records travel to replicas (workers/replication) and are meant for the append-only log on
// disk, so a record is self-describing: its length, kind, slot, the primary's clock when it ran and
// the journal offset just past it.
//
//   0  u32  length of the whole record (header included)
//   4  u8   kind (RecordKind)
//   5  u8   flags (RecordFlag)
//   6  u16  slot (NO_SLOT for a record of no one slot: FLUSHALL)
//   8  f64  now: the primary's keyspace clock (Unix ms) when the write ran; the replica runs the
//           write at that time, so deadlines and lazy expiry decide as they did on the primary
//  16  f64  offset: the journal offset after this record (for a Sync record: the primary's offset
//           when it was written)
//  24  u64  XXH64 of the payload in a full copy's records; in the log on disk, XXH64 of the whole
//           record with this field read as 0; 0 where the transport checks nothing (a ring)
//  32       payload
//
// Payloads:
//   Command   u8 op, 3 bytes 0, u32 argc, then argc times (u32 length, bytes): the command as a
//             request frame carries its arguments. A replica runs it with the same handler.
//   Entries   u32 keys, then entries in the migration batch format (workers/migration/batch.ts):
//             keys stored as they are, replacing what the key held.
//   DropSlot  none: every key of the slot goes (a slot moved away).
//   SyncBegin none: a full copy starts; the replica empties itself.
//   SyncEnd   none: the copy is complete at `offset`.
//   Ping      none: the primary's clock and offset while it writes nothing.
//   ImportBegin f64 sequence: the shard starts importing the slot (a migration's target); the
//             number orders the copies of a slot an interrupted move left on two shards, so a
//             recovery can tell which is newer (docs/persistence.md).
//
// The journal offset counts the bytes of journal records (Command, Entries without Sync,
// DropSlot, ImportBegin): the records every copy of the shard must apply, in order. Sync records and Pings are
// for one replica and count nothing.

export const RecordKind = {
  Command: 1,
  Entries: 2,
  DropSlot: 3,
  SyncBegin: 4,
  SyncEnd: 5,
  Ping: 6,
  ImportBegin: 7,
} as const;
export type RecordKind = (typeof RecordKind)[keyof typeof RecordKind];

export const RecordFlag = {
  /** Part of a full copy for one replica: not in the journal, counts no offset. */
  Sync: 1,
} as const;

export const REC_LENGTH = 0;
export const REC_KIND = 4;
export const REC_FLAGS = 5;
export const REC_SLOT = 6;
export const REC_NOW = 8;
export const REC_OFFSET = 16;
export const REC_CHECKSUM = 24;
export const REC_HEADER_BYTES = 32;

/** Command payload: opcode, then the argument count, then the arguments. */
export const CMD_OP = REC_HEADER_BYTES;
export const CMD_ARGC = REC_HEADER_BYTES + 4;
export const CMD_ARGS = REC_HEADER_BYTES + 8;

/** Entries payload: the key count, then the entries. */
export const ENTRIES_KEYS = REC_HEADER_BYTES;
export const ENTRIES_START = REC_HEADER_BYTES + 4;

/** ImportBegin payload: the import sequence number. */
export const IMPORT_SEQUENCE = REC_HEADER_BYTES;
export const IMPORT_BEGIN_BYTES = REC_HEADER_BYTES + 8;
