// SPOP and SRANDMEMBER: uniformly random members (the table picks a random occupied slot in O(1)),
// with Redis's argument checks and reply shapes (t_set.c). Which members come back is random, as in
// Redis; how many, and what the set holds afterwards, is exactly Redis's.

import { COMMAND } from '../../../src/commands/table.js';
import { REPLY_BYTES_MAX } from '../../../src/shared/limits.js';
import { INT64_MIN, parseInt64 } from '../../../src/shared/numbers.js';
import {
  NOT_INTEGER,
  NOT_POSITIVE,
  RANDOM_COUNT_RANGE,
  SYNTAX,
} from '../../../src/shared/reply-errors.js';
import type { RandomSource, SetValue } from '../../keyspace/set-value.js';
import { WRONG_TYPE } from '../../keyspace/value.js';
import type { Call } from '../call.js';
import { keysReplyBytes } from '../keys.js';
import { afterRemoval } from './members.js';
import { lookupSet, replyMembers, replySet } from './shared.js';

/** Bytes an array reply takes per element at the least: its type and length fields. */
const ELEMENT_BYTES_MIN = 5;
/** Bytes a bulk string reply takes beyond its own bytes. */
const BULK_BYTES = 5;

export function sPop(call: Call): void {
  if (call.argc === 2) {
    sPopCount(call);
    return;
  }
  if (call.argc > 2) {
    call.error(SYNTAX);
    return;
  }
  const key = call.arg(0);
  const set = lookupSet(call, key);
  if (set === undefined) call.nil();
  else if (set === WRONG_TYPE) call.wrongType();
  else {
    const member = set.pop();
    // Inside EXEC the reply may not fit after the transaction's earlier replies: put it back.
    if (!call.fitsReply(BULK_BYTES + member.length)) {
      set.add(member);
      return;
    }
    afterRemoval(call, key, set, 1);
    journalPopped(call, key, [member]);
    call.bulk(member);
  }
}

/**
 * Records SPOP in the journal as what it did (SREM of the members it popped, or DEL when it took
 * them all): a replica popping again would pick other members.
 */
function journalPopped(call: Call, key: string, members: readonly string[] | undefined): void {
  const journal = call.journal;
  if (journal === undefined) return;
  call.journaled = true;
  if (members === undefined) journal.appendArgs(COMMAND.del.op, call.slot, [key]);
  else journal.appendArgs(COMMAND.srem.op, call.slot, [key, ...members]);
}

/** SPOP key count: the count is checked first, then the key; a count of 0 answers []. */
function sPopCount(call: Call): void {
  const count = parseInt64(call.arg(1));
  if (count === undefined || count < 0) {
    call.error(NOT_POSITIVE);
    return;
  }
  const key = call.arg(0);
  const set = lookupSet(call, key);
  if (set === WRONG_TYPE) {
    call.wrongType();
    return;
  }
  if (set === undefined || count === 0) {
    call.array(0);
    return;
  }
  if (count >= set.size) {
    // The whole set: replied, then the key goes (nothing changes if the reply cannot be sent).
    if (replySet(call, set)) {
      call.keyspace.delete(call.slot, key);
      journalPopped(call, key, undefined);
    }
    return;
  }
  const popped: string[] = [];
  for (let i = 0; i < count; i++) popped.push(set.pop());
  if (!call.fitsReply(keysReplyBytes(popped))) {
    for (const member of popped) set.add(member);
    return;
  }
  call.keyspace.modified(call.slot, key);
  journalPopped(call, key, popped);
  replyMembers(call, popped);
}

export function sRandMember(call: Call): void {
  if (call.argc === 2) {
    sRandMemberCount(call);
    return;
  }
  if (call.argc > 2) {
    call.error(SYNTAX);
    return;
  }
  const set = lookupSet(call, call.arg(0));
  if (set === undefined) call.nil();
  else if (set === WRONG_TYPE) call.wrongType();
  else call.bulk(set.random());
}

/**
 * SRANDMEMBER key count: a positive count answers that many distinct members (the whole set at
 * most), a negative one exactly -count members that may repeat.
 */
function sRandMemberCount(call: Call): void {
  const count = parseInt64(call.arg(1));
  if (count === undefined) {
    call.error(NOT_INTEGER);
    return;
  }
  if (count === INT64_MIN) {
    call.error(RANDOM_COUNT_RANGE);
    return;
  }
  const set = lookupSet(call, call.arg(0));
  if (set === WRONG_TYPE) {
    call.wrongType();
    return;
  }
  if (set === undefined || count === 0) call.array(0);
  else if (count < 0) replyWithRepeats(call, set, -Number(count));
  else if (count >= set.size) replySet(call, set);
  else replyMembers(call, distinctMembers(set, Number(count)));
}

/**
 * `count` distinct random members, fewer than the set holds. Most of the set: a partial
 * Fisher-Yates shuffle of its members. A small part: random picks, repeats skipped.
 */
function distinctMembers(set: SetValue, count: number): string[] {
  if (count * 3 > set.size) {
    const members = set.members();
    for (let i = 0; i < count; i++) {
      const j = i + Math.floor(Math.random() * (members.length - i));
      const picked = members[j]!;
      members[j] = members[i]!;
      members[i] = picked;
    }
    members.length = count;
    return members;
  }
  const picked = new Set<string>();
  while (picked.size < count) picked.add(set.random());
  return [...picked];
}

/**
 * `count` random members, repeats allowed. The reply's size is known only once the members are
 * picked, and a count can ask for more than fits in memory: the picks come from a seeded generator,
 * run once to size the reply and once more, from the same seed, to write it.
 */
function replyWithRepeats(call: Call, set: SetValue, count: number): void {
  if (ELEMENT_BYTES_MIN * (count + 1) > REPLY_BYTES_MAX) {
    call.fitsReply(ELEMENT_BYTES_MIN * (count + 1));
    return;
  }
  const seed = Math.floor(Math.random() * 2 ** 32);
  let random = seededRandom(seed);
  let bytes = ELEMENT_BYTES_MIN;
  for (let i = 0; i < count; i++) bytes += ELEMENT_BYTES_MIN + set.random(random).length;
  if (!call.fitsReply(bytes)) return;
  random = seededRandom(seed);
  call.array(count);
  for (let i = 0; i < count; i++) call.bulk(set.random(random));
}

/** mulberry32: a small, fast generator of floats in [0, 1) from a 32-bit seed. */
function seededRandom(seed: number): RandomSource {
  let state = seed | 0;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
