// The frames of a move other than its batches and pieces: ACK (the receiver's answer to a batch or
// piece), the notices (FLIP, RETURN, RETURNED, DROP) and IMPORT (a move starts, with its limits).

import type { MigrationPlan } from '../../src/shared/control-messages.js';
import { PIECE_BYTES_DEFAULT } from '../../src/shared/limits.js';
import {
  ACK_APPLY_MS,
  ACK_BATCH,
  ACK_BYTES,
  ACK_OK,
  ACK_RECEIVED,
  IMPORT_BATCH_BYTES,
  IMPORT_BATCH_KEYS,
  IMPORT_BYTES,
  IMPORT_FLAGS,
  IMPORT_PIECE_BYTES,
  IMPORT_REPLICAS,
  IMPORT_WINDOW,
  ImportFlag,
  PEER_KIND,
  PEER_MIGRATION,
  PEER_SLOT,
  PeerFrame,
} from '../../src/shared/peer-frames.js';
import type { FrameWriter } from '../../src/shared/ring.js';

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
  view.setUint8(start + IMPORT_FLAGS, plan.resumed ? ImportFlag.Resumed : 0);
  view.setUint16(start + PEER_SLOT, plan.slot, true);
  view.setUint32(start + PEER_MIGRATION, plan.migration, true);
  view.setUint32(start + IMPORT_BATCH_KEYS, plan.batchKeys, true);
  view.setUint32(start + IMPORT_BATCH_BYTES, plan.batchBytes, true);
  view.setUint32(start + IMPORT_WINDOW, plan.window, true);
  view.setUint32(start + IMPORT_PIECE_BYTES, plan.pieceBytes ?? PIECE_BYTES_DEFAULT, true);
  view.setUint32(
    start + IMPORT_REPLICAS,
    plan.replicas === undefined ? 0 : plan.replicas + 1,
    true,
  );
  w.tail = start;
  w.commit(start + IMPORT_BYTES);
}

/** What IMPORT tells the target: the batch limits, the replicas to wait for, and whether resumed. */
export type ImportLimits = Pick<
  MigrationPlan,
  'batchKeys' | 'batchBytes' | 'window' | 'pieceBytes' | 'replicas' | 'resumed'
>;

export function readImportLimits(view: DataView, at: number): ImportLimits {
  const replicas = view.getUint32(at + IMPORT_REPLICAS, true);
  return {
    batchKeys: view.getUint32(at + IMPORT_BATCH_KEYS, true),
    batchBytes: view.getUint32(at + IMPORT_BATCH_BYTES, true),
    window: view.getUint32(at + IMPORT_WINDOW, true),
    pieceBytes: view.getUint32(at + IMPORT_PIECE_BYTES, true),
    ...(replicas > 0 ? { replicas: replicas - 1 } : {}),
    resumed: (view.getUint8(at + IMPORT_FLAGS) & ImportFlag.Resumed) !== 0,
  };
}
