// Set algebra over keys of one slot (the client refuses others with CROSSSLOT): SINTER, SINTERCARD,
// SUNION, SDIFF and the STORE forms, as t_set.c. Every source key is looked up and type-checked
// before any work, so a WRONGTYPE anywhere wins over a missing key; a missing key is an empty set.
// A STORE form replaces its destination (of any type, dropping its TTL) with the result, or
// deletes it when the result is empty, and replies the result's size.

import { parseInt64 } from '../../../src/shared/numbers.js';
import {
  LIMIT_NEGATIVE,
  NUMKEYS_NOT_POSITIVE,
  NUMKEYS_OVER_ARGS,
  SYNTAX,
} from '../../../src/shared/reply-errors.js';
import { SetValue } from '../../keyspace/set-value.js';
import { WRONG_TYPE } from '../../keyspace/value.js';
import type { Call } from '../call.js';
import { lookupSet, replyMembers, replySet } from './shared.js';

/** The sets at arguments [from, to): undefined for a missing key; null after WRONGTYPE (answered). */
function lookupAll(call: Call, from: number, to: number): (SetValue | undefined)[] | null {
  const sets: (SetValue | undefined)[] = [];
  for (let i = from; i < to; i++) {
    const set = lookupSet(call, call.arg(i));
    if (set === WRONG_TYPE) {
      call.wrongType();
      return null;
    }
    sets.push(set);
  }
  return sets;
}

/**
 * Calls `emit` with each member of every set, smallest set first, until it returns false. Any
 * missing set makes the intersection empty.
 */
function intersect(sets: readonly (SetValue | undefined)[], emit: (member: string) => boolean) {
  if (sets.some((set) => set === undefined)) return;
  const bySize = (sets as SetValue[]).slice().sort((a, b) => a.size - b.size);
  const smallest = bySize[0]!;
  const others = bySize.slice(1);
  const members = smallest.members();
  for (const member of members) {
    if (others.every((other) => other.has(member)) && !emit(member)) return;
  }
}

function union(sets: readonly (SetValue | undefined)[]): SetValue | undefined {
  const present = sets.filter((set) => set !== undefined);
  if (present.length === 0) return undefined;
  // Start from a copy of the largest set (one array copy), then add the others' members.
  const largest = present.reduce((a, b) => (b.size > a.size ? b : a));
  const result = largest.clone();
  for (const set of present) {
    if (set === largest) continue;
    set.forEach((member) => {
      result.add(member);
    });
  }
  return result;
}

/**
 * The first set minus the others. As Redis, the cheaper of two ways: test each member of the first
 * against the others (stopping at the first that has it, so half the work on average), or copy the
 * first set and remove every member of the others.
 */
function difference(sets: readonly (SetValue | undefined)[]): SetValue | undefined {
  const first = sets[0];
  if (first === undefined) return undefined;
  const others = sets.slice(1).filter((set) => set !== undefined);
  const testEach = (first.size * others.length) / 2;
  const removeEach = others.reduce((sum, set) => sum + set.size, 0);
  if (testEach < removeEach) {
    const result = new SetValue();
    first.forEach((member) => {
      if (!others.some((other) => other.has(member))) result.add(member);
    });
    return result;
  }
  const result = first.clone();
  for (const other of others) {
    if (result.size === 0) break;
    other.forEach((member) => {
      result.remove(member);
    });
  }
  return result;
}

/** Replies a computed set (undefined: empty). */
function replyResult(call: Call, result: SetValue | undefined): void {
  if (result === undefined) call.array(0);
  else replySet(call, result);
}

/** Stores `result` at the destination (argument 0), or deletes it when empty; replies the size. */
function store(call: Call, result: SetValue | undefined): void {
  const destination = call.arg(0);
  if (result === undefined || result.size === 0) {
    call.keyspace.delete(call.slot, destination);
    call.int(0);
    return;
  }
  call.keyspace.set(call.slot, destination, result);
  call.int(result.size);
}

export function sInter(call: Call): void {
  const sets = lookupAll(call, 0, call.argc);
  if (sets === null) return;
  const members: string[] = [];
  intersect(sets, (member) => members.push(member) > 0);
  replyMembers(call, members);
}

export function sInterStore(call: Call): void {
  const sets = lookupAll(call, 1, call.argc);
  if (sets === null) return;
  const result = new SetValue();
  intersect(sets, (member) => result.add(member));
  store(call, result);
}

export function sUnion(call: Call): void {
  const sets = lookupAll(call, 0, call.argc);
  if (sets !== null) replyResult(call, union(sets));
}

export function sUnionStore(call: Call): void {
  const sets = lookupAll(call, 1, call.argc);
  if (sets !== null) store(call, union(sets));
}

export function sDiff(call: Call): void {
  const sets = lookupAll(call, 0, call.argc);
  if (sets !== null) replyResult(call, difference(sets));
}

export function sDiffStore(call: Call): void {
  const sets = lookupAll(call, 1, call.argc);
  if (sets !== null) store(call, difference(sets));
}

/**
 * SINTERCARD numkeys key [key ...] [LIMIT limit]: the size of the intersection, counting no
 * further than a non-zero limit. The arguments are checked before any key is looked up.
 */
export function sInterCard(call: Call): void {
  const numkeys = parseInt64(call.arg(0));
  if (numkeys === undefined || numkeys < 1) {
    call.error(NUMKEYS_NOT_POSITIVE);
    return;
  }
  if (numkeys > call.argc - 1) {
    call.error(NUMKEYS_OVER_ARGS);
    return;
  }
  const end = 1 + Number(numkeys);
  let limit = 0;
  for (let j = end; j < call.argc; j += 2) {
    if (!call.argIs(j, 'LIMIT') || j + 1 >= call.argc) {
      call.error(SYNTAX);
      return;
    }
    const parsed = parseInt64(call.arg(j + 1));
    if (parsed === undefined || parsed < 0) {
      call.error(LIMIT_NEGATIVE);
      return;
    }
    limit = Number(parsed);
  }
  const sets = lookupAll(call, 1, end);
  if (sets === null) return;
  let count = 0;
  intersect(sets, () => ++count !== limit);
  call.int(count);
}
