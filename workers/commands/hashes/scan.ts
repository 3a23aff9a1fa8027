// HSCAN key cursor [MATCH pattern] [COUNT count] (t_hash.c, db.c scanGenericCommand), with Redis
// 7.0's argument order: the cursor is checked first, then the key (a missing key answers an empty
// scan without looking at the options), then the options.
//
// A small hash answers every cursor with all its (matching) pairs and cursor 0, as Redis does for
// a listpack. A large hash is scanned by position from the top down, `count` positions a step
// (HashValue.scanWindow says why a field present for the whole scan is always returned).

import { INVALID_CURSOR } from '../../../src/shared/reply-errors.js';
import { globMatch } from '../../keyspace/glob.js';
import type { HashValue } from '../../keyspace/hash-value.js';
import { WRONG_TYPE } from '../../keyspace/value.js';
import type { Call } from '../call.js';
import { parseScanCursor, parseScanOptions, replyEmptyScan } from '../scan-arguments.js';
import { HEADER_BYTES, hashAt } from './fields.js';

export function hScan(call: Call): void {
  const parsed = parseScanCursor(call.arg(1));
  if (parsed === undefined) {
    call.error(INVALID_CURSOR);
    return;
  }
  // Past 2^53 the number is rounded; any such cursor is past every position anyway.
  const cursor = Number(parsed);
  const hash = hashAt(call);
  if (hash === WRONG_TYPE) {
    call.wrongType();
    return;
  }
  if (hash === undefined) {
    replyEmptyScan(call);
    return;
  }
  const options = parseScanOptions(call);
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
