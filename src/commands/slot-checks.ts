// Commands routed by an argument instead of a key: the slot number of CLUSTER COUNTKEYSINSLOT and
// GETKEYSINSLOT, and SCAN's cursor. Each check parses the argument as Redis does and refuses the
// call with Redis's error before anything is sent.

import { ErrorReply } from '../errors.js';
import type { Argument } from '../shared/codec.js';
import { SLOT_COUNT } from '../shared/limits.js';
import { parseInt64 } from '../shared/numbers.js';
import {
  INVALID_CURSOR,
  INVALID_SLOT,
  INVALID_SLOT_OR_COUNT,
  NOT_INTEGER,
} from '../shared/reply-errors.js';
import { SlotCheck } from './declaration.js';

/** The slot a call addresses; throws an ErrorReply to refuse it. */
export type SlotArgumentCheck = (args: readonly Argument[]) => number;

/** COUNTKEYSINSLOT: argument 0 is a slot. */
const slot: SlotArgumentCheck = (args) => {
  const value = parseInt64(String(args[0]));
  if (value === undefined) throw new ErrorReply(NOT_INTEGER);
  if (value < 0 || value >= SLOT_COUNT) throw new ErrorReply(INVALID_SLOT);
  return Number(value);
};

/** GETKEYSINSLOT: a slot and a count, both integers before either is range-checked. */
const slotAndCount: SlotArgumentCheck = (args) => {
  const value = parseInt64(String(args[0]));
  const count = parseInt64(String(args[1]));
  if (value === undefined || count === undefined) throw new ErrorReply(NOT_INTEGER);
  if (value < 0 || value >= SLOT_COUNT || count < 0) throw new ErrorReply(INVALID_SLOT_OR_COUNT);
  return Number(value);
};

export const SLOT_CHECKS = {
  [SlotCheck.Slot]: slot,
  [SlotCheck.SlotAndCount]: slotAndCount,
} satisfies Record<SlotCheck, SlotArgumentCheck>;

/** SCAN's cursor is the next slot to visit: an unsigned integer below 16384. */
export function cursorSlot(arg: Argument): number {
  const bytes = arg instanceof Uint8Array ? Buffer.from(arg) : arg;
  const text = typeof bytes === 'string' ? bytes : String(bytes);
  if (!/^\d{1,5}$/.test(text) || Number(text) >= SLOT_COUNT) throw new ErrorReply(INVALID_CURSOR);
  return Number(text);
}
