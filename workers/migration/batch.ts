// Encoding and applying BATCH frames: the keys of one slot, with their values and deadlines, sealed
// with an XXH64 checksum of the entries that the receiver verifies before it applies anything.

import xxhash from 'xxhash-wasm';
import { writeLatin1 } from '../../src/shared/codec.js';
import { keySlotOfBytes } from '../../src/shared/key-slot.js';
import {
  BATCH_BATCH,
  BATCH_CHECKSUM,
  BATCH_HEADER_BYTES,
  BATCH_KEYS,
  ENTRY_OVERHEAD_BYTES,
  PEER_KIND,
  PEER_MIGRATION,
  PEER_SLOT,
  PeerFrame,
} from '../../src/shared/peer-frames.js';
import type { FrameWriter } from '../../src/shared/ring.js';
import { isValueKind, VALUE_TYPE_NAMES, ValueKind } from '../../src/shared/value-types.js';
import type { Keyspace, SlotTable } from '../keyspace/keyspace.js';
import type { StoredValue } from '../keyspace/value.js';
import { VALUE_CODECS } from '../keyspace/value-codec.js';
import type { Journal } from '../replication/journal.js';

const { h64Raw } = await xxhash();

/** Starts a BATCH frame; entries follow with putEntry, then sealBatch. Returns the frame start. */
export function beginBatch(w: FrameWriter, slot: number, migration: number, batch: number): number {
  const start = w.beginFrame(BATCH_HEADER_BYTES);
  const view = w.view;
  view.setUint8(start + PEER_KIND, PeerFrame.Batch);
  view.setUint8(start + PEER_KIND + 1, 0);
  view.setUint16(start + PEER_SLOT, slot, true);
  view.setUint32(start + PEER_MIGRATION, migration, true);
  view.setUint32(start + BATCH_BATCH, batch, true);
  view.setUint32(start + BATCH_KEYS + 4, 0, true);
  w.tail = start + BATCH_HEADER_BYTES;
  return start;
}

/**
 * Appends one key with its value (tagged with its kind and encoded by that kind's codec) and its
 * deadline (0 = none); returns the bytes it took. Throws, before writing anything, for a kind that
 * has no byte form yet.
 */
export function putEntry(
  w: FrameWriter,
  key: string,
  value: StoredValue,
  deadline: number,
): number {
  // Strings, nearly every value moved, skip the codec table: a migration's speed is this loop's.
  const kind = typeof value === 'string' ? ValueKind.String : value.kind;
  const codec = VALUE_CODECS[kind];
  const payloadBytes = typeof value === 'string' ? value.length : codec.payloadBytes(value);
  const at = beginEntry(w, key, kind, payloadBytes);
  if (typeof value === 'string') writeLatin1(w.buf, at, value);
  else codec.encode(value, w.buf, at);
  return endEntry(w, key, at + payloadBytes, payloadBytes, deadline);
}

/**
 * putEntry() of a string a slot's listing found in the arena at `address` (SlotView.plainStringBytesAt
 * not -1): its bytes are copied from the arena.
 */
export function putStoredString(
  w: FrameWriter,
  key: string,
  table: SlotTable,
  address: number,
): number {
  const payloadBytes = table.stringBytesAt(address);
  const at = beginEntry(w, key, ValueKind.String, payloadBytes);
  table.copyStringAt(address, w.buf, at);
  return endEntry(w, key, at + payloadBytes, payloadBytes, 0);
}

/** Reserves an entry and writes its key, kind and payload length; returns where the payload goes. */
function beginEntry(w: FrameWriter, key: string, kind: ValueKind, payloadBytes: number): number {
  const at = w.reserve(ENTRY_OVERHEAD_BYTES + key.length + payloadBytes);
  const view = w.view;
  view.setUint32(at, key.length, true);
  writeLatin1(w.buf, at + 4, key);
  const kindAt = at + 4 + key.length;
  view.setUint8(kindAt, kind);
  view.setUint32(kindAt + 1, payloadBytes, true);
  return kindAt + 5;
}

/** Writes the deadline after the payload and ends the entry; returns the bytes it took. */
function endEntry(
  w: FrameWriter,
  key: string,
  payloadEnd: number,
  payloadBytes: number,
  deadline: number,
): number {
  w.view.setFloat64(payloadEnd, deadline, true);
  w.tail = payloadEnd + 8;
  return ENTRY_OVERHEAD_BYTES + key.length + payloadBytes;
}

/** The bytes putEntry takes for one key: what a sender checks against the frame limit first. */
export function entryBytes(key: string, value: StoredValue): number {
  const payloadBytes =
    typeof value === 'string' ? value.length : VALUE_CODECS[value.kind].payloadBytes(value);
  return ENTRY_OVERHEAD_BYTES + key.length + payloadBytes;
}

/** Writes the key count and checksum and stages the frame. */
export function sealBatch(w: FrameWriter, start: number, keys: number): void {
  const view = w.view;
  view.setUint32(start, w.tail - start, true);
  view.setUint32(start + BATCH_KEYS, keys, true);
  const entries = w.buf.subarray(start + BATCH_HEADER_BYTES, w.tail);
  view.setBigUint64(start + BATCH_CHECKSUM, h64Raw(entries), true);
  const end = w.tail;
  w.tail = start;
  w.commit(end);
}

export interface AppliedBatch {
  readonly keys: number;
  readonly bytes: number;
  /** Why the batch was refused; undefined when it was applied. */
  readonly refused?: string;
}

/** What a receiver does with a batch key it already holds. */
export const Present = {
  /** Refuse the batch: the sender never sends a key whose writes went to the receiver. */
  Refuse: 0,
  /**
   * Take the batch's copy: a target that goes on with a move after a failover, where a key it
   * holds came in a batch whose ack was lost, unchanged since (its writes waited at the source).
   */
  Overwrite: 1,
  /**
   * Keep its own (and skip the `known` keys too, held or not): a source taking keys back after
   * the target failed over; the copy it holds, or deleted since, is newer than the resent one.
   */
  Skip: 2,
} as const;
export type Present = (typeof Present)[keyof typeof Present];

export interface ApplyOptions {
  readonly present?: Present;
  /** With Skip: keys that came here before, which a resent batch must not bring back. */
  readonly known?: ReadonlySet<string>;
  /** Collects the keys applied. */
  readonly applied?: Set<string>;
  /** Records what was applied (the receiver's replicas must hold it before its ack goes). */
  readonly journal?: Journal | undefined;
}

/**
 * Verifies and applies a BATCH frame into `slot` of `keyspace`. Nothing is applied unless the
 * checksum matches, every entry decodes (a known type byte, a payload its codec reads, no byte
 * past the frame) and every key belongs to the slot; a key the keyspace already holds refuses the
 * batch too (the source never sends a key whose writes went to the target), unless
 * `options.present` says otherwise.
 */
export function applyBatch(
  keyspace: Keyspace,
  buf: Buffer,
  view: DataView,
  at: number,
  slot: number,
  options: ApplyOptions = {},
): AppliedBatch {
  const length = view.getUint32(at, true);
  const keys = view.getUint32(at + BATCH_KEYS, true);
  const entriesStart = at + BATCH_HEADER_BYTES;
  const end = at + length;
  const checksum = view.getBigUint64(at + BATCH_CHECKSUM, true);
  if (h64Raw(buf.subarray(entriesStart, end)) !== checksum) return refusal('checksum mismatch');
  // Decode and check every entry before changing anything. String entries go by bytes (no string
  // made) unless the options need every key as a string.
  const present = options.present ?? Present.Refuse;
  const byBytes = present !== Present.Skip && options.applied === undefined;
  const refused = decodeEntries(
    keyspace,
    buf,
    view,
    entriesStart,
    end,
    keys,
    slot,
    present,
    byBytes,
  );
  if (refused !== undefined) {
    clearPending();
    return refusal(refused);
  }
  const table = keyspace.table(slot);
  const known = options.known;
  let skipped = 0;
  for (let i = 0; i < keys; i++) {
    const key = pendingKeys[i];
    const deadline = pendingDeadlines[i]!;
    const skip =
      present === Present.Skip && (table?.has(key!) === true || known?.has(key!) === true);
    if (skip || (deadline !== 0 && deadline <= keyspace.now)) {
      pendingSkipped[i] = true;
      skipped++;
      continue;
    }
    if (key === undefined) {
      const keyStart = pendingKeyStarts[i]!;
      const keyEnd = pendingKeyEnds[i]!;
      keyspace.setBytes(slot, buf, keyStart, keyEnd, pendingValueStarts[i]!, pendingValueEnds[i]!);
      if (deadline !== 0)
        keyspace.setDeadline(slot, buf.toString('latin1', keyStart, keyEnd), deadline);
      continue;
    }
    keyspace.set(slot, key, pendingValues[i]!);
    if (deadline !== 0) keyspace.setDeadline(slot, key, deadline);
    options.applied?.add(key);
  }
  journalBatch(options.journal, keyspace, slot, keys, skipped, buf, entriesStart, end);
  clearPending();
  return { keys, bytes: length - BATCH_HEADER_BYTES };
}

/** The batch as applied, in the journal: its entries as they came, or each key it set. */
function journalBatch(
  journal: Journal | undefined,
  keyspace: Keyspace,
  slot: number,
  keys: number,
  skipped: number,
  buf: Buffer,
  entriesStart: number,
  end: number,
): void {
  if (journal === undefined || skipped === keys) return;
  if (skipped === 0) {
    journal.appendEntries(slot, keys, buf, entriesStart, end);
    return;
  }
  for (let i = 0; i < keys; i++) {
    if (pendingSkipped[i]) continue;
    const key = pendingKeys[i] ?? buf.toString('latin1', pendingKeyStarts[i], pendingKeyEnds[i]);
    if (keyspace.table(slot)?.has(key)) journal.appendKey(slot, key);
  }
}

/**
 * Entries of the batch being applied, decoded once, checked, then applied. A string entry read by
 * bytes has no key or value here (undefined, ''): its offsets in the frame say where they are.
 */
const pendingKeys: (string | undefined)[] = [];
const pendingValues: StoredValue[] = [];
const pendingDeadlines: number[] = [];
const pendingKeyStarts: number[] = [];
const pendingKeyEnds: number[] = [];
const pendingValueStarts: number[] = [];
const pendingValueEnds: number[] = [];
const pendingSkipped: boolean[] = [];

function clearPending(): void {
  pendingKeys.length = 0;
  pendingValues.length = 0;
  pendingSkipped.length = 0;
}

function refusal(reason: string): AppliedBatch {
  return { keys: 0, bytes: 0, refused: reason };
}

/**
 * Decodes the `keys` entries in buf[p, end) into the pending arrays. Returns why the batch must be
 * refused, or undefined when every entry is sound.
 */
function decodeEntries(
  keyspace: Keyspace,
  buf: Buffer,
  view: DataView,
  p: number,
  end: number,
  keys: number,
  slot: number,
  present: Present,
  byBytes: boolean,
): string | undefined {
  const frameStart = p - BATCH_HEADER_BYTES;
  for (let i = 0; i < keys; i++) {
    if (p + 4 > end) return `entry ${i} starts past the frame's end`;
    const keyStart = p + 4;
    const keyEnd = keyStart + view.getUint32(p, true);
    // The type byte and the payload length follow the key.
    if (keyEnd + 5 > end) return `entry ${i} runs past the frame's end`;
    const keySlot = keySlotOfBytes(buf, keyStart, keyEnd);
    if (keySlot !== slot) return `key of slot ${keySlot} in a batch of slot ${slot}`;
    if (present === Present.Refuse && keyspace.holdsBytes(slot, buf, keyStart, keyEnd))
      return 'batch key already present on the target';
    const kind = buf[keyEnd]!;
    if (!isValueKind(kind)) return `entry ${i} has unknown value type ${kind}`;
    const payloadStart = keyEnd + 5;
    const payloadEnd = payloadStart + view.getUint32(keyEnd + 1, true);
    if (payloadEnd + 8 > end) return `entry ${i} runs past the frame's end`;
    if (kind === ValueKind.String && byBytes) {
      pendingKeys[i] = undefined;
      pendingValues[i] = '';
    } else {
      const value =
        kind === ValueKind.String
          ? buf.toString('latin1', payloadStart, payloadEnd)
          : VALUE_CODECS[kind].decode(buf, payloadStart, payloadEnd);
      if (value === undefined)
        return `entry ${i} has an unreadable ${VALUE_TYPE_NAMES[kind]} value`;
      pendingKeys[i] = buf.toString('latin1', keyStart, keyEnd);
      pendingValues[i] = value;
    }
    pendingKeyStarts[i] = keyStart;
    pendingKeyEnds[i] = keyEnd;
    pendingValueStarts[i] = payloadStart;
    pendingValueEnds[i] = payloadEnd;
    pendingSkipped[i] = false;
    pendingDeadlines[i] = view.getFloat64(payloadEnd, true);
    p = payloadEnd + 8;
  }
  if (p !== end) return `entries end at ${p - frameStart}, frame at ${end - frameStart}`;
  return undefined;
}
