import { describe, expect, it } from 'vitest';
import {
  addLongDouble,
  formatLongDouble,
  parseLongDouble,
} from '../../workers/commands/long-double.js';

/** INCRBYFLOAT's reply for a stored value and an increment. */
function incrByFloat(value: string, increment: string): string | undefined {
  const a = parseLongDouble(value);
  const b = parseLongDouble(increment);
  if (a === undefined || b === undefined) return undefined;
  const sum = addLongDouble(a, b);
  return sum.infinite ? 'inf' : formatLongDouble(sum);
}

describe('long double arithmetic (INCRBYFLOAT on x86-64 Redis)', () => {
  it('prints small decimal sums the way Redis does, not as doubles do', () => {
    expect(incrByFloat('0.1', '0.2')).toBe('0.3');
    expect(incrByFloat('10.50', '0.1')).toBe('10.6');
    expect(incrByFloat('10.6', '-5')).toBe('5.6');
    expect(incrByFloat('5.0e3', '2.0e2')).toBe('5200');
    expect(incrByFloat('0', '0')).toBe('0');
    expect(incrByFloat('-0.5', '0.5')).toBe('0');
  });

  it('keeps 64 significant bits where a double keeps 53', () => {
    // 2^63 - 1 is exact in a long double, not in a double.
    expect(incrByFloat('9223372036854775806', '1')).toBe('9223372036854775807');
    expect(incrByFloat('-9223372036854775807', '0.5')).toBe('-9223372036854775806.5');
  });

  it('prints 17 fraction digits, rounded, with trailing zeros removed', () => {
    expect(incrByFloat('1', '0.00000000000000001')).toBe('1.00000000000000001');
    expect(incrByFloat('0', '1e-20')).toBe('0');
    expect(incrByFloat('3', '0.125')).toBe('3.125');
    expect(incrByFloat('1e20', '0')).toBe('100000000000000000000');
  });

  it('parses strtold syntax and refuses the rest', () => {
    expect(incrByFloat('0x1p3', '0')).toBe('8');
    expect(incrByFloat('+.5', '5.')).toBe('5.5');
    expect(incrByFloat('inf', '1')).toBe('inf');
    for (const text of [
      '',
      ' 1',
      '1 ',
      'nan',
      'abc',
      '1e',
      '.',
      '1,5',
      '1e5000',
      '1e-5000',
      '0x',
    ]) {
      expect(parseLongDouble(text), text).toBeUndefined();
    }
  });
});
