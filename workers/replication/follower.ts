// A replica's end of its primary's stream: reads the ring, applies each record in order, and
// publishes the offset it holds (the control block's replication area) for WAIT and failover.
//
// It acknowledges only while streaming: from a full copy's SyncBegin to its SyncEnd it holds part
// of the primary's data, and counts for nothing. Every record of the journal carries the offset
// just past it, so the acknowledged offset is the last applied record's.

import { ReplicaState } from '../../src/shared/control-block.js';
import {
  ENTRIES_START,
  REC_CHECKSUM,
  REC_FLAGS,
  REC_HEADER_BYTES,
  REC_KIND,
  REC_LENGTH,
  REC_OFFSET,
  RecordFlag,
  RecordKind,
} from '../../src/shared/journal-format.js';
import { FrameReader } from '../../src/shared/ring.js';
import type { Shard } from '../shard.js';
import { RecordApplier } from './apply.js';
import { checksumOf } from './checksum.js';

export class Follower {
  readonly reader: FrameReader;
  private readonly applier: RecordApplier;
  /** The offset this replica holds everything up to (valid while streaming). */
  offset = 0;
  streaming = false;
  /** Records that failed to apply (a corrupt stream): the pool replaces such a replica. */
  failures = 0;
  lastFailure = '';

  constructor(
    private readonly shard: Shard,
    readonly primary: number,
    ring: SharedArrayBuffer,
    /** The offset of `primary`'s stream this replica holds already (no full copy), if any. */
    holds?: number,
  ) {
    this.reader = new FrameReader(ring, REC_HEADER_BYTES);
    this.applier = new RecordApplier(shard.keyspace, primary, shard.control.owner);
    const control = shard.control;
    if (holds === undefined) {
      control.setReplicaState(shard.id, ReplicaState.Syncing);
      return;
    }
    this.streaming = true;
    this.offset = holds;
    control.setOffset(shard.id, holds);
    control.setReplicaState(shard.id, ReplicaState.Streaming);
  }

  /** Applies every complete record in the ring. Returns how many it applied. */
  serve(): number {
    if (this.shard.faults.pauseReplication) return 0;
    const reader = this.reader;
    if (reader.readable()) reader.fill();
    const keyspace = this.shard.keyspace;
    keyspace.expireOnRead = true;
    let applied = 0;
    for (;;) {
      const at = reader.next();
      if (at < 0) break;
      this.applyRecord(reader.buf, reader.view, at);
      reader.advance(at);
      applied++;
      if (reader.start === reader.end && reader.readable()) reader.fill();
    }
    // Reads from clients see keys past their deadline as missing but leave them to the stream.
    keyspace.expireOnRead = false;
    keyspace.now = Date.now();
    const control = this.shard.control;
    if (applied > 0 && this.streaming) {
      control.setOffset(this.shard.id, this.offset);
      control.wakeShard(this.primary);
    }
    control.setAckAt(this.shard.id, keyspace.now);
    return applied;
  }

  private applyRecord(buf: Buffer, view: DataView, at: number): void {
    const kind = buf[at + REC_KIND]!;
    const offset = view.getFloat64(at + REC_OFFSET, true);
    const control = this.shard.control;
    if (kind === RecordKind.SyncBegin) {
      this.streaming = false;
      control.setReplicaState(this.shard.id, ReplicaState.Syncing);
      this.shard.keyspace.flush();
      return;
    }
    if (kind === RecordKind.SyncEnd) {
      this.streaming = true;
      this.offset = offset;
      control.setOffset(this.shard.id, offset);
      control.setReplicaState(this.shard.id, ReplicaState.Streaming);
      control.wakeShard(this.primary);
      return;
    }
    if (buf[at + REC_FLAGS]! & RecordFlag.Sync && kind === RecordKind.Entries) {
      const end = at + view.getUint32(at + REC_LENGTH, true);
      const sum = view.getBigUint64(at + REC_CHECKSUM, true);
      if (checksumOf(buf, at + ENTRIES_START, end) !== sum) {
        this.fail('full copy record checksum mismatch');
        return;
      }
    }
    const failure = this.applier.apply(buf, view, at);
    if (failure !== undefined) this.fail(failure);
    if (!(buf[at + REC_FLAGS]! & RecordFlag.Sync)) this.offset = offset;
  }

  /** The copy no longer matches the primary's: stop acknowledging and ask for a new full copy. */
  private fail(reason: string): void {
    this.failures++;
    this.lastFailure = reason;
    this.streaming = false;
    this.shard.control.setReplicaState(this.shard.id, ReplicaState.Broken);
  }
}
