// A replica's end of its primary's stream: reads the ring, applies each record in order, and
// publishes the offset it holds (the control block's replication area) for WAIT and failover.
//
// It acknowledges only while streaming: from a full copy's SyncBegin to its SyncEnd it holds part
// of the primary's data, and counts for nothing. Every record of the journal carries the offset
// just past it, so the acknowledged offset is the last applied record's.

import { InvariantError } from '../../src/errors.js';
import { ReplicaState } from '../../src/shared/control-block.js';
import {
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
  /** A record failed since the last SyncBegin: the copy under way cannot end in streaming. */
  private failedSinceCopy = false;

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
    control.setReplicaOf(shard.id, primary);
    if (holds === undefined) {
      control.setReplicaState(shard.id, ReplicaState.Syncing);
      return;
    }
    this.streaming = true;
    this.offset = holds;
    control.setOffset(shard.id, holds);
    control.setReplicaState(shard.id, ReplicaState.Streaming);
  }

  /**
   * Before a promotion: applies what the ring holds of the old primary's journal, stopping at a new
   * full copy's SyncBegin (what follows it would empty this copy and refill it only in part: the
   * data up to the acknowledged offset is what a WAIT counted). Throws when this replica holds no
   * whole prefix of the journal (it was in a copy, or a record failed to apply): it must not be
   * promoted.
   */
  drainForPromotion(): void {
    if (!this.streaming) throw new Error(`replica ${this.shard.id} holds part of a copy`);
    this.stopAtCopy = true;
    try {
      while (this.serve() > 0);
    } finally {
      this.stopAtCopy = false;
    }
    if (!this.streaming) throw new Error(`replica ${this.shard.id}: ${this.lastFailure}`);
  }

  /** Set while draining for a promotion: serve() stops before a SyncBegin. */
  private stopAtCopy = false;

  /** Applies every complete record in the ring. Returns how many it applied. */
  serve(): number {
    if (this.shard.faults?.holdStream) return 0;
    const reader = this.reader;
    const keyspace = this.shard.keyspace;
    keyspace.expireOnRead = true;
    let applied = 0;
    let popped = 0;
    try {
      if (reader.readable()) popped += reader.fill();
      for (;;) {
        const at = reader.next();
        if (at < 0) break;
        if (this.stopAtCopy && reader.buf[at + REC_KIND] === RecordKind.SyncBegin) break;
        this.applyRecord(reader.buf, reader.view, at);
        reader.advance(at);
        applied++;
        if (reader.start === reader.end && reader.readable()) popped += reader.fill();
      }
    } catch (error) {
      // A frame length no record can have: where the next record starts is lost, and no copy can
      // come down this ring again. The replica stops acknowledging and its worker ends: the pool
      // replaces it with a new one, on a new ring.
      this.fail(`unreadable stream: ${(error as Error).message}`);
      throw new InvariantError(`replica ${this.shard.id}: ${this.lastFailure}`);
    }
    // Reads from clients see keys past their deadline as missing but leave them to the stream.
    keyspace.expireOnRead = false;
    keyspace.now = Date.now();
    const control = this.shard.control;
    // The primary may have parked with more to send than the ring had room for (a full copy, a
    // big record): room was made.
    if (popped > 0) control.wakeShardWithBacklog(this.primary);
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
      this.failedSinceCopy = false;
      control.setReplicaState(this.shard.id, ReplicaState.Syncing);
      this.shard.keyspace.flush();
      return;
    }
    if (kind === RecordKind.SyncEnd) {
      // A copy with a record that did not apply is not the primary's data: stay broken (the
      // primary sends a new copy).
      if (this.failedSinceCopy) return;
      this.streaming = true;
      this.offset = offset;
      control.setOffset(this.shard.id, offset);
      control.setReplicaState(this.shard.id, ReplicaState.Streaming);
      control.wakeShard(this.primary);
      return;
    }
    const sync = (buf[at + REC_FLAGS]! & RecordFlag.Sync) !== 0;
    if (sync) {
      const end = at + view.getUint32(at + REC_LENGTH, true);
      const sum = view.getBigUint64(at + REC_CHECKSUM, true);
      if (checksumOf(buf, at + REC_HEADER_BYTES, end) !== sum) {
        this.fail('full copy record checksum mismatch');
        return;
      }
    }
    const failure = this.applier.apply(buf, view, at);
    if (failure !== undefined) this.fail(failure);
    if (!sync) this.offset = offset;
  }

  /** The copy no longer matches the primary's: stop acknowledging and ask for a new full copy. */
  private fail(reason: string): void {
    this.failures++;
    this.lastFailure = reason;
    this.failedSinceCopy = true;
    this.streaming = false;
    this.shard.control.setReplicaState(this.shard.id, ReplicaState.Broken);
  }
}
