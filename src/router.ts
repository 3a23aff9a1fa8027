// Which slot a command addresses, and how a multi-key command splits by slot. Routing a slot to a
// shard is one read of the shared slot map (ControlBlock.owner); nothing here asks a shard.

import { type Argument, argumentTypeError, numberArgument } from './shared/codec.js';
import { Keys } from './shared/commands.js';
import { keySlotOfBytes, keySlotOfString } from './shared/key-slot.js';

export function slotOf(arg: Argument): number {
  if (typeof arg === 'string') return keySlotOfString(arg);
  if (arg instanceof Uint8Array) return keySlotOfBytes(arg);
  if (typeof arg === 'number') return keySlotOfString(numberArgument(arg));
  throw argumentTypeError(arg);
}

/** Keys of a split command grouped by slot: groups[i] lists argument indexes of slots[i]. */
export interface SlotGroups {
  readonly slots: number[];
  readonly groups: number[][];
}

/**
 * Groups the keys of `args` by slot. With Keys.Pairs each key is followed by its value, and a
 * group lists the key indexes only.
 */
export function groupBySlot(args: readonly Argument[], keys: Keys): SlotGroups {
  const step = keys === Keys.Pairs ? 2 : 1;
  const bySlot = new Map<number, number[]>();
  for (let i = 0; i < args.length; i += step) {
    const slot = slotOf(args[i]!);
    const group = bySlot.get(slot);
    if (group === undefined) bySlot.set(slot, [i]);
    else group.push(i);
  }
  return { slots: [...bySlot.keys()], groups: [...bySlot.values()] };
}

/** The slot every key of `args` hashes to, or -1 when they differ. */
export function commonSlot(args: readonly Argument[], keys: Keys): number {
  const step = keys === Keys.Pairs ? 2 : 1;
  const slot = slotOf(args[0]!);
  for (let i = step; i < args.length; i += step) if (slotOf(args[i]!) !== slot) return -1;
  return slot;
}
