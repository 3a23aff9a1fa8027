// A primary's link to one replica: the ring its journal goes down, and the full copy a replica gets
// when it joins (or falls too far behind).
//
// A full copy needs no pause and no fork. The primary sends its slots in slot order, a few whole
// slots per loop turn (SyncBegin, Entries records flagged Sync, SyncEnd), while it keeps serving.
// The journal records it makes meanwhile go down the same ring, but only those of slots already
// sent (and those of no slot, FLUSHALL): a write to a slot not sent yet is in the copy when that
// slot goes. So the replica, applying the ring in order, ends the copy holding exactly what the
// primary held at SyncEnd's offset; it acknowledges offsets only from then on.
//
// A replica that reads too slowly (REPLICA_BACKLOG_BYTES_MAX staged) is dropped from the stream;
// once the ring has taken what was staged, it gets a new full copy.

import { NO_SLOT } from '../../src/shared/codec.js';
import { type ControlBlock, ReplicaState } from '../../src/shared/control-block.js';
import {
  ENTRIES_KEYS,
  ENTRIES_START,
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
import { checksumOf } from './checksum.js';
import type { Journal, JournalSink } from './journal.js';
import { entrySize, putEntryAt } from './journal.js';

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
    buf.copy(w.buf, start, 0, length);
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
      this.beginSync();
    }
    if (this.state === LinkState.Syncing) work += this.copySome();
    const w = this.writer;
    const before = w.staged;
    if (before > 0) {
      const left = w.flush();
      work += before - left;
      if (before !== left) this.control.wakeShard(this.replica);
      if (left > REPLICA_BACKLOG_BYTES_MAX && this.state !== LinkState.Lagging) {
        this.state = LinkState.Lagging;
      }
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
    let keys = 0;
    while (
      this.nextSlot < SLOT_COUNT &&
      keys < SYNC_TURN_KEYS &&
      this.writer.staged < SYNC_STAGED_BYTES_MAX
    ) {
      const slot = this.nextSlot++;
      const table = keyspace.table(slot);
      if (table === undefined || table.size === 0) continue;
      keys += this.copySlot(slot);
    }
    if (this.nextSlot === SLOT_COUNT) {
      this.putMarker(RecordKind.SyncEnd);
      this.state = LinkState.Streaming;
    }
    return keys;
  }

  /** One Entries record with every key of `slot`; returns the keys it holds. */
  private copySlot(slot: number): number {
    const keyspace = this.keyspace;
    const table = keyspace.table(slot)!;
    let bytes = ENTRIES_START;
    let keys = 0;
    for (const [key, value] of table) {
      // A key past its deadline is not copied (its DEL may already be on the way).
      const deadline = keyspace.deadline(slot, key) ?? 0;
      if (deadline !== 0 && deadline <= keyspace.now) continue;
      bytes += entrySize(key, value);
      keys++;
    }
    const w = this.writer;
    const start = w.beginFrame(bytes);
    const buf = w.buf;
    const view = w.view;
    let p = start + ENTRIES_START;
    for (const [key, value] of table) {
      const deadline = keyspace.deadline(slot, key) ?? 0;
      if (deadline !== 0 && deadline <= keyspace.now) continue;
      p = putEntryAt(buf, view, p, key, value, deadline);
    }
    this.header(start, bytes, RecordKind.Entries, slot);
    view.setUint32(start + ENTRIES_KEYS, keys, true);
    view.setBigUint64(start + REC_CHECKSUM, checksumOf(buf, start + ENTRIES_START, p), true);
    w.commit(p);
    return keys;
  }

  private putMarker(kind: RecordKind): void {
    const w = this.writer;
    const start = w.beginFrame(REC_HEADER_BYTES);
    this.header(start, REC_HEADER_BYTES, kind, NO_SLOT);
    w.commit(start + REC_HEADER_BYTES);
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
