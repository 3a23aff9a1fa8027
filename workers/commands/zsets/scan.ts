// ZSCAN key cursor [MATCH pattern] [COUNT count].
//
// A compact set (Redis's listpack) is returned whole, in order, with cursor 0, as Redis does, its
// scores in the text a listpack keeps. A set held in a tree is scanned by handle (tree-store.ts):
// each member keeps its handle for as long as it stays in the set, whatever happens to its score,
// so a walk over handles 0, 1, 2... returns every member that is present for the whole scan
// exactly once, even while others are added, re-scored or removed (a removed member's handle may
// be taken by a new member, which is then returned or not). The cursor is the next handle to
// visit, with the handle numbering's epoch above CURSOR_POSITION_BITS: when the set renumbers its
// handles (after losing three quarters of its members), a cursor of the old numbering starts over
// from handle 0, which may return members twice but never misses one. Each call visits at most
// COUNT members or 10 × COUNT handles, as Redis bounds a step by buckets.

import { INVALID_CURSOR } from '../../../src/shared/reply-errors.js';
import { globMatch } from '../../keyspace/glob.js';
import { WRONG_TYPE } from '../../keyspace/value.js';
import { CURSOR_POSITION_BITS, type ZSetValue } from '../../keyspace/zset-value.js';
import type { Call } from '../call.js';
import { parseScanCursor, parseScanOptions, replyEmptyScan } from '../scan-arguments.js';
import { lookup } from './common.js';
import { formatCompactScore, formatScore } from './score-text.js';

const POSITION_SHIFT = BigInt(CURSOR_POSITION_BITS);
const POSITION_MASK = (1n << POSITION_SHIFT) - 1n;
/** Handles visited per member asked for, at most (Redis: buckets visited per COUNT). */
const SLOTS_PER_COUNT = 10;

export function zscan(call: Call): void {
  const cursor = parseScanCursor(call.arg(1));
  if (cursor === undefined) {
    call.error(INVALID_CURSOR);
    return;
  }
  const value = lookup(call, 0);
  if (value === WRONG_TYPE) {
    call.wrongType();
    return;
  }
  if (value === undefined) {
    replyEmptyScan(call);
    return;
  }
  const options = parseScanOptions(call);
  if (options === undefined) return;
  const members: string[] = [];
  const scores: string[] = [];
  const pattern = options.pattern;
  const format = value.compact ? formatCompactScore : formatScore;
  const collect = (member: string, score: number): void => {
    if (pattern !== undefined && !globMatch(pattern, member)) return;
    members.push(member);
    scores.push(format(score));
  };
  let next = '0';
  if (value.compact) value.walk(0, value.size, false, collect);
  else next = scanStep(value, cursor, options.count, collect);
  let bytes = 10 + next.length + 5;
  for (let i = 0; i < members.length; i++) bytes += 10 + members[i]!.length + scores[i]!.length;
  if (!call.fitsReply(bytes)) return;
  call.array(2);
  call.bulk(next);
  call.array(members.length * 2);
  for (let i = 0; i < members.length; i++) {
    call.bulk(members[i]!);
    call.bulk(scores[i]!);
  }
}

/** One step over a set's handles; returns the next cursor's text. */
function scanStep(
  value: ZSetValue,
  cursor: bigint,
  count: number,
  collect: (member: string, score: number) => void,
): string {
  const epoch = BigInt(value.epoch);
  const from = cursor >> POSITION_SHIFT === epoch ? Number(cursor & POSITION_MASK) : 0;
  const next = value.scanHandles(from, count, count * SLOTS_PER_COUNT, collect);
  return next >= value.handleCount ? '0' : String((epoch << POSITION_SHIFT) + BigInt(next));
}
