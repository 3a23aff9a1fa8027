// The commands on the members of one set (SADD, SREM, SISMEMBER, SMISMEMBER, SCARD, SMEMBERS) and
// SMOVE, with Redis's replies and checks (t_set.c). A set is created by its first member and the
// key deleted with its last.

import { setTooLarge } from '../../../src/shared/reply-errors.js';
import { SET_MEMBERS_MAX, SetValue } from '../../keyspace/set-value.js';
import { WRONG_TYPE } from '../../keyspace/value.js';
import type { Call } from '../call.js';
import { lookupSet, replySet } from './shared.js';

/**
 * Whether adding the members in arguments `from`.. to `set` keeps it within SET_MEMBERS_MAX;
 * answers the error when not. Counts exactly (new, distinct members) only near the limit.
 */
function fitsMembers(call: Call, set: SetValue, from: number): boolean {
  if (set.size + (call.argc - from) <= SET_MEMBERS_MAX) return true;
  const added = new Set<string>();
  for (let i = from; i < call.argc; i++) {
    const member = call.arg(i);
    if (!set.has(member)) added.add(member);
  }
  if (set.size + added.size <= SET_MEMBERS_MAX) return true;
  call.error(setTooLarge(SET_MEMBERS_MAX));
  return false;
}

export function sAdd(call: Call): void {
  const key = call.arg(0);
  const found = lookupSet(call, key);
  if (found === WRONG_TYPE) {
    call.wrongType();
    return;
  }
  const set = found ?? new SetValue(undefined, call.argc - 1);
  if (!fitsMembers(call, set, 1)) return;
  let added = 0;
  for (let i = 1; i < call.argc; i++) if (set.add(call.arg(i))) added++;
  if (found === undefined) call.keyspace.set(call.slot, key, set);
  else if (added > 0) call.keyspace.modified(call.slot, key);
  call.int(added);
}

export function sRem(call: Call): void {
  const key = call.arg(0);
  const set = lookupSet(call, key);
  if (set === undefined) {
    call.int(0);
    return;
  }
  if (set === WRONG_TYPE) {
    call.wrongType();
    return;
  }
  let removed = 0;
  for (let i = 1; i < call.argc && set.size > 0; i++) if (set.remove(call.arg(i))) removed++;
  afterRemoval(call, key, set, removed);
  call.int(removed);
}

/** After `removed` members left `set` in place: deletes the key if it is empty, else signals it. */
export function afterRemoval(call: Call, key: string, set: SetValue, removed: number): void {
  if (set.size === 0) call.keyspace.delete(call.slot, key);
  else if (removed > 0) call.keyspace.modified(call.slot, key);
}

export function sMembers(call: Call): void {
  const set = lookupSet(call, call.arg(0));
  if (set === undefined) call.array(0);
  else if (set === WRONG_TYPE) call.wrongType();
  else replySet(call, set);
}

export function sIsMember(call: Call): void {
  const set = lookupSet(call, call.arg(0));
  if (set === undefined) call.int(0);
  else if (set === WRONG_TYPE) call.wrongType();
  else call.int(set.has(call.arg(1)) ? 1 : 0);
}

export function smIsMember(call: Call): void {
  const set = lookupSet(call, call.arg(0));
  if (set === WRONG_TYPE) {
    call.wrongType();
    return;
  }
  call.array(call.argc - 1);
  for (let i = 1; i < call.argc; i++) call.int(set?.has(call.arg(i)) ? 1 : 0);
}

export function sCard(call: Call): void {
  const set = lookupSet(call, call.arg(0));
  if (set === WRONG_TYPE) call.wrongType();
  else call.int(set === undefined ? 0 : set.size);
}

/**
 * SMOVE source destination member. As Redis: a missing source answers 0 before the types are
 * checked; the same key as source and destination answers whether the member is there.
 */
export function sMove(call: Call): void {
  const sourceKey = call.arg(0);
  const destinationKey = call.arg(1);
  const member = call.arg(2);
  const source = lookupSet(call, sourceKey);
  const destination = lookupSet(call, destinationKey);
  if (source === undefined) {
    call.int(0);
    return;
  }
  if (source === WRONG_TYPE || destination === WRONG_TYPE) {
    call.wrongType();
    return;
  }
  if (sourceKey === destinationKey) {
    call.int(source.has(member) ? 1 : 0);
    return;
  }
  if (destination !== undefined && !fitsMembers(call, destination, 2)) return;
  if (!source.remove(member)) {
    call.int(0);
    return;
  }
  afterRemoval(call, sourceKey, source, 1);
  if (destination === undefined) {
    const created = new SetValue();
    created.add(member);
    call.keyspace.set(call.slot, destinationKey, created);
  } else if (destination.add(member)) {
    call.keyspace.modified(call.slot, destinationKey);
  }
  call.int(1);
}
