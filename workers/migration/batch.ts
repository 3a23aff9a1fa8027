// Encoding and applying BATCH frames: the keys of one slot, with their values and deadlines, sealed
// with an XXH64 checksum of the entries that the receiver verifies before it applies anything.

import xxhash from 'xxhash-wasm';
import {
  ACK_APPLY_MS,
  ACK_BATCH,
  ACK_BYTES,
  ACK_OK,
  ACK_RECEIVED,
  BATCH_BATCH,
  BATCH_CHECKSUM,
  BATCH_HEADER_BYTES,
  BATCH_KEYS,
  ENTRY_OVERHEAD_BYTES,
  IMPORT_BATCH_BYTES,
  IMPORT_BATCH_KEYS,
  IMPORT_BYTES,
  IMPORT_WINDOW,
  PEER_KIND,
  PEER_MIGRATION,
  PEER_SLOT,
  PeerFrame,
} from '../../src/shared/peer-frames.js';
import type { MigrationPlan } from '../../src/shared/control-messages.js';
import { keySlotOfLatin1 } from '../../src/shared/key-slot.js';
import type { FrameWriter } from '../../src/shared/ring.js';
import { writeLatin1 } from '../../src/shared/codec.js';
import type { Keyspace } from '../keyspace.js';

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

/** Appends one key; returns the bytes it took. */
export function putEntry(w: FrameWriter, key: string, value: string, deadline: number): number {
  const bytes = ENTRY_OVERHEAD_BYTES + key.length + value.length;
  let at = w.reserve(bytes);
  const view = w.view;
  view.setUint32(at, key.length, true);
  writeLatin1(w.buf, at + 4, key);
  at += 4 + key.length;
  view.setUint32(at, value.length, true);
  writeLatin1(w.buf, at + 4, value);
  at += 4 + value.length;
  view.setFloat64(at, deadline, true);
  w.tail = at + 8;
  return bytes;
}

/** The bytes putEntry takes for one key: what a sender checks against the frame limit first. */
export function entryBytes(key: string, value: string): number {
  return ENTRY_OVERHEAD_BYTES + key.length + value.length;
}

/** Writes the key count and checksum and stages the frame. */
export function sealBatch(w: FrameWriter, start: number, keys: number): void {
  const view = w.view;
  view.setUint32(start, w.tail - start, true);
  view.setUint32(start + BATCH_KEYS, keys, true);
  view.setBigUint64(start + BATCH_CHECKSUM, h64Raw(w.buf.subarray(start + BATCH_HEADER_BYTES, w.tail)), true);
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

/**
 * Verifies and applies a BATCH frame into `slot` of `keyspace`. Nothing is applied unless the
 * checksum matches and every key belongs to the slot; a key the keyspace already holds refuses the
 * batch too (the source never sends a key whose writes went to the target).
 */
export function applyBatch(keyspace: Keyspace, buf: Buffer, view: DataView, at: number, slot: number): AppliedBatch {
  const length = view.getUint32(at, true);
  const keys = view.getUint32(at + BATCH_KEYS, true);
  const entriesStart = at + BATCH_HEADER_BYTES;
  const end = at + length;
  const checksum = view.getBigUint64(at + BATCH_CHECKSUM, true);
  if (h64Raw(buf.subarray(entriesStart, end)) !== checksum) return { keys: 0, bytes: 0, refused: 'checksum mismatch' };
  // Decode and check every entry before changing anything.
  const table = keyspace.table(slot);
  let p = entriesStart;
  for (let i = 0; i < keys; i++) {
    const keyBytes = view.getUint32(p, true);
    const key = buf.toString('latin1', p + 4, p + 4 + keyBytes);
    if (keySlotOfLatin1(key) !== slot) return { keys: 0, bytes: 0, refused: `key of slot ${keySlotOfLatin1(key)} in a batch of slot ${slot}` };
    if (table?.has(key)) return { keys: 0, bytes: 0, refused: 'batch key already present on the target' };
    p += 4 + keyBytes;
    const valueBytes = view.getUint32(p, true);
    pendingKeys[i] = key;
    pendingValues[i] = buf.toString('latin1', p + 4, p + 4 + valueBytes);
    p += 4 + valueBytes;
    pendingDeadlines[i] = view.getFloat64(p, true);
    p += 8;
  }
  if (p !== end) return { keys: 0, bytes: 0, refused: `entries end at ${p - at}, frame at ${length}` };
  for (let i = 0; i < keys; i++) {
    const key = pendingKeys[i]!;
    const deadline = pendingDeadlines[i]!;
    if (deadline !== 0 && deadline <= keyspace.now) continue;
    keyspace.set(slot, key, pendingValues[i]!);
    if (deadline !== 0) keyspace.setDeadline(slot, key, deadline);
  }
  pendingKeys.length = 0;
  pendingValues.length = 0;
  return { keys, bytes: length - BATCH_HEADER_BYTES };
}

/** Entries of the batch being applied, decoded once, checked, then applied. */
const pendingKeys: string[] = [];
const pendingValues: string[] = [];
const pendingDeadlines: number[] = [];

export function putAck(
  w: FrameWriter,
  slot: number,
  migration: number,
  batch: number,
  ok: boolean,
  receivedAbs = 0,
  applyMs = 0,
): void {
  const start = w.beginFrame(ACK_BYTES);
  const view = w.view;
  view.setUint32(start, ACK_BYTES, true);
  view.setUint8(start + PEER_KIND, PeerFrame.Ack);
  view.setUint8(start + ACK_OK, ok ? 1 : 0);
  view.setUint16(start + PEER_SLOT, slot, true);
  view.setUint32(start + PEER_MIGRATION, migration, true);
  view.setUint32(start + ACK_BATCH, batch, true);
  view.setFloat64(start + ACK_RECEIVED, receivedAbs, true);
  view.setFloat64(start + ACK_APPLY_MS, applyMs, true);
  w.tail = start;
  w.commit(start + ACK_BYTES);
}

/** A notice frame (FLIP, RETURN, RETURNED, DROP). */
export function putNotice(w: FrameWriter, kind: PeerFrame, slot: number, migration: number): void {
  const start = w.beginFrame(12);
  const view = w.view;
  view.setUint32(start, 12, true);
  view.setUint8(start + PEER_KIND, kind);
  view.setUint8(start + PEER_KIND + 1, 0);
  view.setUint16(start + PEER_SLOT, slot, true);
  view.setUint32(start + PEER_MIGRATION, migration, true);
  w.tail = start;
  w.commit(start + 12);
}

/** IMPORT: tells the target a migration starts, with the limits to send keys back if cancelled. */
export function putImport(w: FrameWriter, plan: MigrationPlan): void {
  const start = w.beginFrame(IMPORT_BYTES);
  const view = w.view;
  view.setUint32(start, IMPORT_BYTES, true);
  view.setUint8(start + PEER_KIND, PeerFrame.Import);
  view.setUint8(start + PEER_KIND + 1, 0);
  view.setUint16(start + PEER_SLOT, plan.slot, true);
  view.setUint32(start + PEER_MIGRATION, plan.migration, true);
  view.setUint32(start + IMPORT_BATCH_KEYS, plan.batchKeys, true);
  view.setUint32(start + IMPORT_BATCH_BYTES, plan.batchBytes, true);
  view.setUint32(start + IMPORT_WINDOW, plan.window, true);
  w.tail = start;
  w.commit(start + IMPORT_BYTES);
}

export function readImportLimits(view: DataView, at: number): Pick<MigrationPlan, 'batchKeys' | 'batchBytes' | 'window'> {
  return {
    batchKeys: view.getUint32(at + IMPORT_BATCH_KEYS, true),
    batchBytes: view.getUint32(at + IMPORT_BATCH_BYTES, true),
    window: view.getUint32(at + IMPORT_WINDOW, true),
  };
}
