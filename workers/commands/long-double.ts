// INCRBYFLOAT arithmetic as Redis does it on x86-64: values are C `long double`, the x87 80-bit
// format with a 64-bit significand, parsed by strtold, added with one rounding, and printed with
// "%.17Lf" minus trailing zeros (util.c string2ld and ld2string, LD_STR_HUMAN).
//
// JS numbers are 53-bit doubles, so `0.1 + 0.2` there prints 0.30000000000000004 where Redis
// prints 0.3. To give the same replies as Redis, this module computes exactly with BigInts and
// rounds to 64 significant bits (to nearest, ties to even) wherever the x87 unit would.

/** Bits of the x87 extended significand (explicit integer bit included). */
const SIGNIFICAND_BITS = 64;
/** Exponent of the smallest normal value's least significant bit: 2^-16382 with 63 fraction bits. */
const EXPONENT_MIN = -16382 - (SIGNIFICAND_BITS - 1);
/** Exponent (of the least significant bit) beyond which a value overflows to infinity. */
const EXPONENT_MAX = 16383 - (SIGNIFICAND_BITS - 1);

/** Redis's MAX_LONG_DOUBLE_CHARS: longer text is refused. */
const TEXT_CHARS_MAX = 5 * 1024;

/** Digits after the point in Redis's human format. */
const FRACTION_DIGITS = 17;
const FRACTION_SCALE = 10n ** BigInt(FRACTION_DIGITS);

/** A finite long double: (-1)^negative × significand × 2^exponent, or infinity. */
export interface LongDouble {
  readonly negative: boolean;
  readonly significand: bigint;
  readonly exponent: number;
  readonly infinite: boolean;
}

const ZERO: LongDouble = { negative: false, significand: 0n, exponent: 0, infinite: false };

function bitLength(n: bigint): number {
  return n === 0n ? 0 : n.toString(2).length;
}

/** numerator / denominator × 2^scale, rounded to a long double (to nearest, ties to even). */
function roundRational(
  negative: boolean,
  numerator: bigint,
  denominator: bigint,
  scale: number,
): LongDouble {
  if (numerator === 0n) return { ...ZERO, negative };
  // Choose e so that numerator / denominator × 2^(scale - e) has SIGNIFICAND_BITS integer bits.
  let e = scale + bitLength(numerator) - bitLength(denominator) - SIGNIFICAND_BITS;
  for (;;) {
    const shifted = e <= scale ? numerator << BigInt(scale - e) : numerator;
    const divisor = e <= scale ? denominator : denominator << BigInt(e - scale);
    if (shifted / divisor >= 1n << BigInt(SIGNIFICAND_BITS)) {
      e++;
      continue;
    }
    if (e > EXPONENT_MIN && shifted / divisor < 1n << BigInt(SIGNIFICAND_BITS - 1)) {
      e--;
      continue;
    }
    break;
  }
  if (e < EXPONENT_MIN) e = EXPONENT_MIN;
  const shifted = e <= scale ? numerator << BigInt(scale - e) : numerator;
  const divisor = e <= scale ? denominator : denominator << BigInt(e - scale);
  let significand = shifted / divisor;
  const twiceRemainder = (shifted % divisor) * 2n;
  if (twiceRemainder > divisor || (twiceRemainder === divisor && (significand & 1n) === 1n))
    significand++;
  if (significand === 1n << BigInt(SIGNIFICAND_BITS)) {
    significand >>= 1n;
    e++;
  }
  if (e > EXPONENT_MAX) return { negative, significand: 0n, exponent: 0, infinite: true };
  return { negative, significand, exponent: e, infinite: false };
}

const DECIMAL = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/;
const HEXADECIMAL = /^([+-]?)0[xX]([0-9a-fA-F]*)(?:\.([0-9a-fA-F]*))?(?:[pP]([+-]?\d+))?$/;
const INFINITY = /^([+-]?)inf(?:inity)?$/i;

/**
 * Parses `text` as Redis's string2ld: strtold's syntax (decimal, hexadecimal, inf), no leading or
 * trailing space, not NaN, and neither overflowing nor underflowing to zero. Undefined otherwise.
 */
export function parseLongDouble(text: string): LongDouble | undefined {
  if (text.length === 0 || text.length >= TEXT_CHARS_MAX) return undefined;
  const infinity = INFINITY.exec(text);
  if (infinity)
    return { negative: infinity[1] === '-', significand: 0n, exponent: 0, infinite: true };
  const hex = HEXADECIMAL.exec(text);
  if (hex) return parseParts(hex[1] === '-', hex[2] ?? '', hex[3] ?? '', hex[4], 16);
  const decimal = DECIMAL.exec(text);
  if (decimal)
    return parseParts(decimal[1] === '-', decimal[2] ?? '', decimal[3] ?? '', decimal[4], 10);
  return undefined;
}

function parseParts(
  negative: boolean,
  whole: string,
  fraction: string,
  exponentText: string | undefined,
  radix: 10 | 16,
): LongDouble | undefined {
  if (whole.length === 0 && fraction.length === 0) return undefined;
  const digits = (whole + fraction).replace(/^0+/, '');
  if (digits.length === 0) return { ...ZERO, negative };
  const mantissa = BigInt((radix === 16 ? '0x' : '') + digits);
  const exponent = exponentText === undefined ? 0 : Number(exponentText);
  let result: LongDouble;
  if (radix === 16) {
    // Hex digits are 4 bits each; the 'p' exponent is binary.
    const scale = exponent - 4 * fraction.length;
    if (scale > 4 * EXPONENT_MAX) return undefined;
    if (scale < 4 * EXPONENT_MIN) return undefined;
    result = roundRational(negative, mantissa, 1n, scale);
  } else {
    const decimalExponent = exponent - fraction.length;
    // Far outside the range even with 5 KiB of digits: overflow or underflow, as strtold's ERANGE.
    if (decimalExponent + digits.length > 4933 + 1) return undefined;
    if (decimalExponent + digits.length < -4951 - 1) return undefined;
    result =
      decimalExponent >= 0
        ? roundRational(negative, mantissa * 10n ** BigInt(decimalExponent), 1n, 0)
        : roundRational(negative, mantissa, 10n ** BigInt(-decimalExponent), 0);
  }
  if (result.infinite || result.significand === 0n) return undefined;
  return result;
}

/** a + b, rounded once. Infinity when either is infinite or the sum overflows. */
export function addLongDouble(a: LongDouble, b: LongDouble): LongDouble {
  if (a.infinite || b.infinite) {
    if (a.infinite && b.infinite && a.negative !== b.negative)
      return { negative: false, significand: 0n, exponent: 0, infinite: true };
    return a.infinite ? a : b;
  }
  if (a.significand === 0n)
    return b.significand === 0n ? { ...ZERO, negative: a.negative && b.negative } : b;
  if (b.significand === 0n) return a;
  const exponent = Math.min(a.exponent, b.exponent);
  const x = (a.negative ? -a.significand : a.significand) << BigInt(a.exponent - exponent);
  const y = (b.negative ? -b.significand : b.significand) << BigInt(b.exponent - exponent);
  const sum = x + y;
  if (sum === 0n) return ZERO;
  return roundRational(sum < 0n, sum < 0n ? -sum : sum, 1n, exponent);
}

/** a × factor (a positive integer), rounded once: BLPOP's timeout in ms is seconds × 1000. */
export function multiplyLongDouble(a: LongDouble, factor: bigint): LongDouble {
  if (a.infinite || a.significand === 0n) return a;
  return roundRational(a.negative, a.significand * factor, 1n, a.exponent);
}

/** "%.17Lf" without trailing zeros (and without a trailing point), "-0" printed as "0". */
export function formatLongDouble(value: LongDouble): string {
  let scaled: bigint;
  if (value.exponent >= 0) {
    scaled = (value.significand << BigInt(value.exponent)) * FRACTION_SCALE;
  } else {
    const numerator = value.significand * FRACTION_SCALE;
    const divisor = 1n << BigInt(-value.exponent);
    scaled = numerator / divisor;
    const twiceRemainder = (numerator % divisor) * 2n;
    if (twiceRemainder > divisor || (twiceRemainder === divisor && (scaled & 1n) === 1n)) scaled++;
  }
  const whole = scaled / FRACTION_SCALE;
  const fraction = (scaled % FRACTION_SCALE)
    .toString()
    .padStart(FRACTION_DIGITS, '0')
    .replace(/0+$/, '');
  const text = fraction.length > 0 ? `${whole}.${fraction}` : `${whole}`;
  return value.negative && scaled !== 0n ? `-${text}` : text;
}
