// The cursor HSCAN, SSCAN and ZSCAN read alike, as Redis 7.0 reads it (strtoul).

import { describe, expect, it } from 'vitest';
import { parseScanCursor } from '../../workers/commands/scan-arguments.js';

describe('scan cursors', () => {
  it('read as strtoul: a sign, decimal digits, below 2^64, negative values wrapping', () => {
    expect(parseScanCursor('0')).toBe(0n);
    expect(parseScanCursor('')).toBe(0n);
    expect(parseScanCursor('+7')).toBe(7n);
    expect(parseScanCursor('-0')).toBe(0n);
    expect(parseScanCursor('-1')).toBe(2n ** 64n - 1n);
    expect(parseScanCursor('-18446744073709551615')).toBe(1n);
    expect(parseScanCursor('18446744073709551615')).toBe(2n ** 64n - 1n);
    // The text ends at a NUL byte, as a C string does.
    expect(parseScanCursor('7\x00x')).toBe(7n);
  });

  it('refuse what strtoul would not read whole', () => {
    for (const bad of [
      '18446744073709551616',
      '-18446744073709551616',
      ' 1',
      '1 ',
      '1x',
      '0x1',
      '+',
      '-',
    ]) {
      expect(parseScanCursor(bad), bad).toBeUndefined();
    }
  });
});
