// Which slot a command addresses, and how a multi-key command splits by slot. Routing a slot to a
// shard is one read of the shared slot map (ControlBlock.owner); nothing here asks a shard. Where
// the keys are comes from the command's key specs (commands/key-spec.ts).

import type { CommandSpec } from './commands/declaration.js';
import { keyIndexes } from './commands/key-spec.js';
import { type Argument, argumentTypeError, numberArgument } from './shared/codec.js';
import { keySlotOfBytes, keySlotOfString } from './shared/key-slot.js';
import { parseInt64 } from './shared/numbers.js';

export function slotOf(arg: Argument): number {
  if (typeof arg === 'string') return keySlotOfString(arg);
  if (arg instanceof Uint8Array) return keySlotOfBytes(arg);
  if (typeof arg === 'number') return keySlotOfString(numberArgument(arg));
  throw argumentTypeError(arg);
}

/**
 * Keys of a split command grouped by slot: groups[i] lists the argument indexes of the keys of
 * slots[i]. Each key carries `step` arguments: itself and what follows it (MSET's value).
 */
export interface SlotGroups {
  readonly slots: number[];
  readonly groups: number[][];
  readonly step: number;
}

/**
 * Groups the keys of a per-slot split command by slot. Its one key range runs over every
 * argument (the table checks it), `step` arguments a key.
 */
export function groupBySlot(args: readonly Argument[], command: CommandSpec): SlotGroups {
  const step = command.keys[0]!.step;
  const bySlot = new Map<number, number[]>();
  for (let i = 0; i < args.length; i += step) {
    const slot = slotOf(args[i]!);
    const group = bySlot.get(slot);
    if (group === undefined) bySlot.set(slot, [i]);
    else group.push(i);
  }
  return { slots: [...bySlot.keys()], groups: [...bySlot.values()], step };
}

/** A numkeys count among a call's arguments: NaN when it is not an integer. */
function integerArgument(args: readonly Argument[], index: number): number {
  const arg = args[index];
  const text = arg instanceof Uint8Array ? Buffer.from(arg).toString('latin1') : String(arg);
  const value = parseInt64(text);
  return value === undefined ? NaN : Number(value);
}

/** The slot every key of the call hashes to, or -1 when they differ. */
export function commonSlot(args: readonly Argument[], command: CommandSpec): number {
  const keys = keyIndexes(command.keys, args.length, args, integerArgument);
  if (keys.length === 0) return -1;
  const slot = slotOf(args[keys[0]!]!);
  for (let i = 1; i < keys.length; i++) if (slotOf(args[keys[i]!]!) !== slot) return -1;
  return slot;
}
