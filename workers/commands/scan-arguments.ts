// What HSCAN, SSCAN and ZSCAN read alike (db.c scanGenericCommand, Redis 7.0): the cursor, checked
// before the key; then, for a key that exists, MATCH and COUNT; and the empty step a missing key
// answers. Each type then walks its own storage from the cursor.

import { parseInt64 } from '../../src/shared/numbers.js';
import { NOT_INTEGER, SYNTAX } from '../../src/shared/reply-errors.js';
import type { Call } from './call.js';

const UINT64_LIMIT = 1n << 64n;
/** COUNT when the call gives none (Redis's default). */
const COUNT_DEFAULT = 10;

/**
 * The cursor as Redis's parseScanCursorOrReply reads it (strtoul: an optional sign, decimal
 * digits, no leading space, text up to a NUL byte, below 2^64; '-n' wraps), or undefined, which
 * the caller answers with "invalid cursor".
 */
export function parseScanCursor(text: string): bigint | undefined {
  const first = text.charCodeAt(0);
  if (first === 0x20 || (first >= 0x09 && first <= 0x0d)) return undefined;
  const negative = first === 0x2d;
  let at = negative || first === 0x2b ? 1 : 0;
  const start = at;
  while (at < text.length && text.charCodeAt(at) >= 0x30 && text.charCodeAt(at) <= 0x39) at++;
  if (at === start) return text.length === 0 || first === 0 ? 0n : undefined;
  if (at < text.length && text.charCodeAt(at) !== 0) return undefined;
  const value = BigInt(text.slice(start, at));
  if (value >= UINT64_LIMIT) return undefined;
  return negative ? (UINT64_LIMIT - value) % UINT64_LIMIT : value;
}

export interface ScanStepOptions {
  /** Members a step should return, about (COUNT). */
  count: number;
  /** The MATCH pattern; undefined for none (or '*', which matches everything). */
  pattern: string | undefined;
}

/** MATCH and COUNT from argument 2 on, as Redis reads them; undefined after answering an error. */
export function parseScanOptions(call: Call): ScanStepOptions | undefined {
  const options: ScanStepOptions = { count: COUNT_DEFAULT, pattern: undefined };
  for (let i = 2; i < call.argc; i += 2) {
    const last = i + 1 >= call.argc;
    if (!last && call.argIs(i, 'COUNT')) {
      const count = parseInt64(call.arg(i + 1));
      if (count === undefined) {
        call.error(NOT_INTEGER);
        return undefined;
      }
      if (count < 1) {
        call.error(SYNTAX);
        return undefined;
      }
      options.count = Number(count);
    } else if (!last && call.argIs(i, 'MATCH')) {
      const pattern = call.arg(i + 1);
      options.pattern = pattern === '*' ? undefined : pattern;
    } else {
      call.error(SYNTAX);
      return undefined;
    }
  }
  return options;
}

/** The step a missing key answers: cursor 0 and nothing found. */
export function replyEmptyScan(call: Call): void {
  call.array(2);
  call.bulk('0');
  call.array(0);
}
