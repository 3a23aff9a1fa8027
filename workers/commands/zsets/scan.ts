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

import { INVALID_CURSOR, SYNTAX } from '../../../src/shared/reply-errors.js';
import { globMatch } from '../../keyspace/glob.js';
import { WRONG_TYPE } from '../../keyspace/value.js';
import { CURSOR_POSITION_BITS, type ZSetValue } from '../../keyspace/zset-value.js';
import type { Call } from '../call.js';
import { integerArg, lookup } from './common.js';
import { formatCompactScore, formatScore } from './score-text.js';

const UINT64_LIMIT = 1n << 64n;
const POSITION_SHIFT = BigInt(CURSOR_POSITION_BITS);
const POSITION_MASK = (1n << POSITION_SHIFT) - 1n;
/** Redis's COUNT default. */
const COUNT_DEFAULT = 10;
/** Handles visited per member asked for, at most (Redis: buckets visited per COUNT). */
const SLOTS_PER_COUNT = 10;

/**
 * The cursor as Redis's parseScanCursorOrReply reads it (strtoul: an optional sign, decimal
 * digits, no leading space, text up to a NUL byte, below 2^64; '-n' wraps), or undefined.
 */
export function parseCursor(text: string): bigint | undefined {
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

/** COUNT and MATCH after the cursor; false after answering an error. */
const options = { count: COUNT_DEFAULT, pattern: undefined as string | undefined };
function parseOptions(call: Call): boolean {
  options.count = COUNT_DEFAULT;
  options.pattern = undefined;
  for (let i = 2; i < call.argc; i += 2) {
    const left = call.argc - i;
    if (left >= 2 && call.argIs(i, 'COUNT')) {
      const count = integerArg(call, i + 1);
      if (count === undefined) return false;
      if (count < 1) {
        call.error(SYNTAX);
        return false;
      }
      options.count = count;
    } else if (left >= 2 && call.argIs(i, 'MATCH')) {
      const pattern = call.arg(i + 1);
      options.pattern = pattern === '*' ? undefined : pattern;
    } else {
      call.error(SYNTAX);
      return false;
    }
  }
  return true;
}

export function zscan(call: Call): void {
  const cursor = parseCursor(call.arg(1));
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
    call.array(2);
    call.bulk('0');
    call.array(0);
    return;
  }
  if (!parseOptions(call)) return;
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
  else next = scanStep(value, cursor, collect);
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
  collect: (member: string, score: number) => void,
): string {
  const epoch = BigInt(value.epoch);
  const from = cursor >> POSITION_SHIFT === epoch ? Number(cursor & POSITION_MASK) : 0;
  const count = options.count;
  const next = value.scanHandles(from, count, count * SLOTS_PER_COUNT, collect);
  return next >= value.handleCount ? '0' : String((epoch << POSITION_SHIFT) + BigInt(next));
}
