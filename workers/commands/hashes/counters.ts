// HINCRBY and HINCRBYFLOAT (t_hash.c): a field as a counter. The arithmetic is the string
// counters': int64 with Redis's overflow check, and long doubles computed and printed as Redis
// does on x86-64 (long-double.ts), so that HINCRBYFLOAT 0.1 then 0.2 gives 0.3 as in Redis.
//
// Redis checks the increment before it looks the key up (a bad increment on a key of another type
// is the increment's error, not WRONGTYPE), then the type, then the stored value.

import { addInt64, int64ToReply, int64ToString, parseInt64 } from '../../../src/shared/numbers.js';
import {
  FLOAT_NAN,
  HASH_NOT_FLOAT,
  HASH_NOT_INTEGER,
  INCR_OVERFLOW,
  NAN_OR_INFINITY,
  NOT_FLOAT,
  NOT_INTEGER,
} from '../../../src/shared/reply-errors.js';
import { WRONG_TYPE } from '../../keyspace/value.js';
import type { Call } from '../call.js';
import { addLongDouble, formatLongDouble, parseLongDouble } from '../long-double.js';
import { hashAt, setField } from './fields.js';

const ZERO = parseLongDouble('0')!;

/** HINCRBY key field increment: the new value; a missing field counts from 0. */
export function hIncrBy(call: Call): void {
  const increment = parseInt64(call.arg(2));
  if (increment === undefined) {
    call.error(NOT_INTEGER);
    return;
  }
  const hash = hashAt(call);
  if (hash === WRONG_TYPE) {
    call.wrongType();
    return;
  }
  const field = call.arg(1);
  const stored = hash?.get(field);
  const current = stored === undefined ? 0 : parseInt64(stored);
  if (current === undefined) {
    call.error(HASH_NOT_INTEGER);
    return;
  }
  const next = addInt64(current, increment);
  if (next === undefined) {
    call.error(INCR_OVERFLOW);
    return;
  }
  setField(call, hash, field, int64ToString(next));
  call.int(int64ToReply(next));
}

/** HINCRBYFLOAT key field increment: the new value as Redis prints it (a bulk string). */
export function hIncrByFloat(call: Call): void {
  const increment = parseLongDouble(call.arg(2));
  if (increment === undefined) {
    call.error(NOT_FLOAT);
    return;
  }
  if (increment.infinite) {
    call.error(NAN_OR_INFINITY);
    return;
  }
  const hash = hashAt(call);
  if (hash === WRONG_TYPE) {
    call.wrongType();
    return;
  }
  const field = call.arg(1);
  const stored = hash?.get(field);
  const current = stored === undefined ? ZERO : parseLongDouble(stored);
  if (current === undefined) {
    call.error(HASH_NOT_FLOAT);
    return;
  }
  const next = addLongDouble(current, increment);
  if (next.infinite) {
    call.error(FLOAT_NAN);
    return;
  }
  const text = formatLongDouble(next);
  setField(call, hash, field, text);
  call.bulk(text);
}
