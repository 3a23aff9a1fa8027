// SSCAN key cursor [MATCH pattern] [COUNT count] (db.c scanGenericCommand over a set). The cursor
// is a bucket of the set's table in reverse-binary order (set-value.ts): every member present for
// the whole iteration is returned at least once, whatever changes the set between steps.

import { parseInt64 } from '../../../src/shared/numbers.js';
import { INVALID_CURSOR, NOT_INTEGER, SYNTAX } from '../../../src/shared/reply-errors.js';
import { globMatch } from '../../keyspace/glob.js';
import { WRONG_TYPE } from '../../keyspace/value.js';
import type { Call } from '../call.js';
import { keysReplyBytes } from '../keys.js';
import { lookupSet } from './shared.js';

/** Redis's default COUNT, and the buckets a step may visit per member asked for (as dictScan). */
const COUNT_DEFAULT = 10;
const VISITS_PER_COUNT = 10;
const U64_MAX = 2n ** 64n - 1n;

/**
 * The cursor as Redis reads it (strtoul, base 10): no leading space, an optional sign (a negative
 * value wraps around 2^64), digits, nothing after them, within 64 bits; the empty string is 0.
 * Returns its low 32 bits (a table never has more buckets), or undefined when it is invalid.
 */
export function parseCursor(text: string): number | undefined {
  if (/^\d{1,9}$/.test(text)) return Number(text);
  const match = /^([+-]?)(\d*)$/.exec(text);
  if (match === null) return undefined;
  const digits = match[2]!;
  if (digits === '') return match[1] === '' ? 0 : undefined;
  let value = BigInt(digits);
  if (value > U64_MAX) return undefined;
  if (match[1] === '-') value = (2n ** 64n - value) & U64_MAX;
  return Number(value & 0xffffffffn);
}

interface ScanOptions {
  count: number;
  pattern: string | undefined;
}

/** COUNT and MATCH from argument 2 on, as Redis parses them; undefined once an error is answered. */
function parseOptions(call: Call): ScanOptions | undefined {
  const options: ScanOptions = { count: COUNT_DEFAULT, pattern: undefined };
  for (let j = 2; j < call.argc; j += 2) {
    if (j + 1 >= call.argc) {
      call.error(SYNTAX);
      return undefined;
    }
    if (call.argIs(j, 'COUNT')) {
      const count = parseInt64(call.arg(j + 1));
      if (count === undefined) {
        call.error(NOT_INTEGER);
        return undefined;
      }
      if (count < 1) {
        call.error(SYNTAX);
        return undefined;
      }
      options.count = Number(count);
    } else if (call.argIs(j, 'MATCH')) {
      const pattern = call.arg(j + 1);
      options.pattern = pattern === '*' ? undefined : pattern;
    } else {
      call.error(SYNTAX);
      return undefined;
    }
  }
  return options;
}

/** As Redis: the cursor is checked first, then the key (missing: an empty step), then options. */
export function sScan(call: Call): void {
  const cursor = parseCursor(call.arg(1));
  if (cursor === undefined) {
    call.error(INVALID_CURSOR);
    return;
  }
  const set = lookupSet(call, call.arg(0));
  if (set === WRONG_TYPE) {
    call.wrongType();
    return;
  }
  if (set === undefined) {
    call.array(2);
    call.bulk('0');
    call.array(0);
    return;
  }
  const options = parseOptions(call);
  if (options === undefined) return;
  let members: string[] = [];
  const next = String(set.scan(cursor, options.count, options.count * VISITS_PER_COUNT, members));
  const pattern = options.pattern;
  if (pattern !== undefined) members = members.filter((member) => globMatch(pattern, member));
  if (!call.fitsReply(5 + 5 + next.length + keysReplyBytes(members))) return;
  call.array(2);
  call.bulk(next);
  call.array(members.length);
  for (const member of members) call.bulk(member);
}
