// One reducer per reply policy: how the replies of a call's parts (one per slot, or one per
// shard) become the call's reply. The compiler checks that every policy has one.

import type { SlotGroups } from '../router.js';
import { ReplyPolicy } from './declaration.js';

/** Merges the parts' replies, in part order; `groups` are a per-slot split's key positions. */
export type Reducer = (parts: unknown[], groups?: SlotGroups) => unknown;

const single: Reducer = (parts) => parts[0];

const sum: Reducer = (parts) => {
  let total = 0;
  for (const part of parts) total += part as number;
  return total;
};

const allOk: Reducer = () => 'OK';

const min: Reducer = (parts) => {
  let least = Number.POSITIVE_INFINITY;
  for (const part of parts) if ((part as number) < least) least = part as number;
  return least;
};

/** WAITAOF: [local, replicas] from each shard; the least local and the least replicas. */
const minPair: Reducer = (parts) => {
  let local = Number.POSITIVE_INFINITY;
  let replicas = Number.POSITIVE_INFINITY;
  for (const part of parts as [number, number][]) {
    if (part[0] < local) local = part[0];
    if (part[1] < replicas) replicas = part[1];
  }
  return [local, replicas];
};

/** MGET: each part answered for its group's keys; put every value back at its key's position. */
const byKeyPosition: Reducer = (parts, groups) => {
  const split = groups!;
  let total = 0;
  for (const positions of split.groups) total += positions.length;
  const values = new Array<unknown>(total);
  for (let g = 0; g < split.groups.length; g++) {
    const positions = split.groups[g]!;
    const part = parts[g] as unknown[];
    for (let k = 0; k < positions.length; k++) values[positions[k]! / split.step] = part[k];
  }
  return values;
};

/** KEYS: every shard's keys once; while a slot migrates, a key in flight is on both shards. */
const concatUnique: Reducer = (parts) => {
  const seen = new Set<string>();
  const keys: unknown[] = [];
  for (const part of parts as (string | Buffer)[][]) {
    for (const key of part) {
      const identity = typeof key === 'string' ? key : key.toString('latin1');
      if (seen.has(identity)) continue;
      seen.add(identity);
      keys.push(key);
    }
  }
  return keys;
};

export const REPLY_REDUCERS = {
  [ReplyPolicy.Single]: single,
  [ReplyPolicy.Sum]: sum,
  [ReplyPolicy.AllOk]: allOk,
  [ReplyPolicy.ByKeyPosition]: byKeyPosition,
  [ReplyPolicy.ConcatUnique]: concatUnique,
  [ReplyPolicy.Min]: min,
  [ReplyPolicy.MinPair]: minPair,
  [ReplyPolicy.First]: single,
} satisfies Record<ReplyPolicy, Reducer>;
