// BLOCKED notices (src/shared/peer-frames.ts): a shard that imports a slot tells the slot's source
// which of the requests it forwarded are blocked here and when each leaves. The source answers
// those still blocked if this shard dies: their clients sent them to the source, which is alive,
// so without it they would wait for ever.

import {
  BLOCKED_BYTES,
  BLOCKED_CLIENT,
  BLOCKED_PARKED,
  BLOCKED_REQUEST,
  BLOCKED_SEAT_GENERATION,
  PEER_KIND,
  PEER_MIGRATION,
  PEER_SLOT,
  PeerFrame,
} from '../../src/shared/peer-frames.js';
import type { FrameWriter } from '../../src/shared/ring.js';

/** Who a blocked request answers to. */
export interface BlockedCaller {
  readonly slot: number;
  readonly migration: number;
  readonly client: number;
  readonly generation: number;
  readonly id: number;
}

/** Stages a BLOCKED notice: `caller`'s request blocked here (`parked`) or left. */
export function putBlockedNotice(w: FrameWriter, caller: BlockedCaller, parked: boolean): void {
  const start = w.beginFrame(BLOCKED_BYTES);
  const view = w.view;
  view.setUint32(start, BLOCKED_BYTES, true);
  view.setUint8(start + PEER_KIND, PeerFrame.Blocked);
  view.setUint8(start + BLOCKED_PARKED, parked ? 1 : 0);
  view.setUint16(start + PEER_SLOT, caller.slot, true);
  view.setUint32(start + PEER_MIGRATION, caller.migration, true);
  view.setUint16(start + BLOCKED_CLIENT, caller.client, true);
  view.setUint16(start + BLOCKED_SEAT_GENERATION, caller.generation, true);
  view.setUint32(start + BLOCKED_REQUEST, caller.id, true);
  w.tail = start;
  w.commit(start + BLOCKED_BYTES);
}

/** Reads the BLOCKED notice at `at`: the caller it names, and whether it blocked or left. */
export function readBlockedNotice(
  view: DataView,
  at: number,
): { caller: BlockedCaller; parked: boolean } {
  const caller: BlockedCaller = {
    slot: view.getUint16(at + PEER_SLOT, true),
    migration: view.getUint32(at + PEER_MIGRATION, true),
    client: view.getUint16(at + BLOCKED_CLIENT, true),
    generation: view.getUint16(at + BLOCKED_SEAT_GENERATION, true),
    id: view.getUint32(at + BLOCKED_REQUEST, true),
  };
  return { caller, parked: view.getUint8(at + BLOCKED_PARKED) === 1 };
}
