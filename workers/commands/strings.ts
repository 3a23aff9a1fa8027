// String commands, with Redis's semantics and reply shapes (t_string.c). Every key holds a string
// for now, so the WRONGTYPE paths of Redis have no counterpart yet.

import { VALUE_BYTES_MAX } from '../../src/shared/limits.js';
import {
  DECR_OVERFLOW,
  FLOAT_NAN,
  INCR_OVERFLOW,
  NOT_FLOAT,
  NOT_INTEGER,
  OFFSET_RANGE,
  STRING_TOO_LONG,
  SYNTAX,
} from '../../src/shared/reply-errors.js';
import type { Call, CommandHandler } from '../call.js';
import type { ShardCommandName } from '../../src/commands/table.js';
import {
  INT64_MIN,
  type Int64,
  addInt64,
  int64ToReply,
  int64ToString,
  negateInt64,
  parseInt64,
} from '../../src/shared/numbers.js';
import { addLongDouble, formatLongDouble, parseLongDouble } from '../long-double.js';
import { ExpireUnit, setStyleDeadline } from './expiry-arguments.js';

const ZERO_LONG_DOUBLE = parseLongDouble('0')!;

// ---- GET, SET and their variants ----------------------------------------------------------

export function get(call: Call): void {
  const value = call.keyspace.get(call.slot, call.arg(0));
  if (value === undefined) call.nil();
  else call.bulk(value);
}

/** Option flags of SET and GETEX, as Redis's parseExtendedStringArgumentsOrReply. */
const Flag = {
  NX: 1 << 0,
  XX: 1 << 1,
  EX: 1 << 2,
  PX: 1 << 3,
  KeepTtl: 1 << 4,
  Get: 1 << 5,
  EXAT: 1 << 6,
  PXAT: 1 << 7,
  Persist: 1 << 8,
} as const;
const ANY_EXPIRE = Flag.EX | Flag.PX | Flag.EXAT | Flag.PXAT;

/** Parsed options: flags, and the index of the expiry amount (0 when none). */
let parsedFlags = 0;
let parsedExpireIndex = 0;

/**
 * Parses SET (forSet) or GETEX options from argument `first` on. Replies a syntax error and
 * returns false on a repeated, conflicting or unknown option, exactly where Redis does.
 */
function parseStringOptions(call: Call, first: number, forSet: boolean): boolean {
  let flags = 0;
  let expireIndex = 0;
  for (let j = first; j < call.argc; j++) {
    const hasNext = j + 1 < call.argc;
    if (forSet && call.argIs(j, 'NX') && !(flags & Flag.XX)) {
      flags |= Flag.NX;
    } else if (forSet && call.argIs(j, 'XX') && !(flags & Flag.NX)) {
      flags |= Flag.XX;
    } else if (forSet && call.argIs(j, 'GET')) {
      flags |= Flag.Get;
    } else if (forSet && call.argIs(j, 'KEEPTTL') && !(flags & (Flag.Persist | ANY_EXPIRE))) {
      flags |= Flag.KeepTtl;
    } else if (!forSet && call.argIs(j, 'PERSIST') && !(flags & (ANY_EXPIRE | Flag.KeepTtl))) {
      flags |= Flag.Persist;
    } else {
      // EX, PX, EXAT, PXAT: a repeat of the same one is allowed (the last wins), a mix is not.
      const expiry = hasNext ? expiryFlag(call, j) : 0;
      if (expiry === 0 || flags & (Flag.KeepTtl | Flag.Persist | (ANY_EXPIRE & ~expiry))) {
        call.error(SYNTAX);
        return false;
      }
      flags |= expiry;
      expireIndex = ++j;
    }
  }
  parsedFlags = flags;
  parsedExpireIndex = expireIndex;
  return true;
}

function expiryFlag(call: Call, j: number): number {
  if (call.argIs(j, 'EX')) return Flag.EX;
  if (call.argIs(j, 'PX')) return Flag.PX;
  if (call.argIs(j, 'EXAT')) return Flag.EXAT;
  if (call.argIs(j, 'PXAT')) return Flag.PXAT;
  return 0;
}

/** The deadline the parsed options ask for, undefined when none; NaN after an error reply. */
function parsedDeadline(call: Call): number | undefined {
  if (parsedExpireIndex === 0) return undefined;
  const flags = parsedFlags;
  const unit = flags & (Flag.EX | Flag.EXAT) ? ExpireUnit.Seconds : ExpireUnit.Milliseconds;
  const relative = (flags & (Flag.EX | Flag.PX)) !== 0;
  return setStyleDeadline(call, parsedExpireIndex, unit, relative) ?? Number.NaN;
}

export function set(call: Call): void {
  if (call.argc === 2) {
    call.keyspace.set(call.slot, call.arg(0), call.arg(1));
    call.ok();
    return;
  }
  if (!parseStringOptions(call, 2, true)) return;
  const flags = parsedFlags;
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
  const found = previous !== undefined;
  if ((flags & Flag.NX && found) || (flags & Flag.XX && !found)) {
    if (flags & Flag.Get) replyOptional(call, previous);
    else call.nil();
    return;
  }
  keyspace.set(call.slot, key, call.arg(valueIndex), (flags & Flag.KeepTtl) !== 0);
  if (deadline !== undefined) keyspace.setDeadline(call.slot, key, deadline);
  if (flags & Flag.Get) replyOptional(call, previous);
  else call.ok();
}

function replyOptional(call: Call, value: string | undefined): void {
  if (value === undefined) call.nil();
  else call.bulk(value);
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
  setGeneric(call, Flag.Get, undefined);
}

export function getDel(call: Call): void {
  const key = call.arg(0);
  const value = call.keyspace.get(call.slot, key);
  if (value === undefined) {
    call.nil();
    return;
  }
  call.keyspace.delete(call.slot, key);
  call.bulk(value);
}

export function getEx(call: Call): void {
  if (!parseStringOptions(call, 1, false)) return;
  const flags = parsedFlags;
  const keyspace = call.keyspace;
  const key = call.arg(0);
  const value = keyspace.get(call.slot, key);
  if (value === undefined) {
    call.nil();
    return;
  }
  // Redis validates the amount only once it knows the key exists.
  const deadline = parsedDeadline(call);
  if (Number.isNaN(deadline)) return;
  call.bulk(value);
  if (deadline !== undefined) keyspace.setDeadline(call.slot, key, deadline);
  else if (flags & Flag.Persist) keyspace.persist(call.slot, key);
}

// ---- counters -----------------------------------------------------------------------------

function incrementBy(call: Call, delta: Int64): void {
  const keyspace = call.keyspace;
  const key = call.arg(0);
  const value = keyspace.get(call.slot, key);
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
  const value = keyspace.get(call.slot, key);
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
  const value = keyspace.get(call.slot, key);
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
  const value = call.keyspace.get(call.slot, call.arg(0));
  call.int(value === undefined ? 0 : value.length);
}

export function getRange(call: Call): void {
  const startArg = parseInt64(call.arg(1));
  const endArg = parseInt64(call.arg(2));
  if (startArg === undefined || endArg === undefined) {
    call.error(NOT_INTEGER);
    return;
  }
  const value = call.keyspace.get(call.slot, call.arg(0));
  if (value === undefined) {
    call.bulk('');
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
  const value = keyspace.get(call.slot, key);
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

export function mGet(call: Call): void {
  const keyspace = call.keyspace;
  call.array(call.argc);
  for (let i = 0; i < call.argc; i++) replyOptional(call, keyspace.get(call.slot, call.arg(i)));
}

export function mSet(call: Call): void {
  const keyspace = call.keyspace;
  for (let i = 0; i < call.argc; i += 2) keyspace.set(call.slot, call.arg(i), call.arg(i + 1));
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
  get, set, setnx: setNx, setex: setExSeconds, psetex: setExMilliseconds, getset: getSet,
  getdel: getDel, getex: getEx, incr, incrby: incrBy, decr, decrby: decrBy,
  incrbyfloat: incrByFloat, append, strlen: strLen, getrange: getRange, setrange: setRange,
  mget: mGet, mset: mSet, msetnx: mSetNx,
} satisfies Partial<Record<ShardCommandName, CommandHandler>>;
