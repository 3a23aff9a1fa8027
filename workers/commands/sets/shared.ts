// What the set handlers share: the typed lookup and the array replies, whose size is checked
// against the frame limit before anything is written.

import { ValueKind } from '../../../src/shared/value-types.js';
import type { SetValue } from '../../keyspace/set-value.js';
import type { WrongType } from '../../keyspace/value.js';
import type { Call } from '../call.js';
import { keysReplyBytes } from '../keys.js';

/** The set at `key`: undefined when missing (or just expired), WRONG_TYPE for another type. */
export function lookupSet(call: Call, key: string): SetValue | undefined | WrongType {
  return call.keyspace.getCollection<SetValue>(call.slot, key, ValueKind.Set);
}

/** Bytes of a set's members as an array reply (a u8 type and a u32 length or count each). */
function setReplyBytes(set: SetValue): number {
  let bytes = 5;
  set.forEach((member) => {
    bytes += 5 + member.length;
  });
  return bytes;
}

/** Replies every member of `set` as an array, or the reply-limit error (returns false then). */
export function replySet(call: Call, set: SetValue): boolean {
  if (!call.fitsReply(setReplyBytes(set))) return false;
  call.array(set.size);
  set.forEach((member) => {
    call.bulk(member);
  });
  return true;
}

/** Replies `members` as an array, or the reply-limit error. */
export function replyMembers(call: Call, members: readonly string[]): void {
  if (!call.fitsReply(keysReplyBytes(members))) return;
  call.array(members.length);
  for (let i = 0; i < members.length; i++) call.bulk(members[i]!);
}
