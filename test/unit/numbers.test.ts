import { describe, expect, it } from 'vitest';
import { addInt64, formatFloat, negateInt64, parseFloat64, parseInt64 } from '../../src/shared/numbers.js';

describe('parseInt64 (Redis string2ll)', () => {
  it('accepts canonical integers within int64', () => {
    expect(parseInt64('0')).toBe(0);
    expect(parseInt64('-1')).toBe(-1);
    expect(parseInt64('9007199254740991')).toBe(9007199254740991);
    expect(parseInt64('9007199254740993')).toBe(9007199254740993n);
    expect(parseInt64('9223372036854775807')).toBe(9223372036854775807n);
    expect(parseInt64('-9223372036854775808')).toBe(-9223372036854775808n);
  });

  it('refuses what Redis refuses', () => {
    for (const text of ['', '-', '+1', ' 1', '1 ', '01', '-0', '1.0', '1e3', '0x10', '9223372036854775808', '-9223372036854775809', 'abc']) {
      expect(parseInt64(text), text).toBeUndefined();
    }
  });
});

describe('int64 arithmetic', () => {
  it('adds without rounding and reports overflow', () => {
    expect(addInt64(9007199254740991, 2)).toBe(9007199254740993n);
    expect(addInt64(9223372036854775806n, 1)).toBe(9223372036854775807n);
    expect(addInt64(9223372036854775807n, 1)).toBeUndefined();
    expect(addInt64(-9223372036854775808n, -1)).toBeUndefined();
    expect(addInt64(9007199254740993n, -2)).toBe(9007199254740991);
  });

  it('negates, except INT64_MIN', () => {
    expect(negateInt64(5)).toBe(-5);
    expect(negateInt64(-9223372036854775808n)).toBeUndefined();
  });
});

describe('floats (INCRBYFLOAT)', () => {
  it('parses like strtold, without spaces or NaN', () => {
    expect(parseFloat64('1.5')).toBe(1.5);
    expect(parseFloat64('.5')).toBe(0.5);
    expect(parseFloat64('5.')).toBe(5);
    expect(parseFloat64('-1e3')).toBe(-1000);
    expect(parseFloat64('inf')).toBe(Infinity);
    expect(parseFloat64('-Infinity')).toBe(-Infinity);
    for (const text of ['', ' 1', '1 ', 'nan', 'abc', '1,5', '--1']) expect(parseFloat64(text), text).toBeUndefined();
  });

  it('prints in fixed notation without trailing zeros', () => {
    expect(formatFloat(10.6)).toBe('10.6');
    expect(formatFloat(5200)).toBe('5200');
    expect(formatFloat(-0)).toBe('0');
    expect(formatFloat(1e21)).toBe('1000000000000000000000');
    expect(formatFloat(1e-7)).toBe('0.0000001');
    expect(formatFloat(-1.25e-8)).toBe('-0.0000000125');
  });
});
