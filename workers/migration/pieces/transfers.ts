// The source's side of big keys in pieces: which keys travel so, the transfers under way, and the
// building of each PIECE. The batch sender (sender.ts) owns the window, the sequence numbers, the
// acknowledgements and the key locks, and calls in here for the pieces.
//
// A transfer's state decides what requests for its key may do at the source (the outgoing role
// reads it through the sender's `locked` map, as for keys in a batch):
//
//   Sending  reads and writes run at once; the tracker hears of every change and the next piece
//            carries it. The key stays whole and resident here.
//   Locked   a copy that started over RESTARTS_MAX times (a list rewritten by LSET, LINSERT, LREM
//            or LTRIM while it travelled, a set's table resized), or that sent OPS_FACTOR_MAX times
//            the members its value had (writes touch members behind the cursor as fast as pieces
//            carry them): reads run, writes wait until the final piece's ack, so that it finishes.
//   Final    the final piece is in flight: reads run, writes wait for its ack (as for a key in a
//            batch), then the key is deleted here and lives on the target.
//
// A transfer ends with the ack of its final piece, or is aborted when the key stops holding the
// value it tracks (DEL, SET, RENAME, expiry: anything that replaces the whole value rather than
// changing it): an ABORT piece tells the target to drop its copy, and the key, if it holds a new
// value, goes back to the sender as any key would.

import { PieceFlag } from '../../../src/shared/peer-frames.js';
import type { FrameWriter } from '../../../src/shared/ring.js';
import type { Keyspace } from '../../keyspace/keyspace.js';
import type { CollectionValue } from '../../keyspace/value.js';
import { VALUE_CODECS } from '../../keyspace/value-codec.js';
import { pieceSourceFor } from './kinds.js';
import type { PieceSource } from './piece.js';
import { beginPiece, OpWriter, sealPiece } from './piece-frame.js';

export const TransferState = { Sending: 0, Locked: 1, Final: 2 } as const;
export type TransferState = (typeof TransferState)[keyof typeof TransferState];

/** Big keys that travel at once per slot move: each holds a tracker and a copy on the target. */
export const TRANSFERS_MAX = 2;

/**
 * Times a copy may start over (a list changed in the middle, a set's table resized) before its key
 * is locked for writes until it arrives: a client rewriting a big list (LSET, LTRIM...) faster than
 * it travels would otherwise keep it here for ever.
 */
export const RESTARTS_MAX = 3;

/**
 * Operations a copy may send, in multiples of its value's members when it started, before its key
 * is locked for writes until it arrives: a copy converges only while writes touch fewer members
 * behind the cursor than pieces carry, and a client writing a big hash faster than a throttled
 * move sends it would otherwise keep it here for ever. Twice: the value once, and as much again in
 * changes.
 */
export const OPS_FACTOR_MAX = 2;

/** The least bytes any member takes in a byte form (its length prefix). */
const MEMBER_BYTES_MIN = 4;

export interface Transfer {
  readonly key: string;
  /** Replaced when the copy starts over at a new target (restart). */
  source: PieceSource;
  state: TransferState;
  /** No piece was sent yet. */
  first: boolean;
  /** Operations sent since the copy started, and how many it may send before it is Locked. */
  opsSent: number;
  opsMax: number;
}

/** How many operations a copy of `value` may send before it is Locked (OPS_FACTOR_MAX). */
function opsMaxOf(value: CollectionValue): number {
  return OPS_FACTOR_MAX * Math.max(1, value.size);
}

/** What building a piece did. */
export interface BuiltPiece {
  readonly key: string;
  readonly bytes: number;
  readonly final: boolean;
  readonly aborted: boolean;
}

export class PieceTransfers {
  readonly byKey = new Map<string, Transfer>();
  /** Big keys found while TRANSFERS_MAX were under way; they start as transfers end. */
  readonly waiting: string[] = [];
  /** Round robin: the transfer that sent last. */
  private turn = 0;
  /** Pieces sent, and keys that arrived in pieces. */
  pieces = 0;
  keysArrived = 0;

  constructor(
    private readonly keyspace: Keyspace,
    private readonly slot: number,
    private readonly migration: number,
    readonly pieceBytes: number,
  ) {}

  /** Whether nothing travels in pieces or waits to. */
  get idle(): boolean {
    return this.byKey.size === 0 && this.waiting.length === 0;
  }

  /**
   * Whether `value` is too big for a batch entry. Counting its members settles most values at
   * once; only one small enough for its member count to fit has its byte form measured, which
   * then costs at most pieceBytes / MEMBER_BYTES_MIN members' worth of work.
   */
  isBig(value: CollectionValue): boolean {
    if (value.size * MEMBER_BYTES_MIN > this.pieceBytes) return pieceSourceFor(value) !== undefined;
    if (VALUE_CODECS[value.kind].payloadBytes(value) <= this.pieceBytes) return false;
    return pieceSourceFor(value) !== undefined;
  }

  /** Starts moving `key` in pieces; false when TRANSFERS_MAX are under way (it waits). */
  start(key: string, value: CollectionValue): boolean {
    if (this.byKey.size >= TRANSFERS_MAX) {
      this.waiting.push(key);
      return false;
    }
    const source = pieceSourceFor(value)!;
    value.tracker = source;
    const state = TransferState.Sending;
    this.byKey.set(key, { key, source, state, first: true, opsSent: 0, opsMax: opsMaxOf(value) });
    return true;
  }

  /**
   * Whether every transfer under way has nothing left to send but its final piece. Final pieces go
   * only then, one at a time and once nothing is in flight: the sender holds new batches back
   * meanwhile, so that the window drains.
   */
  /** Whether some transfer holds its key's writes until it ends (Locked or Final). */
  get holdsWrites(): boolean {
    for (const transfer of this.byKey.values())
      if (transfer.state !== TransferState.Sending) return true;
    return false;
  }

  get finalDue(): boolean {
    let due = false;
    for (const transfer of this.byKey.values()) {
      if (transfer.state === TransferState.Final) continue;
      if (!transfer.source.caughtUp) return false;
      due = true;
    }
    return due;
  }

  /**
   * The next transfer to send a piece: in turn, one with more than its final piece to send. A
   * transfer with only its final piece left waits (writable here) until every other one is there
   * too, so that no key the target already serves shares its time with a copy still being built
   * there; then, when `finalAllowed` (nothing in flight), it sends its final piece. Never one whose
   * final piece is in flight.
   */
  next(finalAllowed = true): Transfer | undefined {
    const sending: Transfer[] = [];
    let due: Transfer | undefined;
    for (const transfer of this.byKey.values()) {
      if (transfer.state === TransferState.Final) continue;
      if (!transfer.source.caughtUp) sending.push(transfer);
      else due ??= transfer;
    }
    if (sending.length === 0) return finalAllowed ? due : undefined;
    this.turn = (this.turn + 1) % sending.length;
    return sending[this.turn];
  }

  /**
   * Writes `transfer`'s next piece as number `number`: an ABORT if its key no longer holds the
   * value it tracks, else the next operations, final when they complete the copy and
   * `finalAllowed`.
   */
  build(transfer: Transfer, number: number, w: FrameWriter, finalAllowed = true): BuiltPiece {
    const { key, source } = transfer;
    const value = source.value;
    const start = beginPiece(w, this.slot, this.migration, number, value.kind, key);
    // get() expires the key lazily: an expired key aborts its transfer too.
    if (this.keyspace.get(this.slot, key) !== value) {
      this.end(transfer);
      const bytes = sealPiece(w, start, PieceFlag.Abort, 0, 0, 0, 0);
      return { key, bytes, final: false, aborted: true };
    }
    const ops = new OpWriter(w);
    source.write(ops, this.pieceBytes);
    transfer.opsSent += ops.ops;
    const final = source.caughtUp && finalAllowed && this.othersCaughtUp(transfer);
    let flags = final ? PieceFlag.Final : 0;
    if (transfer.first) flags |= PieceFlag.First;
    transfer.first = false;
    if (final) transfer.state = TransferState.Final;
    else if (source.restarts > RESTARTS_MAX || transfer.opsSent > transfer.opsMax) {
      transfer.state = TransferState.Locked;
    }
    const deadline = final ? (this.keyspace.deadline(this.slot, key) ?? 0) : 0;
    const bytes = sealPiece(w, start, flags, deadline, source.seed, value.size, ops.ops);
    this.pieces++;
    return { key, bytes, final, aborted: false };
  }

  /** Whether every transfer under way but `transfer` has only its final piece left, or sent it. */
  private othersCaughtUp(transfer: Transfer): boolean {
    for (const other of this.byKey.values()) {
      if (other !== transfer && other.state !== TransferState.Final && !other.source.caughtUp) {
        return false;
      }
    }
    return true;
  }

  /** The target acknowledged the final piece of `key` (it holds the key now), or refused a piece. */
  acknowledged(key: string, arrived: boolean): void {
    const transfer = this.byKey.get(key);
    if (transfer === undefined) return;
    this.end(transfer);
    if (arrived) this.keysArrived++;
  }

  /**
   * The target failed over: every copy starts over from its first piece at the new one. A key
   * whose final piece was in flight is Locked (its writes still wait) until its new final piece.
   * Returns the keys whose value no longer travels in pieces (it shrank): they go in a batch.
   */
  restart(): string[] {
    const whole: string[] = [];
    for (const transfer of [...this.byKey.values()]) {
      const value = transfer.source.value;
      const source = pieceSourceFor(value);
      if (source === undefined) {
        this.end(transfer);
        whole.push(transfer.key);
        continue;
      }
      value.tracker = source;
      transfer.source = source;
      transfer.first = true;
      transfer.opsSent = 0;
      transfer.opsMax = opsMaxOf(value);
      if (transfer.state === TransferState.Final) transfer.state = TransferState.Locked;
    }
    return whole;
  }

  /** A cancel: transfers stop here (the target drops its copies on RETURN), but not a final one. */
  stop(): void {
    for (const transfer of [...this.byKey.values()]) {
      if (transfer.state !== TransferState.Final) this.end(transfer);
    }
    this.waiting.length = 0;
  }

  /** The move ended, or the slot was flushed: every tracker goes. */
  clear(): void {
    for (const transfer of [...this.byKey.values()]) this.end(transfer);
    this.waiting.length = 0;
  }

  private end(transfer: Transfer): void {
    const value = transfer.source.value;
    if (value.tracker === transfer.source) value.tracker = undefined;
    this.byKey.delete(transfer.key);
  }
}
