// Expiry arguments shared by SET, SETEX, PSETEX, GETEX and the EXPIRE family, checked as Redis
// checks them (t_string.c getExpireMillisecondsOrReply, expire.c expireGenericCommand).

import { INT64_MAX, INT64_MIN, type Int64, parseInt64 } from '../../src/shared/numbers.js';
import { invalidExpireTime, NOT_INTEGER } from '../../src/shared/reply-errors.js';
import type { Call } from './call.js';

export const ExpireUnit = { Seconds: 0, Milliseconds: 1 } as const;
export type ExpireUnit = (typeof ExpireUnit)[keyof typeof ExpireUnit];

/**
 * Amounts below this (2^40, about 35,000 years in seconds) are computed with plain numbers: times
 * 1000 plus the current time they stay far below 2^53, so nothing can round or overflow.
 */
const SMALL_AMOUNT_MAX = 2 ** 40;

function toBig(value: Int64): bigint {
  return typeof value === 'bigint' ? value : BigInt(value);
}

/**
 * The deadline (Unix ms) given by argument `index` of SET-style options: a positive amount, relative
 * to now for EX/PX or absolute for EXAT/PXAT. Replies the error and returns undefined when the
 * argument is not an integer, not positive, or overflows.
 */
export function setStyleDeadline(
  call: Call,
  index: number,
  unit: ExpireUnit,
  relative: boolean,
): number | undefined {
  const amount = parseInt64(call.arg(index));
  if (amount === undefined) {
    call.error(NOT_INTEGER);
    return undefined;
  }
  if (typeof amount === 'number' && amount > 0 && amount < SMALL_AMOUNT_MAX) {
    const ms = unit === ExpireUnit.Seconds ? amount * 1000 : amount;
    return relative ? ms + call.keyspace.now : ms;
  }
  let ms = toBig(amount);
  if (ms <= 0n || (unit === ExpireUnit.Seconds && ms > INT64_MAX / 1000n)) {
    call.error(invalidExpireTime(call.name));
    return undefined;
  }
  if (unit === ExpireUnit.Seconds) ms *= 1000n;
  if (relative) ms += BigInt(call.keyspace.now);
  if (ms > INT64_MAX) {
    call.error(invalidExpireTime(call.name));
    return undefined;
  }
  return Number(ms);
}

/**
 * The deadline given to EXPIRE-style commands: any integer (negative means "already expired"),
 * plus `base` ms. Replies the error and returns undefined on overflow.
 */
export function expireStyleDeadline(
  call: Call,
  index: number,
  unit: ExpireUnit,
  base: number,
): number | undefined {
  const amount = parseInt64(call.arg(index));
  if (amount === undefined) {
    call.error(NOT_INTEGER);
    return undefined;
  }
  if (
    typeof amount === 'number' &&
    Math.abs(amount) < SMALL_AMOUNT_MAX &&
    Math.abs(base) < SMALL_AMOUNT_MAX * 1000
  ) {
    return (unit === ExpireUnit.Seconds ? amount * 1000 : amount) + base;
  }
  let when = toBig(amount);
  if (unit === ExpireUnit.Seconds) {
    if (when > INT64_MAX / 1000n || when < INT64_MIN / 1000n) {
      call.error(invalidExpireTime(call.name));
      return undefined;
    }
    when *= 1000n;
  }
  const baseBig = BigInt(base);
  if (when > INT64_MAX - baseBig) {
    call.error(invalidExpireTime(call.name));
    return undefined;
  }
  return Number(when + baseBig);
}
