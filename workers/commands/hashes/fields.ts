// Hash commands that set, read and delete fields by name (t_hash.c): HSET, HMSET, HSETNX, HGET,
// HMGET, HDEL, HEXISTS, HLEN, HSTRLEN, and the whole-hash reads HGETALL, HKEYS, HVALS.

import { wrongArity } from '../../../src/shared/reply-errors.js';
import { ValueKind } from '../../../src/shared/value-types.js';
import { HashValue } from '../../keyspace/hash-value.js';
import { WRONG_TYPE, type WrongType } from '../../keyspace/value.js';
import type { Call } from '../call.js';

/** Bytes of a reply value's header: its type byte and its u32 length or count. */
export const HEADER_BYTES = 5;

/** The hash at argument 0: undefined when missing (or just expired), WRONG_TYPE for another type. */
export function hashAt(call: Call): HashValue | undefined | WrongType {
  return call.keyspace.getCollection<HashValue>(call.slot, call.arg(0), ValueKind.Hash);
}

/**
 * Sets a field on the hash at argument 0, creating the hash when missing, as HINCRBY and friends
 * do once their checks passed. Returns whether the field is new; `hash` is what hashAt returned.
 */
export function setField(
  call: Call,
  hash: HashValue | undefined,
  field: string,
  value: string,
): boolean {
  if (hash !== undefined) {
    const created = hash.set(field, value);
    call.keyspace.modified(call.slot, call.arg(0));
    return created;
  }
  const fresh = new HashValue();
  fresh.set(field, value);
  call.keyspace.set(call.slot, call.arg(0), fresh);
  return true;
}

/**
 * The body of HSET and HMSET key field value [field value ...]: sets the pairs and returns how many
 * fields are new, or -1 after answering an error.
 */
function setPairs(call: Call): number {
  // The arity allows any count from 3 on; Redis then refuses an unpaired field with its arity error.
  if (call.argc % 2 === 0) {
    call.error(wrongArity(call.name));
    return -1;
  }
  const hash = hashAt(call);
  if (hash === WRONG_TYPE) {
    call.wrongType();
    return -1;
  }
  const target = hash ?? new HashValue();
  let created = 0;
  for (let i = 1; i < call.argc; i += 2) if (target.set(call.arg(i), call.arg(i + 1))) created++;
  if (hash === undefined) call.keyspace.set(call.slot, call.arg(0), target);
  else call.keyspace.modified(call.slot, call.arg(0));
  return created;
}

export function hSet(call: Call): void {
  const created = setPairs(call);
  if (created >= 0) call.int(created);
}

/** HMSET: HSET replying OK (deprecated in Redis, still served). */
export function hmSet(call: Call): void {
  if (setPairs(call) >= 0) call.ok();
}

export function hSetNx(call: Call): void {
  const hash = hashAt(call);
  if (hash === WRONG_TYPE) {
    call.wrongType();
    return;
  }
  const field = call.arg(1);
  if (hash?.has(field)) {
    call.int(0);
    return;
  }
  setField(call, hash, field, call.arg(2));
  call.int(1);
}

export function hGet(call: Call): void {
  const hash = hashAt(call);
  if (hash === WRONG_TYPE) {
    call.wrongType();
    return;
  }
  const value = hash?.get(call.arg(1));
  if (value === undefined) call.nil();
  else call.bulk(value);
}

export function hmGet(call: Call): void {
  const hash = hashAt(call);
  if (hash === WRONG_TYPE) {
    call.wrongType();
    return;
  }
  const fields = call.argc - 1;
  const values: (string | undefined)[] = new Array(fields);
  let bytes = HEADER_BYTES;
  for (let i = 0; i < fields; i++) {
    const value = hash?.get(call.arg(i + 1));
    values[i] = value;
    bytes += HEADER_BYTES + (value?.length ?? 0);
  }
  if (!call.fitsReply(bytes)) return;
  call.array(fields);
  for (const value of values) {
    if (value === undefined) call.nil();
    else call.bulk(value);
  }
}

/** HDEL key field [field ...]: how many of the fields it removed; the last one deletes the key. */
export function hDel(call: Call): void {
  const hash = hashAt(call);
  if (hash === WRONG_TYPE) {
    call.wrongType();
    return;
  }
  if (hash === undefined) {
    call.int(0);
    return;
  }
  let deleted = 0;
  for (let i = 1; i < call.argc; i++) if (hash.delete(call.arg(i))) deleted++;
  if (hash.size === 0) call.keyspace.delete(call.slot, call.arg(0));
  else if (deleted > 0) call.keyspace.modified(call.slot, call.arg(0));
  call.int(deleted);
}

export function hExists(call: Call): void {
  const hash = hashAt(call);
  if (hash === WRONG_TYPE) call.wrongType();
  else call.int(hash?.has(call.arg(1)) ? 1 : 0);
}

export function hLen(call: Call): void {
  const hash = hashAt(call);
  if (hash === WRONG_TYPE) call.wrongType();
  else call.int(hash?.size ?? 0);
}

export function hStrLen(call: Call): void {
  const hash = hashAt(call);
  if (hash === WRONG_TYPE) call.wrongType();
  else call.int(hash?.get(call.arg(1))?.length ?? 0);
}

/** Which parts of each pair a whole-hash read replies. */
const Parts = { Fields: 1, Values: 2, Both: 3 } as const;
type Parts = (typeof Parts)[keyof typeof Parts];

/** HGETALL, HKEYS, HVALS: the pairs in position order (insertion order for a small hash). */
function replyWhole(call: Call, parts: Parts): void {
  const hash = hashAt(call);
  if (hash === WRONG_TYPE) {
    call.wrongType();
    return;
  }
  if (hash === undefined) {
    call.array(0);
    return;
  }
  const size = hash.size;
  const withFields = (parts & Parts.Fields) !== 0;
  const withValues = (parts & Parts.Values) !== 0;
  let bytes = HEADER_BYTES;
  for (let i = 0; i < size; i++) {
    if (withFields) bytes += HEADER_BYTES + hash.fieldAt(i).length;
    if (withValues) bytes += HEADER_BYTES + hash.valueAt(i).length;
  }
  if (!call.fitsReply(bytes)) return;
  call.array(parts === Parts.Both ? size * 2 : size);
  for (let i = 0; i < size; i++) {
    if (withFields) call.bulk(hash.fieldAt(i));
    if (withValues) call.bulk(hash.valueAt(i));
  }
}

export function hGetAll(call: Call): void {
  replyWhole(call, Parts.Both);
}

export function hKeys(call: Call): void {
  replyWhole(call, Parts.Fields);
}

export function hVals(call: Call): void {
  replyWhole(call, Parts.Values);
}
