// Moves the keys of one slot to another shard in batches, with flow control: at most `window`
// batches are unacknowledged at a time. While a key's batch is in flight the key is locked (reads
// are still served by the sender; writes wait, see outgoing.ts). A batch's keys are deleted from
// the sender only when the receiver acknowledges that it applied them.
//
// A collection too big for a batch entry travels in PIECE frames instead (pieces/transfers.ts),
// which share the window, the sequence numbers and the acks with batches. Its key stays writable
// until its final piece is in flight, and is deleted here when that piece is acknowledged.
//
// Used by the source of a migration and, after a cancel, by its target to send the keys back.

import { COMMAND } from '../../src/commands/table.js';
import { FRAME_BYTES_MAX, PIECE_BYTES_DEFAULT } from '../../src/shared/limits.js';
import { BATCH_HEADER_BYTES, ENTRY_OVERHEAD_BYTES } from '../../src/shared/peer-frames.js';
import type { SlotCursor } from '../keyspace/store/slot-cursor.js';
import type { ShardContext } from '../shard-context.js';
import { beginBatch, entryBytes, putEntry, putStoredString, sealBatch } from './batch.js';
import { journalOf } from './durability.js';
import { type SenderLimits, SenderPace, type SenderPacing } from './pacing/sender-pace.js';
import { PieceTransfers, TransferState } from './pieces/transfers.js';

interface InFlightBatch {
  readonly keys: string[];
  readonly bytes: number;
  readonly sentAt: number;
  /** For the profiler: when it was sent (absolute ms) and how long building it took. */
  readonly sentAbs: number;
  readonly serializeMs: number;
  /** For a PIECE: the key it belongs to (`keys` holds it too when it is the final piece). */
  readonly piece?: string;
}

/** Where a key locked for writes by its transfer, not by a frame in flight, points in `locked`. */
const LOCKED_BY_TRANSFER = 0;

export class BatchSender {
  /** Keys whose batch (or final piece) is in flight → its number; LOCKED_BY_TRANSFER: see there. */
  readonly locked = new Map<string, number>();
  /** Big keys travelling in pieces. */
  readonly transfers: PieceTransfers;
  private readonly inFlight = new Map<number, InFlightBatch>();
  private iterator: SlotCursor<string> | undefined;
  /**
   * The entry of the key nextKey() returned when it came from the slot's listing (0 otherwise):
   * valid until the keyspace changes, which it does not while a batch is built.
   */
  private nextAddress = 0;
  private exhausted = false;
  /** Keys to send before the iterator's: resident keys that a waiting command needs moved. */
  private readonly priority: string[] = [];
  private nextBatch = 1;
  bytesSent = 0;
  batchesSent = 0;
  keysAcknowledged = 0;
  /** Longest time a batch stayed unacknowledged, ms. */
  lockMsMax = 0;
  private readonly pace: SenderPace;

  constructor(
    private readonly shard: ShardContext,
    readonly slot: number,
    /** Changes when the target fails over (retarget). */
    public target: number,
    readonly migration: number,
    limits: SenderLimits,
    pacing: SenderPacing = {},
  ) {
    this.pace = new SenderPace(limits, pacing);
    const pieceBytes = limits.pieceBytes ?? PIECE_BYTES_DEFAULT;
    this.transfers = new PieceTransfers(shard.keyspace, slot, migration, pieceBytes);
  }

  /** Whether every key has been sent and acknowledged. */
  get done(): boolean {
    const { exhausted, priority, inFlight, transfers } = this;
    return exhausted && priority.length === 0 && inFlight.size === 0 && transfers.idle;
  }

  /** Asks for `keys` to go in the next batch. */
  prioritize(keys: readonly string[]): void {
    for (const key of keys) {
      if (!this.locked.has(key) && !this.transfers.byKey.has(key)) this.priority.push(key);
    }
  }

  /** Starts over on the slot's current table (after a FLUSHALL dropped the one being iterated). */
  restart(): void {
    this.dropIterator();
    this.exhausted = false;
    this.priority.length = 0;
    this.locked.clear();
    this.transfers.clear();
  }

  /**
   * Stops taking keys from the slot (a cancel); batches in flight still get their acks, and so
   * does a final piece in flight. Transfers not that far stop: the target drops their copies.
   */
  stop(): void {
    this.exhausted = true;
    this.dropIterator();
    this.priority.length = 0;
    for (const key of this.transfers.byKey.keys()) {
      if (this.locked.get(key) === LOCKED_BY_TRANSFER) this.locked.delete(key);
    }
    this.transfers.stop();
  }

  /** The move ended: no value keeps a tracker. */
  close(): void {
    this.dropIterator();
    this.transfers.clear();
  }

  /** Lets go of the slot's listing: the keyspace keeps an open one up to date on every change. */
  private dropIterator(): void {
    this.iterator?.return?.();
    this.iterator = undefined;
  }

  /** Whether requests wait for what the next frame carries (SenderPace.allows). */
  private get urgent(): boolean {
    return this.priority.length > 0 || this.transfers.holdsWrites;
  }

  /** Sends one batch if the window has room and keys remain. Returns the keys sent. */
  sendBatch(now: number): number {
    if (this.shard.faults.pauseSending) return 0;
    const { batchKeys, batchBytes, window } = this.pace.current();
    if (this.inFlight.size >= window || (this.exhausted && this.priority.length === 0)) return 0;
    if (this.transfers.finalDue) return 0;
    // A throttled sender waits for a whole batch's worth of budget: trickling keys one by one
    // would pay a batch's fixed cost per key.
    if (!this.pace.allows(batchKeys, now, this.urgent)) return 0;
    const allowance = batchKeys;
    const keyspace = this.shard.keyspace;
    const writer = this.shard.peerWriter(this.target);
    const building = performance.now();
    const batch = this.nextBatch++;
    const start = beginBatch(writer, this.slot, this.migration, batch);
    const keys: string[] = [];
    let bytes = 0;
    while (keys.length < allowance && bytes < batchBytes) {
      const key = this.nextKey();
      if (key === undefined) break;
      if (this.locked.has(key) || this.transfers.byKey.has(key)) continue;
      // A string in the arena with no deadline, as the listing found it (nearly every key), is
      // copied from there; any other key is looked up (get() expires it lazily).
      const listed = this.nextAddress;
      const table = listed === 0 ? undefined : keyspace.table(this.slot);
      const length = table === undefined ? -1 : table.plainStringBytesAt(listed);
      const deadline = length < 0 ? keyspace.deadline(this.slot, key) : undefined;
      const value = length < 0 ? keyspace.get(this.slot, key) : '';
      if (value === undefined) continue;
      if (typeof value !== 'string' && this.transfers.isBig(value)) {
        this.transfers.start(key, value);
        continue;
      }
      // The batch closes before an entry would take its frame past FRAME_BYTES_MAX (which the ring
      // refuses, killing the shard): a large value after many keys opens the next batch instead.
      // An entry alone always fits (src/shared/limits.ts checks it at load).
      const entry =
        length < 0 ? entryBytes(key, value) : ENTRY_OVERHEAD_BYTES + key.length + length;
      if (keys.length > 0 && BATCH_HEADER_BYTES + bytes + entry > FRAME_BYTES_MAX) {
        this.priority.push(key);
        break;
      }
      if (length >= 0) bytes += putStoredString(writer, key, table!, listed);
      else bytes += putEntry(writer, key, value, deadline ?? 0);
      this.locked.set(key, batch);
      keys.push(key);
    }
    if (keys.length === 0) {
      writer.rollback(start);
      return 0;
    }
    sealBatch(writer, start, keys.length);
    this.shard.flushPeer(this.target);
    const built = performance.now();
    this.pace.paid(keys.length, bytes, built - building, keys.length, this.shard.profiler);
    this.inFlight.set(batch, {
      keys,
      bytes,
      sentAt: now,
      sentAbs: performance.timeOrigin + built,
      serializeMs: built - building,
    });
    this.bytesSent += bytes;
    this.batchesSent++;
    return keys.length;
  }

  /** Sends the next piece of a big key if the window has room and one travels. Returns 1 or 0. */
  sendPiece(now: number): number {
    if (this.shard.faults.pauseSending) return 0;
    const { batchKeys, window } = this.pace.current();
    if (this.inFlight.size >= window) return 0;
    // The final piece locks its key for writes until its ack: sent behind nothing, so that the
    // wait is the final piece's own, not that of the frames ahead of it too.
    const finalAllowed = this.inFlight.size === 0;
    const transfer = this.transfers.next(finalAllowed);
    if (transfer === undefined) return 0;
    // A piece costs the budget what a batch does: about as many bytes, as much work. The adaptive
    // pace does not hold pieces back (it pays for them, so batches and slots wait instead): a big
    // key written while it travels must outrun its writes, or it locks with much of it still to
    // send, and its writes then wait for the rest (778 ms in a test with the pace holding pieces).
    if (!this.pace.allows(batchKeys, now, true)) return 0;
    const building = performance.now();
    const number = this.nextBatch++;
    const writer = this.shard.peerWriter(this.target);
    const piece = this.transfers.build(transfer, number, writer, finalAllowed);
    this.shard.flushPeer(this.target);
    const { key, bytes } = piece;
    const moved = piece.final ? 1 : 0;
    this.pace.paid(batchKeys, bytes, performance.now() - building, moved, this.shard.profiler);
    if (piece.final) this.locked.set(key, number);
    else if (transfer.state === TransferState.Locked) this.locked.set(key, LOCKED_BY_TRANSFER);
    if (piece.aborted) {
      if (this.locked.get(key) === LOCKED_BY_TRANSFER) this.locked.delete(key);
      // The key may hold a new value now: it goes as any key would.
      this.priority.push(key);
      this.nextWaitingTransfer();
    }
    const built = performance.now();
    this.inFlight.set(number, {
      keys: piece.final ? [key] : [],
      bytes,
      sentAt: now,
      sentAbs: performance.timeOrigin + built,
      serializeMs: built - building,
      piece: key,
    });
    this.bytesSent += bytes;
    return 1;
  }

  /** A transfer ended: a big key that waited for one goes next. */
  private nextWaitingTransfer(): void {
    const key = this.transfers.waiting.shift();
    if (key !== undefined) this.priority.push(key);
  }

  private nextKey(): string | undefined {
    this.nextAddress = 0;
    if (this.priority.length > 0) return this.priority.pop();
    if (this.exhausted) return undefined;
    if (this.iterator === undefined) {
      const table = this.shard.keyspace.table(this.slot);
      if (table === undefined) {
        this.exhausted = true;
        return undefined;
      }
      this.iterator = table.keys();
    }
    const next = this.iterator.next();
    if (next.done) {
      this.exhausted = true;
      return undefined;
    }
    this.nextAddress = this.iterator.address;
    return next.value;
  }

  /**
   * The receiver answered batch `batch`. On success its keys are deleted here and returned; on a
   * refusal they are unlocked and stay. Returns undefined for a batch this sender does not know.
   */
  onAck(
    batch: number,
    ok: boolean,
    now: number,
    receivedAbs = 0,
    applyMs = 0,
  ): string[] | undefined {
    const sent = this.inFlight.get(batch);
    if (sent === undefined) return undefined;
    this.inFlight.delete(batch);
    // The target's work applying it is migration work too.
    this.pace.acknowledged(applyMs);
    // Only frames that lock keys count: a piece before the final one locks nothing.
    if (sent.keys.length > 0) this.lockMsMax = Math.max(this.lockMsMax, now - sent.sentAt);
    const profiler = this.shard.profiler;
    if (profiler !== undefined && receivedAbs > 0) {
      const ackedAbs = performance.timeOrigin + now;
      profiler.addBatch({
        slot: this.slot,
        target: this.target,
        keys: sent.keys.length,
        bytes: sent.bytes,
        t: profiler.since(sent.sentAbs),
        serializeMs: sent.serializeMs,
        transferMs: Math.max(0, receivedAbs - sent.sentAbs),
        applyMs,
        ackMs: Math.max(0, ackedAbs - receivedAbs - applyMs),
      });
    }
    for (const key of sent.keys) if (this.locked.get(key) === batch) this.locked.delete(key);
    if (ok) this.deleteMoved(sent.keys);
    if (sent.piece !== undefined && (!ok || sent.keys.length > 0)) {
      // The final piece arrived, or the target refused a piece (the move is then cancelled).
      if (this.locked.get(sent.piece) === LOCKED_BY_TRANSFER) this.locked.delete(sent.piece);
      this.transfers.acknowledged(sent.piece, ok);
      this.nextWaitingTransfer();
    }
    return sent.keys;
  }

  /** The receiver holds `keys` now: they go from here, in one DEL record of the journal. */
  private deleteMoved(keys: readonly string[]): void {
    const keyspace = this.shard.keyspace;
    const journal = journalOf(this.shard);
    const deleted: string[] = [];
    // A key that expired meanwhile journals its own DEL (the keyspace's expired hook).
    for (const key of keys) if (keyspace.delete(this.slot, key)) deleted.push(key);
    if (journal !== undefined && deleted.length > 0) {
      journal.appendArgs(COMMAND.del.op, this.slot, deleted);
    }
    this.keysAcknowledged += keys.length;
  }

  /**
   * The receiver failed over to `target` (a promoted replica of it): what was in flight is sent
   * there again, under the same numbers, its keys still locked here (the new receiver may hold
   * some of them already and takes them again). A big key's copy died with the old receiver: its
   * transfer starts over; a key whose final piece was in flight stays locked until it arrives.
   */
  retarget(target: number): void {
    this.target = target;
    const keyspace = this.shard.keyspace;
    const writer = this.shard.peerWriter(target);
    for (const number of [...this.inFlight.keys()].sort((a, b) => a - b)) {
      const sent = this.inFlight.get(number)!;
      if (sent.piece !== undefined) {
        this.inFlight.delete(number);
        if (sent.keys.length > 0) this.locked.set(sent.piece, LOCKED_BY_TRANSFER);
        continue;
      }
      const start = beginBatch(writer, this.slot, this.migration, number);
      const keys: string[] = [];
      for (const key of sent.keys) {
        const value = keyspace.get(this.slot, key);
        if (value === undefined) {
          if (this.locked.get(key) === number) this.locked.delete(key);
          continue;
        }
        putEntry(writer, key, value, keyspace.deadline(this.slot, key) ?? 0);
        keys.push(key);
      }
      sealBatch(writer, start, keys.length);
      this.inFlight.set(number, { ...sent, keys });
    }
    for (const key of this.transfers.restart()) {
      if (this.locked.get(key) === LOCKED_BY_TRANSFER) this.locked.delete(key);
      this.priority.push(key);
    }
    this.shard.flushPeer(target);
  }

  /**
   * Forgets the batches in flight (their receiver died and took nothing of them that stays);
   * returns their keys, unlocked.
   */
  dropInFlight(): string[] {
    const keys: string[] = [];
    for (const [number, sent] of this.inFlight) {
      for (const key of sent.keys) {
        if (this.locked.get(key) === number) this.locked.delete(key);
        keys.push(key);
      }
    }
    this.inFlight.clear();
    this.transfers.clear();
    return keys;
  }

  /** What was sent and acknowledged so far, for progress events and the report. */
  counts(): {
    keys: number;
    bytes: number;
    batches: number;
    keysInPieces: number;
    pieces: number;
    keyLockMsMax: number;
  } {
    const { keysArrived, pieces } = this.transfers;
    return {
      keys: this.keysAcknowledged,
      bytes: this.bytesSent,
      batches: this.batchesSent,
      keysInPieces: keysArrived,
      pieces,
      keyLockMsMax: this.lockMsMax,
    };
  }

  /** Keys of the slot still held here. */
  keysLeft(): number {
    return this.shard.keyspace.table(this.slot)?.size ?? 0;
  }
}
