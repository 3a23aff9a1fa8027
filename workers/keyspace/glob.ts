// Glob-style matching with Redis's rules (util.c stringmatchlen), used by SCAN MATCH and KEYS:
// '*' any run, '?' one byte, '[abc]', '[^abc]', '[a-z]' classes, '\' escapes. Pattern and subject
// are one-byte strings (bytes), compared case-sensitively.

/** Redis stops recursing at this depth and reports no match, to bound work on hostile patterns. */
const NESTING_MAX = 1000;

export function globMatch(pattern: string, subject: string): boolean {
  const state = { skipLonger: false };
  return matchFrom(pattern, 0, subject, 0, state, 0);
}

function matchFrom(
  pattern: string,
  p: number,
  subject: string,
  s: number,
  state: { skipLonger: boolean },
  nesting: number,
): boolean {
  if (nesting > NESTING_MAX) return false;
  const patternEnd = pattern.length;
  const subjectEnd = subject.length;
  while (p < patternEnd && s < subjectEnd) {
    const c = pattern.charCodeAt(p);
    if (c === 0x2a /* '*' */) {
      while (p + 1 < patternEnd && pattern.charCodeAt(p + 1) === 0x2a) p++;
      if (p + 1 === patternEnd) return true;
      while (s < subjectEnd) {
        if (matchFrom(pattern, p + 1, subject, s, state, nesting + 1)) return true;
        if (state.skipLonger) return false;
        s++;
      }
      state.skipLonger = true;
      return false;
    } else if (c === 0x3f /* '?' */) {
      s++;
    } else if (c === 0x5b /* '[' */) {
      p++;
      const negate = p < patternEnd && pattern.charCodeAt(p) === 0x5e; /* '^' */
      if (negate) p++;
      const target = subject.charCodeAt(s);
      let matched = false;
      for (;;) {
        if (p >= patternEnd) {
          // An unterminated class: Redis steps back so the outer loop ends on the last char.
          p--;
          break;
        }
        const k = pattern.charCodeAt(p);
        if (k === 0x5c /* '\' */ && patternEnd - p >= 2) {
          p++;
          if (pattern.charCodeAt(p) === target) matched = true;
        } else if (k === 0x5d /* ']' */) {
          break;
        } else if (patternEnd - p >= 3 && pattern.charCodeAt(p + 1) === 0x2d /* '-' */) {
          let low = k;
          let high = pattern.charCodeAt(p + 2);
          if (low > high) [low, high] = [high, low];
          p += 2;
          if (target >= low && target <= high) matched = true;
        } else if (k === target) {
          matched = true;
        }
        p++;
      }
      if (negate) matched = !matched;
      if (!matched) return false;
      s++;
    } else {
      if (c === 0x5c /* '\' */ && patternEnd - p >= 2) p++;
      if (pattern.charCodeAt(p) !== subject.charCodeAt(s)) return false;
      s++;
    }
    p++;
    if (s === subjectEnd) {
      while (p < patternEnd && pattern.charCodeAt(p) === 0x2a) p++;
      break;
    }
  }
  return p === patternEnd && s === subjectEnd;
}
