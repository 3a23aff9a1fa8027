// A primary's link to one replica: the ring its journal goes down, and the full copy a replica gets
// when it joins (or falls too far behind).
//
// A full copy needs no pause and no fork. The primary sends its slots in slot order, a few whole
// slots per loop turn (SyncBegin, the slots' records flagged Sync: full-copy.ts, SyncEnd), while
// it keeps serving.
// The journal records it makes meanwhile go down the same ring, but only those of slots already
// sent (and those of no slot, FLUSHALL): a write to a slot not sent yet is in the copy when that
// slot goes. So the replica, applying the ring in order, ends the copy holding exactly what the
// primary held at SyncEnd's offset; it acknowledges offsets only from then on.
//
// A replica that reads too slowly (REPLICA_BACKLOG_BYTES_MAX staged, the copy's own records not
// counted) is dropped from the stream; once the ring has taken what was staged, it gets a new full
// copy. So does a replica that reports a record it could not apply (ReplicaState.Broken).

import { NO_SLOT } from '../../src/shared/codec.js';
import { type ControlBlock, ReplicaState } from '../../src/shared/control-block.js';
import {
  REC_CHECKSUM,
  REC_FLAGS,
  REC_HEADER_BYTES,
  REC_KIND,
  REC_NOW,
  REC_OFFSET,
  REC_SLOT,
  RecordFlag,
  RecordKind,
} from '../../src/shared/journal-format.js';
import { REPLICA_BACKLOG_BYTES_MAX, SLOT_COUNT, SYNC_TURN_KEYS } from '../../src/shared/limits.js';
import { FrameWriter } from '../../src/shared/ring.js';
import type { Keyspace } from '../keyspace/keyspace.js';
import { COPY_LIMITS_DEFAULT, type CopyLimits, copySlot, isEmptySlot } from './full-copy.js';
import { copyBytes, type Journal, type JournalSink } from './journal.js';

const LinkState = {
  /** Sending the full copy; `nextSlot` is the first slot not sent yet. */
  Syncing: 0,
  /** Every record goes down the ring. */
  Streaming: 1,
  /** Dropped for reading too slowly: waits for the ring to take what was staged. */
  Lagging: 2,
} as const;
type LinkState = (typeof LinkState)[keyof typeof LinkState];

/** The copy stages at most this much ahead of the ring per turn. */
const SYNC_STAGED_BYTES_MAX = 8 * 1024 * 1024;

export class ReplicaLink implements JournalSink {
  readonly writer: FrameWriter;
  private state: LinkState = LinkState.Syncing;
  private nextSlot = 0;
  /** Full copies sent to this replica (the first one included). */
  syncs = 0;
  /**
   * Bytes of the copy staged and not pushed yet, at most: they do not count against the replica
   * (a slot goes whole, however big). Every byte pushed is taken off, so it errs low.
   */
  private copyStaged = 0;
  /** Sizes the link keeps to; a test may lower them (the lagging path, a copy in parts). */
  readonly limits: CopyLimits & { backlogBytes: number } = {
    ...COPY_LIMITS_DEFAULT,
    backlogBytes: REPLICA_BACKLOG_BYTES_MAX,
  };

  constructor(
    readonly replica: number,
    ring: SharedArrayBuffer,
    private readonly keyspace: Keyspace,
    private readonly journal: Journal,
    private readonly control: ControlBlock,
    /**
     * The replica holds this primary's data as of the journal's offset already (the old primary
     * of a planned failover): it streams from there, with no full copy.
     */
    holdsData = false,
  ) {
    this.writer = new FrameWriter(ring);
    if (holdsData) this.state = LinkState.Streaming;
    else this.beginSync();
  }

  get syncing(): boolean {
    return this.state !== LinkState.Streaming;
  }

  record(buf: Buffer, length: number, slot: number): void {
    if (this.state === LinkState.Lagging) return;
    if (this.state === LinkState.Syncing && slot !== NO_SLOT && slot >= this.nextSlot) return;
    const w = this.writer;
    const start = w.beginFrame(length);
    copyBytes(buf, 0, length, w.buf, start);
    w.commit(start + length);
  }

  /**
   * One turn: sends part of a full copy when one is under way, pushes what is staged and wakes the
   * replica. Returns the work done (bytes pushed and keys copied).
   */
  step(): number {
    let work = 0;
    if (
      this.state === LinkState.Streaming &&
      this.control.replicaState(this.replica) === ReplicaState.Broken
    ) {
      // The replica found a record it could not apply. It is marked syncing here already, so
      // that a copy done before it reads the SyncBegin does not start over on its old state.
      this.control.setReplicaState(this.replica, ReplicaState.Syncing);
      this.beginSync();
    }
    if (this.state === LinkState.Syncing) work += this.copySome();
    const w = this.writer;
    const before = w.staged;
    if (before > 0) {
      const left = w.flush();
      work += before - left;
      this.copyStaged = Math.max(0, this.copyStaged - (before - left));
      if (before !== left) this.control.wakeShard(this.replica);
      const limit = this.limits.backlogBytes + this.copyStaged;
      if (left > limit && this.state !== LinkState.Lagging) this.state = LinkState.Lagging;
    }
    if (this.state === LinkState.Lagging && w.staged === 0) this.beginSync();
    return work;
  }

  private beginSync(): void {
    this.state = LinkState.Syncing;
    this.nextSlot = 0;
    this.syncs++;
    this.putMarker(RecordKind.SyncBegin);
  }

  /** Copies whole slots, about SYNC_TURN_KEYS keys' worth, while the ring keeps up. */
  private copySome(): number {
    const keyspace = this.keyspace;
    const w = this.writer;
    let keys = 0;
    while (
      this.nextSlot < SLOT_COUNT &&
      keys < SYNC_TURN_KEYS &&
      w.staged < SYNC_STAGED_BYTES_MAX
    ) {
      const slot = this.nextSlot++;
      if (isEmptySlot(keyspace, slot)) continue;
      const before = w.staged;
      keys += copySlot(w, keyspace, slot, this.journal.offset, this.limits);
      this.copyStaged += w.staged - before;
    }
    if (this.nextSlot === SLOT_COUNT) {
      this.putMarker(RecordKind.SyncEnd);
      this.state = LinkState.Streaming;
    }
    return keys;
  }

  private putMarker(kind: RecordKind): void {
    const w = this.writer;
    const start = w.beginFrame(REC_HEADER_BYTES);
    this.header(start, REC_HEADER_BYTES, kind, NO_SLOT);
    w.commit(start + REC_HEADER_BYTES);
    this.copyStaged += REC_HEADER_BYTES;
  }

  private header(start: number, bytes: number, kind: RecordKind, slot: number): void {
    const view = this.writer.view;
    view.setUint32(start, bytes, true);
    view.setUint8(start + REC_KIND, kind);
    view.setUint8(start + REC_FLAGS, RecordFlag.Sync);
    view.setUint16(start + REC_SLOT, slot, true);
    view.setFloat64(start + REC_NOW, this.keyspace.now, true);
    view.setFloat64(start + REC_OFFSET, this.journal.offset, true);
    view.setBigUint64(start + REC_CHECKSUM, 0n, true);
  }
}
