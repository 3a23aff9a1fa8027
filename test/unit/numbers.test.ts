import { describe, expect, it } from 'vitest';
import { addInt64, negateInt64, parseInt64 } from '../../src/shared/numbers.js';

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
    for (const text of [
      '',
      '-',
      '+1',
      ' 1',
      '1 ',
      '01',
      '-0',
      '1.0',
      '1e3',
      '0x10',
      '9223372036854775808',
      '-9223372036854775809',
      'abc',
    ]) {
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
