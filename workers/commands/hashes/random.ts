// HRANDFIELD key [count [WITHVALUES]] (t_hash.c, Redis 7.0), its cases as Redis has them:
//
// - no count: one random field, nil for a missing key;
// - count 0: an empty array;
// - negative count: |count| fields picked independently (repeats allowed), in pick order;
// - count >= size: the whole hash, in position order (insertion order for a small hash, exactly
//   Redis's reply for a listpack);
// - 0 < count < size: count distinct fields. Picked by selection sampling in position order (as
//   Redis samples a listpack) for a small hash or a count large against the hash, by repeated
//   random picks otherwise.
//
// The count is checked before the key: not an integer, then LONG_MIN (Redis takes ±LONG_MAX), then
// the syntax of the rest, then with WITHVALUES beyond ±LONG_MAX / 2.

import { REPLY_BYTES_MAX } from '../../../src/shared/limits.js';
import { INT64_MIN, parseInt64 } from '../../../src/shared/numbers.js';
import {
  NOT_INTEGER,
  RANDOM_COUNT_RANGE,
  replyTooLarge,
  SYNTAX,
  VALUE_OUT_OF_RANGE,
} from '../../../src/shared/reply-errors.js';
import type { HashValue } from '../../keyspace/hash-value.js';
import { WRONG_TYPE } from '../../keyspace/value.js';
import type { Call } from '../call.js';
import { HEADER_BYTES, hashAt } from './fields.js';

/** LONG_MAX / 2: the largest |count| WITHVALUES takes (its reply holds two entries a pick). */
const WITH_VALUES_COUNT_MAX = 4611686018427387903n;
/**
 * Below this ratio of count to size, distinct fields are found by random picks (each pick rarely
 * repeats); from it on by one pass over the hash (Redis's CASE 3 and 4 switch at 3).
 */
const SAMPLING_PASS_RATIO = 3;

export function hRandField(call: Call): void {
  if (call.argc === 1) {
    randomField(call);
    return;
  }
  const count = parseInt64(call.arg(1));
  if (count === undefined) {
    call.error(NOT_INTEGER);
    return;
  }
  if (count === INT64_MIN) {
    call.error(RANDOM_COUNT_RANGE);
    return;
  }
  if (call.argc > 3 || (call.argc === 3 && !call.argIs(2, 'WITHVALUES'))) {
    call.error(SYNTAX);
    return;
  }
  const withValues = call.argc === 3;
  if (withValues && (count > WITH_VALUES_COUNT_MAX || count < -WITH_VALUES_COUNT_MAX)) {
    call.error(VALUE_OUT_OF_RANGE);
    return;
  }
  const hash = hashAt(call);
  if (hash === WRONG_TYPE) {
    call.wrongType();
    return;
  }
  if (hash === undefined || count === 0) call.array(0);
  else if (count < 0) withRepeats(call, hash, -count, withValues);
  else if (count >= hash.size) distinct(call, hash, allPositions(hash.size), withValues);
  else distinct(call, hash, samplePositions(hash.size, Number(count), hash.small), withValues);
}

function randomField(call: Call): void {
  const hash = hashAt(call);
  if (hash === WRONG_TYPE) call.wrongType();
  else if (hash === undefined) call.nil();
  else call.bulk(hash.fieldAt(Math.floor(Math.random() * hash.size)));
}

function allPositions(size: number): number[] {
  return Array.from({ length: size }, (_, i) => i);
}

/**
 * `count` distinct positions below `size` (0 < count < size): in position order for a small hash
 * (as Redis samples a listpack) or a count large against the size, in pick order otherwise.
 */
function samplePositions(size: number, count: number, small: boolean): number[] {
  const picked: number[] = [];
  if (small || count * SAMPLING_PASS_RATIO > size) {
    // Selection sampling (Knuth's algorithm S): each position is taken with probability
    // needed / left, which gives every subset the same chance, in position order.
    for (let i = 0, needed = count; needed > 0; i++) {
      if (Math.random() * (size - i) < needed) {
        picked.push(i);
        needed--;
      }
    }
    return picked;
  }
  const seen = new Set<number>();
  while (picked.length < count) {
    const i = Math.floor(Math.random() * size);
    if (seen.has(i)) continue;
    seen.add(i);
    picked.push(i);
  }
  return picked;
}

function pairBytes(hash: HashValue, i: number, withValues: boolean): number {
  const field = HEADER_BYTES + hash.fieldAt(i).length;
  return withValues ? field + HEADER_BYTES + hash.valueAt(i).length : field;
}

function writePair(call: Call, hash: HashValue, i: number, withValues: boolean): void {
  call.bulk(hash.fieldAt(i));
  if (withValues) call.bulk(hash.valueAt(i));
}

function distinct(call: Call, hash: HashValue, positions: number[], withValues: boolean): void {
  let bytes = HEADER_BYTES;
  for (const i of positions) bytes += pairBytes(hash, i, withValues);
  if (!call.fitsReply(bytes)) return;
  call.array(withValues ? positions.length * 2 : positions.length);
  for (const i of positions) writePair(call, hash, i, withValues);
}

/**
 * `picks` independent random fields. The picks come from a generator seeded once, run twice: to
 * add up the reply's bytes (a count can ask for far more than a reply holds) and to write it, so
 * no list of picks is kept, whatever the count.
 */
function withRepeats(call: Call, hash: HashValue, picks: number | bigint, withValues: boolean) {
  const perPick = withValues ? 2 * HEADER_BYTES : HEADER_BYTES;
  const bytesMin = BigInt(HEADER_BYTES) + BigInt(picks) * BigInt(perPick);
  if (bytesMin > BigInt(REPLY_BYTES_MAX)) {
    call.error(replyTooLarge(`at least ${bytesMin}`));
    return;
  }
  const count = Number(picks);
  const seed = (Math.random() * 2 ** 32) >>> 0;
  const size = hash.size;
  let random = new Mulberry32(seed);
  let bytes = HEADER_BYTES;
  for (let n = 0; n < count; n++) bytes += pairBytes(hash, random.below(size), withValues);
  if (!call.fitsReply(bytes)) return;
  random = new Mulberry32(seed);
  call.array(withValues ? count * 2 : count);
  for (let n = 0; n < count; n++) writePair(call, hash, random.below(size), withValues);
}

/** A small seeded generator (mulberry32), so that a sequence of picks can be run again. */
class Mulberry32 {
  private state: number;

  constructor(seed: number) {
    this.state = seed;
  }

  /** An integer in [0, n). */
  below(n: number): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return Math.floor((((t ^ (t >>> 14)) >>> 0) / 4294967296) * n);
  }
}
