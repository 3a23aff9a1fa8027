// SSCAN key cursor [MATCH pattern] [COUNT count] (db.c scanGenericCommand over a set). The cursor
// is a bucket of the set's table in reverse-binary order (set-value.ts): every member present for
// the whole iteration is returned at least once, whatever changes the set between steps.

import { INVALID_CURSOR } from '../../../src/shared/reply-errors.js';
import { globMatch } from '../../keyspace/glob.js';
import { WRONG_TYPE } from '../../keyspace/value.js';
import type { Call } from '../call.js';
import { keysReplyBytes } from '../keys.js';
import { parseScanCursor, parseScanOptions, replyEmptyScan } from '../scan-arguments.js';
import { lookupSet } from './shared.js';

/** Buckets a step may visit per member asked for (as dictScan). */
const VISITS_PER_COUNT = 10;

/** As Redis: the cursor is checked first, then the key (missing: an empty step), then options. */
export function sScan(call: Call): void {
  const parsed = parseScanCursor(call.arg(1));
  if (parsed === undefined) {
    call.error(INVALID_CURSOR);
    return;
  }
  // Its low 32 bits: a table never has more buckets.
  const cursor = Number(parsed & 0xffffffffn);
  const set = lookupSet(call, call.arg(0));
  if (set === WRONG_TYPE) {
    call.wrongType();
    return;
  }
  if (set === undefined) {
    replyEmptyScan(call);
    return;
  }
  const options = parseScanOptions(call);
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
