// Sorted-set scores as text, with Redis 7.0's rules on x86-64 Linux (glibc).
//
// Parsing is C's strtod: decimal and hexadecimal floats ("0x1.8p1"), "inf" and "infinity" in any
// case, an optional sign. A score argument (ZADD, ZINCRBY, WEIGHTS) must be all of the text, with
// no leading space, not NaN, and neither overflow nor underflow to zero (getDoubleFromObject); a
// range bound (ZCOUNT, ZRANGE BYSCORE) is read as zslParseRange reads it: leading spaces are
// skipped, the text may end at a NUL byte, an empty text is 0, and overflow is infinity.
//
// Replies print a double as "%.17g" (addReplyDouble in RESP2), and "inf" / "-inf". A compact sorted
// set (Redis's listpack) keeps its scores as text written by d2string, and ZSCAN shows that text:
// integers within ±2^62 in plain digits, anything else as "%.17g".

/** What strtod read: the value, where it stopped, and whether it set ERANGE. */
interface Parsed {
  value: number;
  /** Index just past the text read; 0 when nothing was converted (strtod's endptr = nptr). */
  end: number;
  /** strtod's ERANGE: the text overflowed to ±infinity or underflowed. */
  outOfRange: boolean;
}

const parsed: Parsed = { value: 0, end: 0, outOfRange: false };

/** C's isspace in the C locale. */
function isSpace(code: number): boolean {
  return code === 0x20 || (code >= 0x09 && code <= 0x0d);
}

function isDigit(code: number): boolean {
  return code >= 0x30 && code <= 0x39;
}

function isHexDigit(code: number): boolean {
  return isDigit(code) || (code >= 0x61 && code <= 0x66) || (code >= 0x41 && code <= 0x46);
}

/** Whether `text` continues at `at` with `word` (lower-case ASCII), ignoring case. */
function wordAt(text: string, at: number, word: string): boolean {
  if (at + word.length > text.length) return false;
  for (let k = 0; k < word.length; k++) {
    if ((text.charCodeAt(at + k) | 0x20) !== word.charCodeAt(k)) return false;
  }
  return true;
}

/** Index past the digits (hex digits when `hex`) that start at `at`. */
function skipDigits(text: string, at: number, hex: boolean): number {
  while (at < text.length && (hex ? isHexDigit : isDigit)(text.charCodeAt(at))) at++;
  return at;
}

/** Index past an exponent ('e' or 'p', a sign, digits) at `at`, or `at` when there is none. */
function skipExponent(text: string, at: number, letter: number): number {
  if (at >= text.length || (text.charCodeAt(at) | 0x20) !== letter) return at;
  let k = at + 1;
  const sign = text.charCodeAt(k);
  if (sign === 0x2b || sign === 0x2d) k++;
  const end = skipDigits(text, k, false);
  return end > k ? end : at;
}

/** strtod on `text`: fills `parsed`. */
function strtod(text: string): void {
  let at = 0;
  while (at < text.length && isSpace(text.charCodeAt(at))) at++;
  const sign = text.charCodeAt(at);
  const negative = sign === 0x2d;
  if (negative || sign === 0x2b) at++;
  parsed.outOfRange = false;
  parsed.end = 0;
  parsed.value = 0;
  if (wordAt(text, at, 'inf')) {
    parsed.end = wordAt(text, at, 'infinity') ? at + 8 : at + 3;
    parsed.value = negative ? -Infinity : Infinity;
  } else if (wordAt(text, at, 'nan')) {
    parsed.end = nanEnd(text, at + 3);
    parsed.value = Number.NaN;
  } else if (text.charCodeAt(at) === 0x30 && (text.charCodeAt(at + 1) | 0x20) === 0x78) {
    readHex(text, at, negative);
  } else {
    readDecimal(text, at, negative);
  }
}

/** After "nan": an optional "(chars)" of letters, digits and '_' is part of it. */
function nanEnd(text: string, at: number): number {
  if (text.charCodeAt(at) !== 0x28) return at;
  let k = at + 1;
  while (k < text.length) {
    const code = text.charCodeAt(k);
    if (code === 0x29) return k + 1;
    if (!(isDigit(code) || ((code | 0x20) >= 0x61 && (code | 0x20) <= 0x7a) || code === 0x5f)) {
      return at;
    }
    k++;
  }
  return at;
}

function readDecimal(text: string, start: number, negative: boolean): void {
  const intEnd = skipDigits(text, start, false);
  let end = intEnd;
  if (text.charCodeAt(end) === 0x2e) end = skipDigits(text, end + 1, false);
  if (end - start - (end > intEnd ? 1 : 0) <= 0) return; // no digit: nothing converted
  const mantissaEnd = end;
  end = skipExponent(text, end, 0x65);
  const magnitude = Number(text.slice(start, end));
  parsed.end = end;
  parsed.value = negative ? -magnitude : magnitude;
  parsed.outOfRange =
    magnitude === Infinity || (magnitude === 0 && /[1-9]/.test(text.slice(start, mantissaEnd)));
}

/** "0x" then hex digits with an optional point and a binary exponent; "0x" alone reads "0". */
function readHex(text: string, zeroAt: number, negative: boolean): void {
  const start = zeroAt + 2;
  const intEnd = skipDigits(text, start, true);
  let end = intEnd;
  let fraction = '';
  if (text.charCodeAt(end) === 0x2e) {
    end = skipDigits(text, end + 1, true);
    fraction = text.slice(intEnd + 1, end);
  }
  const digits = text.slice(start, intEnd) + fraction;
  if (digits.length === 0) {
    parsed.end = zeroAt + 1;
    parsed.value = negative ? -0 : 0;
    return;
  }
  const exponentEnd = skipExponent(text, end, 0x70);
  let exponent = exponentEnd > end ? Number(text.slice(end + 1, exponentEnd)) : 0;
  // Beyond these bounds the result is infinity or zero whatever the digits (text is < 2^29 bytes).
  exponent = Math.max(-(2 ** 31), Math.min(2 ** 31, exponent));
  const magnitude = scaleToDouble(BigInt(`0x${digits}`), exponent - 4 * fraction.length);
  parsed.end = exponentEnd;
  parsed.value = negative ? -magnitude : magnitude;
  parsed.outOfRange = magnitude === Infinity || (magnitude === 0 && /[1-9a-f]/i.test(digits));
}

/** Bits of a double's significand. */
const SIGNIFICAND_BITS = 53;
/** Exponent of the least significant bit of the smallest subnormal double (2^-1074). */
const LSB_EXPONENT_MIN = -1074;

/** m × 2^e rounded to the nearest double (ties to even), as strtod rounds. */
function scaleToDouble(m: bigint, e: number): number {
  if (m === 0n) return 0;
  const bits = m.toString(2).length;
  const lsb = Math.max(e + bits - SIGNIFICAND_BITS, LSB_EXPONENT_MIN);
  if (lsb > 1024) return Infinity;
  let q: bigint;
  if (lsb <= e) {
    q = m << BigInt(e - lsb);
  } else {
    const drop = lsb - e;
    if (drop > bits + 1) return 0;
    const shift = BigInt(drop);
    q = m >> shift;
    const remainder = m - (q << shift);
    const half = 1n << (shift - 1n);
    if (remainder > half || (remainder === half && (q & 1n) === 1n)) q++;
  }
  // q has at most 54 bits (a carry), so Number(q) is exact; 2^lsb is exact in [-1074, 1023].
  return Number(q) * 2 ** lsb;
}

/**
 * A score argument (ZADD, ZINCRBY, WEIGHTS) as Redis's getDoubleFromObject reads it, or undefined
 * when Redis answers "not a valid float".
 */
export function parseScore(text: string): number | undefined {
  if (text.length === 0 || isSpace(text.charCodeAt(0))) return undefined;
  strtod(text);
  if (parsed.end !== text.length || Number.isNaN(parsed.value)) return undefined;
  if (parsed.outOfRange && (parsed.value === 0 || !Number.isFinite(parsed.value))) return undefined;
  return parsed.value;
}

/** A score range bound without its '(' as zslParseRange reads it, or undefined (not a float). */
export function parseBoundScore(text: string, from: number): number | undefined {
  const rest = from === 0 ? text : text.slice(from);
  strtod(rest);
  if (parsed.end < rest.length && rest.charCodeAt(parsed.end) !== 0) return undefined;
  return Number.isNaN(parsed.value) ? undefined : parsed.value;
}

// ---- formatting -----------------------------------------------------------------------------

/** Significant digits of "%.17g". */
const PRECISION = 17;
/** Integers below this have at most 17 digits: "%.17g" prints them whole, with no point. */
const PLAIN_INTEGER_LIMIT = 1e17;
/** The exact digits of an integer-valued double (String() shortens those above 2^53). */
function integerText(x: number): string {
  return Math.abs(x) <= Number.MAX_SAFE_INTEGER ? String(x) : BigInt(x).toString();
}

/** A double can be a tie at 18 significant digits only if it has at most 24 fraction bits. */
const TIE_SCALE = 2 ** 25;
const TIE_SCALE_POWER_OF_FIVE = 5n ** 25n;

/** A double as Redis 7.0 replies it in RESP2: "%.17g", with "inf" and "-inf". */
export function formatScore(x: number): string {
  if (Number.isInteger(x) && Math.abs(x) < PLAIN_INTEGER_LIMIT) {
    return x === 0 && 1 / x < 0 ? '-0' : integerText(x);
  }
  if (!Number.isFinite(x)) return Number.isNaN(x) ? 'nan' : x > 0 ? 'inf' : '-inf';
  const negative = x < 0;
  const magnitude = negative ? -x : x;
  let text = magnitude.toExponential(PRECISION - 1);
  if (Number.isInteger(magnitude * TIE_SCALE)) text = evenTie(magnitude, text);
  const e = text.indexOf('e');
  const digits = text.slice(0, 1) + text.slice(2, e).replace(/0+$/, '');
  const exponent = Number(text.slice(e + 1));
  return (negative ? '-' : '') + gStyle(digits, exponent);
}

/**
 * toExponential rounds a tie away from zero, C rounds it to even. A tie at 17 digits means the
 * exact value has 18 significant digits, the last a 5: then this returns the even rounding.
 */
function evenTie(magnitude: number, rounded: string): string {
  const longer = magnitude.toExponential(PRECISION);
  if (longer.charCodeAt(PRECISION + 1) !== 0x35) return rounded; // 18th digit is not a 5
  const exact = (BigInt(magnitude * TIE_SCALE) * TIE_SCALE_POWER_OF_FIVE).toString();
  const significant = exact.replace(/0+$/, '');
  if (significant.length !== PRECISION + 1) return rounded;
  const kept = BigInt(significant.slice(0, PRECISION));
  if ((kept & 1n) === 1n) return rounded; // half-up and half-even agree: up to the even digit
  const e = rounded.indexOf('e');
  const digits = kept.toString();
  return `${digits[0]}.${digits.slice(1)}${rounded.slice(e)}`;
}

/** "%g" layout of significant `digits` (no trailing zeros) whose first digit is 10^exponent. */
function gStyle(digits: string, exponent: number): string {
  if (exponent < -4 || exponent >= PRECISION) {
    const mantissa = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
    const sign = exponent < 0 ? '-' : '+';
    const power = Math.abs(exponent);
    return `${mantissa}e${sign}${power < 10 ? '0' : ''}${power}`;
  }
  if (exponent < 0) return `0.${'0'.repeat(-exponent - 1)}${digits}`;
  if (digits.length <= exponent + 1) return digits + '0'.repeat(exponent + 1 - digits.length);
  return `${digits.slice(0, exponent + 1)}.${digits.slice(exponent + 1)}`;
}

/** d2string's integer range: ±(LLONG_MAX / 2) as a double, 2^62. */
const COMPACT_INTEGER_MAX = 2 ** 62;

/**
 * A score as a compact sorted set (Redis's listpack) keeps it and ZSCAN shows it: d2string, which
 * prints integers within ±2^62 as plain digits (and -0 as "0") and anything else as "%.17g".
 */
export function formatCompactScore(x: number): string {
  if (Number.isInteger(x) && x >= -COMPACT_INTEGER_MAX && x <= COMPACT_INTEGER_MAX) {
    return x === 0 ? '0' : integerText(x);
  }
  return formatScore(x);
}

/** The most characters formatScore returns ("-2.2250738585072014e-308"). */
export const SCORE_CHARS_MAX = 24;
