// HSCAN key cursor [MATCH pattern] [COUNT count] (t_hash.c, db.c scanGenericCommand), with Redis
// 7.0's argument order: the cursor is checked first, then the key (a missing key answers an empty
// scan without looking at the options), then the options.
//
// A small hash answers every cursor with all its (matching) pairs and cursor 0, as Redis does for
// a listpack. A large hash is scanned by position from the top down, `count` positions a step
// (HashValue.scanWindow says why a field present for the whole scan is always returned).

import { parseInt64 } from '../../../src/shared/numbers.js';
import { INVALID_CURSOR, NOT_INTEGER, SYNTAX } from '../../../src/shared/reply-errors.js';
import { globMatch } from '../../keyspace/glob.js';
import type { HashValue } from '../../keyspace/hash-value.js';
import { WRONG_TYPE } from '../../keyspace/value.js';
import type { Call } from '../call.js';
import { HEADER_BYTES, hashAt } from './fields.js';

/** COUNT when the call gives none (Redis's default). */
const SCAN_COUNT_DEFAULT = 10;
/** Cursors are C unsigned longs: at most 2^64 - 1, and "-n" wraps around as strtoul does. */
const CURSOR_LIMIT = 1n << 64n;
const CURSOR_TEXT = /^[+-]?\d+$/;

/**
 * Parses a cursor as Redis 7.0 does (strtoul, base 10, the whole text, no leading space, no
 * overflow; the empty text is 0). Undefined when Redis answers "invalid cursor".
 */
export function parseCursor(text: string): number | undefined {
  if (text.length === 0) return 0;
  if (!CURSOR_TEXT.test(text)) return undefined;
  let value = BigInt(text.charCodeAt(0) === 0x2d ? text.slice(1) : text);
  if (value >= CURSOR_LIMIT) return undefined;
  if (text.charCodeAt(0) === 0x2d) value = (CURSOR_LIMIT - value) % CURSOR_LIMIT;
  // Past 2^53 the number is rounded; any such cursor is past every position anyway.
  return Number(value);
}

interface ScanOptions {
  count: number;
  pattern: string | undefined;
}

/** MATCH and COUNT from argument 2 on; undefined after answering an error. */
function parseOptions(call: Call): ScanOptions | undefined {
  const options: ScanOptions = { count: SCAN_COUNT_DEFAULT, pattern: undefined };
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

export function hScan(call: Call): void {
  const cursor = parseCursor(call.arg(1));
  if (cursor === undefined) {
    call.error(INVALID_CURSOR);
    return;
  }
  const hash = hashAt(call);
  if (hash === WRONG_TYPE) {
    call.wrongType();
    return;
  }
  if (hash === undefined) {
    call.array(2);
    call.bulk('0');
    call.array(0);
    return;
  }
  const options = parseOptions(call);
  if (options === undefined) return;
  let from = 0;
  let to = hash.size;
  if (!hash.small) ({ from, to } = hash.scanWindow(cursor, options.count));
  replyStep(call, hash, from, to, from === 0 ? '0' : String(from), options.pattern);
}

/** Replies the pairs at positions [from, to) whose field matches, after the next cursor. */
function replyStep(
  call: Call,
  hash: HashValue,
  from: number,
  to: number,
  next: string,
  pattern: string | undefined,
): void {
  const matched: number[] = [];
  let bytes = 3 * HEADER_BYTES + next.length;
  for (let i = from; i < to; i++) {
    const field = hash.fieldAt(i);
    if (pattern !== undefined && !globMatch(pattern, field)) continue;
    matched.push(i);
    bytes += 2 * HEADER_BYTES + field.length + hash.valueAt(i).length;
  }
  if (!call.fitsReply(bytes)) return;
  call.array(2);
  call.bulk(next);
  call.array(matched.length * 2);
  for (const i of matched) {
    call.bulk(hash.fieldAt(i));
    call.bulk(hash.valueAt(i));
  }
}
