import { describe, expect, it } from 'vitest';
import { globMatch } from '../../workers/keyspace/glob.js';

describe('globMatch (Redis stringmatchlen)', () => {
  const cases: [string, string, boolean][] = [
    ['*', 'anything', true],
    ['*', '', false],
    ['', '', true],
    ['h?llo', 'hello', true],
    ['h?llo', 'hllo', false],
    ['h*llo', 'heeeello', true],
    ['h[ae]llo', 'hallo', true],
    ['h[ae]llo', 'hillo', false],
    ['h[^e]llo', 'hallo', true],
    ['h[^e]llo', 'hello', false],
    ['h[a-b]llo', 'hbllo', true],
    ['h[b-a]llo', 'hallo', true],
    ['h[a-b]llo', 'hcllo', false],
    ['h\\*llo', 'h*llo', true],
    ['h\\*llo', 'hello', false],
    ['user:*:name', 'user:42:name', true],
    ['user:*:name', 'user:42:mail', false],
    ['a*b*c', 'axxbyyc', true],
    ['a*b*c', 'axxbyy', false],
    ['[abc', 'a', true],
    ['*a', 'bbbb', false],
  ];
  for (const [pattern, subject, expected] of cases) {
    it(`${JSON.stringify(pattern)} ${expected ? 'matches' : 'does not match'} ${JSON.stringify(subject)}`, () => {
      expect(globMatch(pattern, subject)).toBe(expected);
    });
  }

  it('answers a pattern that backtracks exponentially without the skip rule', () => {
    // Without Redis's skipLongerMatches rule this would take ~2^40 steps and time the test out.
    expect(globMatch(`${'a*'.repeat(40)}b`, 'a'.repeat(60))).toBe(false);
  });
});
