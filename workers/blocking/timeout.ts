// The timeout of a blocking command, read as Redis 7.0 reads it (timeout.c,
// getTimeoutFromObjectOrReply): seconds as a C long double (strtold's syntax), times 1000, rounded
// up (ceill), then cast to a 64-bit integer. So 0.0001 waits 1 ms, -0.0005 rounds up to 0 and
// waits for ever, and anything past the int64 range (inf, 1e20) casts to INT64_MIN: negative.

import { TIMEOUT_NEGATIVE, TIMEOUT_NOT_FLOAT } from '../../src/shared/reply-errors.js';
import type { Call } from '../commands/call.js';
import { type LongDouble, multiplyLongDouble, parseLongDouble } from '../commands/long-double.js';

/** What a timeout of 0 means: wait for ever. */
export const FOREVER = 0;

/**
 * Timeouts longer than this many ms (about 142,000 years) are never reached: they wait for ever.
 * Redis itself adds such a timeout to the clock and overflows into a deadline it never meets.
 */
export const TIMEOUT_MS_MAX = 2 ** 52;

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/** `(long long) ceill(value)` on x86-64: out of range (and infinity) is INT64_MIN. */
function ceilToInt64(value: LongDouble): bigint {
  if (value.infinite) return INT64_MIN;
  let magnitude: bigint;
  if (value.exponent >= 0) {
    magnitude = value.significand << BigInt(value.exponent);
  } else {
    const shift = BigInt(-value.exponent);
    magnitude = value.significand >> shift;
    // Rounding up moves a positive value away from zero and a negative one towards it.
    const fraction = value.significand - (magnitude << shift) !== 0n;
    if (fraction && !value.negative) magnitude++;
  }
  const result = value.negative ? -magnitude : magnitude;
  return result < INT64_MIN || result > INT64_MAX ? INT64_MIN : result;
}

/** Whole seconds, as node-redis sends `timeout.toString()` most often: exact as a double too. */
const WHOLE_SECONDS = /^\d{1,12}$/;

/**
 * Argument `i` as a blocking timeout in ms (FOREVER for 0), or -1 after answering Redis's error
 * (not a float, or negative).
 */
export function timeoutArg(call: Call, i: number): number {
  const text = call.arg(i);
  if (WHOLE_SECONDS.test(text)) return Number(text) * 1000;
  const seconds = parseLongDouble(text);
  if (seconds === undefined) {
    call.error(TIMEOUT_NOT_FLOAT);
    return -1;
  }
  const ms = ceilToInt64(multiplyLongDouble(seconds, 1000n));
  if (ms < 0n) {
    call.error(TIMEOUT_NEGATIVE);
    return -1;
  }
  return ms > BigInt(TIMEOUT_MS_MAX) ? FOREVER : Number(ms);
}

/**
 * The timeout text that waits until `deadline` (Unix ms; Infinity: for ever) from `now`, for a
 * blocked request that moves to another shard with the time it has left: whole ms as seconds,
 * 1 ms at least (0 would wait for ever).
 */
export function timeoutLeft(deadline: number, now: number): string {
  if (deadline === Infinity) return '0';
  return (Math.max(1, Math.ceil(deadline - now)) / 1000).toFixed(3);
}
