// Integer parsing with Redis's rules (util.c string2ll); floats: workers/commands/long-double.ts.
//
// Integers are signed 64-bit. They are JS numbers while they fit in 2^53 and BigInts beyond, so
// the common case does no BigInt work and no value in range is ever rounded.

export const INT64_MAX = 9223372036854775807n;
export const INT64_MIN = -9223372036854775808n;

/** Longest decimal text of an int64 ("-9223372036854775808"). */
const INT64_CHARS_MAX = 20;

export type Int64 = number | bigint;

/**
 * Parses `text` as Redis's string2ll does: an optional '-', then digits without leading zeros
 * ("0" itself is fine), no '+', no spaces, within int64. Returns undefined otherwise.
 */
export function parseInt64(text: string): Int64 | undefined {
  const length = text.length;
  if (length === 0 || length > INT64_CHARS_MAX) return undefined;
  if (length === 1) {
    const digit = text.charCodeAt(0) - 48;
    return digit >= 0 && digit <= 9 ? digit : undefined;
  }
  let i = 0;
  const negative = text.charCodeAt(0) === 45;
  if (negative) i = 1;
  const first = text.charCodeAt(i) - 48;
  if (first < 1 || first > 9) return undefined;
  let value = first;
  for (i++; i < length; i++) {
    const digit = text.charCodeAt(i) - 48;
    if (digit < 0 || digit > 9) return undefined;
    value = value * 10 + digit;
  }
  if (value <= Number.MAX_SAFE_INTEGER) return negative ? -value : value;
  const big = BigInt(text);
  if (big > INT64_MAX || big < INT64_MIN) return undefined;
  return big;
}

/** a + b, or undefined when the sum leaves int64. */
export function addInt64(a: Int64, b: Int64): Int64 | undefined {
  if (typeof a === 'number' && typeof b === 'number') {
    const sum = a + b;
    if (Number.isSafeInteger(sum)) return sum;
  }
  const sum = BigInt(a) + BigInt(b);
  if (sum > INT64_MAX || sum < INT64_MIN) return undefined;
  return normalizeInt64(sum);
}

/** The negation of an int64, or undefined for INT64_MIN. */
export function negateInt64(a: Int64): Int64 | undefined {
  if (typeof a === 'number') return -a;
  if (a === INT64_MIN) return undefined;
  return normalizeInt64(-a);
}

/** A number when it is safe, so equal values always have the same representation. */
export function normalizeInt64(value: bigint): Int64 {
  return value >= -9007199254740991n && value <= 9007199254740991n ? Number(value) : value;
}

export function int64ToString(value: Int64): string {
  return typeof value === 'number' ? String(value) : value.toString();
}

/** An int64 as a reply integer (replies carry doubles; values beyond 2^53 are rounded there). */
export function int64ToReply(value: Int64): number {
  return typeof value === 'number' ? value : Number(value);
}
