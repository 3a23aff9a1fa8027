// String commands with Redis's semantics and replies (t_string.c): WRONGTYPE where Redis answers
// it, nil in MGET; GET, MGET, STRLEN, SET and MSET go by bytes, making no string.

import type { ShardCommandName } from '../../src/commands/table.js';
import { REPLY_BYTES_MAX, VALUE_BYTES_MAX } from '../../src/shared/limits.js';
import {
  addInt64,
  INT64_MIN,
  type Int64,
  int64ToReply,
  int64ToString,
  negateInt64,
  parseInt64,
} from '../../src/shared/numbers.js';
import {
  DECR_OVERFLOW,
  FLOAT_NAN,
  INCR_OVERFLOW,
  NOT_FLOAT,
  NOT_INTEGER,
  OFFSET_RANGE,
  STRING_TOO_LONG,
} from '../../src/shared/reply-errors.js';
import { type StoredValue, WRONG_TYPE } from '../keyspace/value.js';
import type { Call, CommandHandler } from './call.js';
import { ExpireUnit, setStyleDeadline } from './expiry-arguments.js';
import { addLongDouble, formatLongDouble, parseLongDouble } from './long-double.js';
import { parsed, parsedDeadline, parseStringOptions, SetOption } from './string-options.js';

const ZERO_LONG_DOUBLE = parseLongDouble('0')!;
/** Bytes a bulk string reply takes beyond its own bytes (as keysReplyBytes counts them). */
const BULK_BYTES = 5;

// ---- GET, SET and their variants ----------------------------------------------------------

export function get(call: Call): void {
  // The common case makes no string: the key's bytes are looked up, the value's bytes copied.
  const found = call.keyspace.findString(call.slot, call.buf, call.argStart[0]!, call.argEnd[0]!);
  const value = found < 0 ? call.keyspace.getString(call.slot, call.arg(0)) : undefined;
  if (found > 0) call.bulkStored(found);
  else if (typeof value === 'string') call.bulk(value);
  else if (value === undefined) call.nil();
  else call.wrongType();
}

export function set(call: Call): void {
  if (call.argc === 2) {
    call.setArg(0, 1);
    call.ok();
    return;
  }
  if (!parseStringOptions(call, 2, true)) return;
  const flags = parsed.flags;
  const deadline = parsedDeadline(call);
  if (Number.isNaN(deadline)) return;
  setGeneric(call, flags, deadline);
}

/**
 * The body of SET, SETNX, SETEX, PSETEX and GETSET: value in argument 1 (or 2 for SETEX/PSETEX,
 * passed as valueIndex).
 */
function setGeneric(call: Call, flags: number, deadline: number | undefined, valueIndex = 1): void {
  const keyspace = call.keyspace;
  const key = call.arg(0);
  const previous = keyspace.get(call.slot, key);
  // SET ... GET and GETSET reply the old value, so they refuse one of another type before changing
  // anything, as Redis does; without GET, SET overwrites a value of any type.
  if (flags & SetOption.Get && previous !== undefined && typeof previous !== 'string') {
    call.wrongType();
    return;
  }
  const found = previous !== undefined;
  if ((flags & SetOption.NX && found) || (flags & SetOption.XX && !found)) {
    if (flags & SetOption.Get) bulkOrNil(call, previous);
    else call.nil();
    return;
  }
  // Inside EXEC the old value may not fit after the transaction's earlier replies: change nothing.
  if (flags & SetOption.Get && typeof previous === 'string') {
    if (!call.fitsReply(BULK_BYTES + previous.length)) return;
  }
  keyspace.set(call.slot, key, call.arg(valueIndex), (flags & SetOption.KeepTtl) !== 0);
  if (deadline !== undefined) keyspace.setDeadline(call.slot, key, deadline);
  if (flags & SetOption.Get) bulkOrNil(call, previous);
  else call.ok();
}

/** Replies a string value as a bulk string, and nil for a missing key or (MGET) another type. */
function bulkOrNil(call: Call, value: StoredValue | undefined): void {
  if (typeof value === 'string') call.bulk(value);
  else call.nil();
}

export function setNx(call: Call): void {
  const key = call.arg(0);
  if (call.keyspace.has(call.slot, key)) {
    call.int(0);
    return;
  }
  call.keyspace.set(call.slot, key, call.arg(1));
  call.int(1);
}

function setEx(call: Call, unit: ExpireUnit): void {
  const deadline = setStyleDeadline(call, 1, unit, true);
  if (deadline === undefined) return;
  const key = call.arg(0);
  call.keyspace.set(call.slot, key, call.arg(2));
  call.keyspace.setDeadline(call.slot, key, deadline);
  call.ok();
}

export function setExSeconds(call: Call): void {
  setEx(call, ExpireUnit.Seconds);
}

export function setExMilliseconds(call: Call): void {
  setEx(call, ExpireUnit.Milliseconds);
}

export function getSet(call: Call): void {
  setGeneric(call, SetOption.Get, undefined);
}

export function getDel(call: Call): void {
  const key = call.arg(0);
  const value = call.keyspace.getString(call.slot, key);
  if (value === undefined) {
    call.nil();
    return;
  }
  if (value === WRONG_TYPE) {
    call.wrongType();
    return;
  }
  // Inside EXEC the value may not fit after the transaction's earlier replies: keep the key.
  if (!call.fitsReply(BULK_BYTES + value.length)) return;
  call.keyspace.delete(call.slot, key);
  call.bulk(value);
}

export function getEx(call: Call): void {
  if (!parseStringOptions(call, 1, false)) return;
  const flags = parsed.flags;
  const keyspace = call.keyspace;
  const key = call.arg(0);
  const value = keyspace.getString(call.slot, key);
  if (value === undefined) {
    call.nil();
    return;
  }
  if (value === WRONG_TYPE) {
    call.wrongType();
    return;
  }
  // Redis validates the amount only once it knows the key exists.
  const deadline = parsedDeadline(call);
  if (Number.isNaN(deadline)) return;
  if (!call.fitsReply(BULK_BYTES + value.length)) return;
  call.bulk(value);
  if (deadline !== undefined) keyspace.setDeadline(call.slot, key, deadline);
  else if (flags & SetOption.Persist) keyspace.persist(call.slot, key);
}

// ---- counters -----------------------------------------------------------------------------

function incrementBy(call: Call, delta: Int64): void {
  const keyspace = call.keyspace;
  const key = call.arg(0);
  const value = keyspace.getString(call.slot, key);
  if (value === WRONG_TYPE) {
    call.wrongType();
    return;
  }
  const current = value === undefined ? 0 : parseInt64(value);
  if (current === undefined) {
    call.error(NOT_INTEGER);
    return;
  }
  const next = addInt64(current, delta);
  if (next === undefined) {
    call.error(INCR_OVERFLOW);
    return;
  }
  keyspace.set(call.slot, key, int64ToString(next), true);
  call.int(int64ToReply(next));
}

export function incr(call: Call): void {
  incrementBy(call, 1);
}

export function decr(call: Call): void {
  incrementBy(call, -1);
}

export function incrBy(call: Call): void {
  const delta = parseInt64(call.arg(1));
  if (delta === undefined) call.error(NOT_INTEGER);
  else incrementBy(call, delta);
}

export function decrBy(call: Call): void {
  const delta = parseInt64(call.arg(1));
  if (delta === undefined) {
    call.error(NOT_INTEGER);
    return;
  }
  const negated = delta === INT64_MIN ? undefined : negateInt64(delta);
  if (negated === undefined) call.error(DECR_OVERFLOW);
  else incrementBy(call, negated);
}

export function incrByFloat(call: Call): void {
  const keyspace = call.keyspace;
  const key = call.arg(0);
  const value = keyspace.getString(call.slot, key);
  // Redis checks the type before it reads the increment.
  if (value === WRONG_TYPE) {
    call.wrongType();
    return;
  }
  const current = value === undefined ? ZERO_LONG_DOUBLE : parseLongDouble(value);
  const delta = parseLongDouble(call.arg(1));
  if (current === undefined || delta === undefined) {
    call.error(NOT_FLOAT);
    return;
  }
  const next = addLongDouble(current, delta);
  if (next.infinite) {
    call.error(FLOAT_NAN);
    return;
  }
  const text = formatLongDouble(next);
  keyspace.set(call.slot, key, text, true);
  call.bulk(text);
}

// ---- byte ranges --------------------------------------------------------------------------

export function append(call: Call): void {
  const keyspace = call.keyspace;
  const key = call.arg(0);
  const value = keyspace.getString(call.slot, key);
  if (value === WRONG_TYPE) {
    call.wrongType();
    return;
  }
  const suffix = call.arg(1);
  if (value === undefined) {
    keyspace.set(call.slot, key, suffix);
    call.int(suffix.length);
    return;
  }
  const length = value.length + suffix.length;
  if (length > VALUE_BYTES_MAX) {
    call.error(STRING_TOO_LONG);
    return;
  }
  keyspace.set(call.slot, key, value + suffix, true);
  call.int(length);
}

export function strLen(call: Call): void {
  const found = call.keyspace.findString(call.slot, call.buf, call.argStart[0]!, call.argEnd[0]!);
  const value = found < 0 ? call.keyspace.getString(call.slot, call.arg(0)) : undefined;
  if (value === WRONG_TYPE) call.wrongType();
  else call.int(found > 0 ? call.keyspace.stringLength(found) : (value?.length ?? 0));
}

export function getRange(call: Call): void {
  const startArg = parseInt64(call.arg(1));
  const endArg = parseInt64(call.arg(2));
  if (startArg === undefined || endArg === undefined) {
    call.error(NOT_INTEGER);
    return;
  }
  const value = call.keyspace.getString(call.slot, call.arg(0));
  if (value === undefined) {
    call.bulk('');
    return;
  }
  if (value === WRONG_TYPE) {
    call.wrongType();
    return;
  }
  // Int64 values beyond 2^53 only need their sign and size here, which Number() keeps.
  let start = Number(startArg);
  let end = Number(endArg);
  const length = value.length;
  if (start < 0 && end < 0 && start > end) {
    call.bulk('');
    return;
  }
  if (start < 0) start = length + start;
  if (end < 0) end = length + end;
  if (start < 0) start = 0;
  if (end < 0) end = 0;
  if (end >= length) end = length - 1;
  if (start > end || length === 0) call.bulk('');
  else call.bulk(value.slice(start, end + 1));
}

export function setRange(call: Call): void {
  const offsetArg = parseInt64(call.arg(1));
  if (offsetArg === undefined) {
    call.error(NOT_INTEGER);
    return;
  }
  if (offsetArg < 0) {
    call.error(OFFSET_RANGE);
    return;
  }
  const keyspace = call.keyspace;
  const key = call.arg(0);
  const patch = call.arg(2);
  const value = keyspace.getString(call.slot, key);
  if (value === WRONG_TYPE) {
    call.wrongType();
    return;
  }
  if (patch.length === 0) {
    call.int(value === undefined ? 0 : value.length);
    return;
  }
  const offset = Number(offsetArg);
  if (offset + patch.length > VALUE_BYTES_MAX) {
    call.error(STRING_TOO_LONG);
    return;
  }
  const old = value ?? '';
  const head = offset <= old.length ? old.slice(0, offset) : old + '\0'.repeat(offset - old.length);
  const next = head + patch + old.slice(offset + patch.length);
  keyspace.set(call.slot, key, next, true);
  call.int(next.length);
}

// ---- several keys of one slot -------------------------------------------------------------

/** MGET: checks the reply's running size before each value, so an oversized one fails fast. */
export function mGet(call: Call): void {
  const keyspace = call.keyspace;
  const start = call.out.tail;
  let bytes = 5;
  call.array(call.argc);
  for (let i = 0; i < call.argc; i++) {
    const found = keyspace.findString(call.slot, call.buf, call.argStart[i]!, call.argEnd[i]!);
    const value = found < 0 ? keyspace.get(call.slot, call.arg(i)) : undefined;
    if (found > 0) bytes += 5 + keyspace.stringLength(found);
    else bytes += typeof value === 'string' ? 5 + value.length : 1;
    if (bytes > REPLY_BYTES_MAX) {
      call.out.rollback(start);
      call.fitsReply(bytes);
      return;
    }
    if (found > 0) call.bulkStored(found);
    else bulkOrNil(call, value);
  }
}

export function mSet(call: Call): void {
  for (let i = 0; i < call.argc; i += 2) call.setArg(i, i + 1);
  call.ok();
}

export function mSetNx(call: Call): void {
  const keyspace = call.keyspace;
  for (let i = 0; i < call.argc; i += 2) {
    if (keyspace.has(call.slot, call.arg(i))) {
      call.int(0);
      return;
    }
  }
  for (let i = 0; i < call.argc; i += 2) keyspace.set(call.slot, call.arg(i), call.arg(i + 1));
  call.int(1);
}

export const handlers = {
  get,
  set,
  setnx: setNx,
  setex: setExSeconds,
  psetex: setExMilliseconds,
  getset: getSet,
  getdel: getDel,
  getex: getEx,
  incr,
  incrby: incrBy,
  decr,
  decrby: decrBy,
  incrbyfloat: incrByFloat,
  append,
  strlen: strLen,
  getrange: getRange,
  setrange: setRange,
  mget: mGet,
  mset: mSet,
  msetnx: mSetNx,
} satisfies Partial<Record<ShardCommandName, CommandHandler>>;
