// Random sorted-set commands for the differential test (test/differential/zsets.test.ts): every
// sorted-set command slotdb has, with valid and invalid options, odd scores and bounds, plus some
// string and key commands on the same keys so that WRONGTYPE and type changes come up. All keys
// share the hash tag {z}, so the multi-key commands stay in one slot.

import type { Random } from './random.js';

export type Arg = string | Buffer;

/** Keys that stay small (compact in Redis: at most 128 members of at most 64 bytes)... */
export const SMALL_KEYS = ['{z}a', '{z}b', '{z}c', '{z}d'];
/** ...keys that grow past that (ZADD of many members, ZUNIONSTORE results)... */
export const BIG_KEYS = ['{z}big1', '{z}big2'];
/** ...store destinations, a string key, a plain set (a ZUNIONSTORE source), a key never written. */
export const OTHER_KEYS = ['{z}dst', '{z}dst2', '{z}str', '{z}set', '{z}none'];
export const ZSET_KEYS = [...SMALL_KEYS, ...BIG_KEYS, ...OTHER_KEYS];

const MEMBERS: Arg[] = [
  'a',
  'b',
  'c',
  'd',
  'e',
  'f',
  'g',
  'h',
  'aa',
  'ab',
  'b\x00',
  '',
  'A',
  'z',
  Buffer.from([0xff]),
  Buffer.from([0x80, 0x00]),
];

/** Scores as text: integers, fractions, infinities, signed zero, hex, extremes. */
const SCORES = [
  '0',
  '1',
  '2',
  '3',
  '-1',
  '1.5',
  '-2.5',
  '0.1',
  '0.2',
  '0.30000000000000004',
  '1e20',
  '1e-5',
  '1.5e-7',
  '123456789012345678',
  '4611686018427387904',
  '5e-324',
  '1.7976931348623157e308',
  'inf',
  '-inf',
  '+inf',
  'Infinity',
  '-0',
  '0x10',
  '0x1.8p1',
  '.5',
  '3.',
  '+7',
];
const BAD_SCORES = ['nan', 'abc', ' 1', '1 ', '', '1e400', '1e-400', '0x', '--1', 'inf1'];

const LEX_BOUNDS = ['-', '+', '[a', '(a', '[b', '(c', '[d', '[', '(', '[aa', '(ab', '[z', '[\xff'];
const BAD_LEX_BOUNDS = ['a', '+x', '-x', '', 'b'];
const RANKS = ['0', '1', '2', '-1', '-2', '-3', '5', '-100', '100', '9223372036854775807'];
const BAD_INTEGERS = ['x', '1.5', '', '9223372036854775808', ' 1'];

export function member(r: Random): Arg {
  if (r.chance(0.01)) return 'L'.repeat(65);
  return r.pick(MEMBERS);
}

export function score(r: Random): string {
  if (r.chance(0.015)) return r.pick(BAD_SCORES);
  return r.chance(0.5) ? String(r.between(-5, 5)) : r.pick(SCORES);
}

function scoreBound(r: Random): string {
  if (r.chance(0.03)) return r.pick(['nan', 'x', '1 ', '(nan', '((1']);
  if (r.chance(0.05)) return r.pick(['', '(', ' 2', '1e400', '-1e400', '3\x00x']);
  const value = r.chance(0.6) ? String(r.between(-5, 5)) : r.pick(SCORES);
  return (r.chance(0.3) ? '(' : '') + value;
}

function lexBound(r: Random): string {
  return r.chance(0.03) ? r.pick(BAD_LEX_BOUNDS) : r.pick(LEX_BOUNDS);
}

function integer(r: Random): string {
  return r.chance(0.03)
    ? r.pick(BAD_INTEGERS)
    : r.chance(0.5)
      ? String(r.between(-6, 6))
      : r.pick(RANKS);
}

/** A key: usually a sorted set, sometimes the string or a missing key. */
export function anyKey(r: Random): string {
  if (r.chance(0.06)) return r.pick(['{z}str', '{z}none']);
  if (r.chance(0.25)) return r.pick([...BIG_KEYS, '{z}dst', '{z}dst2']);
  return r.pick(SMALL_KEYS);
}

function zadd(r: Random, key: string): Arg[] {
  const args: Arg[] = ['ZADD', key];
  if (r.chance(0.3)) {
    const options = ['NX', 'XX', 'GT', 'LT', 'CH', 'INCR', 'nx', 'ch', 'CH', 'XX'];
    for (let i = r.between(1, 2); i > 0; i--) args.push(r.pick(options));
  }
  const incr = args.some((a) => typeof a === 'string' && a.toUpperCase() === 'INCR');
  const pairs = incr && r.chance(0.9) ? 1 : r.between(1, 6);
  for (let i = 0; i < pairs; i++) args.push(score(r), member(r));
  if (r.chance(0.02)) args.pop(); // odd argument count: syntax error
  return args;
}

/** ZADD of many members to a big key, so that it is held in a tree on both sides. */
export function bigZadd(r: Random, key: string): Arg[] {
  const args: Arg[] = ['ZADD', key];
  const base = r.int(1000);
  for (let i = 0; i < 140; i++) args.push(String(r.between(-50, 50) / 2), `m${base + i}`);
  return args;
}

function rangeOptions(r: Random, store: boolean): Arg[] {
  const options: Arg[] = [];
  const by = r.int(10);
  if (by < 3) options.push('BYSCORE');
  else if (by < 5) options.push('BYLEX');
  if (r.chance(0.3)) options.push('REV');
  if (r.chance(by < 5 ? 0.4 : 0.05)) options.push('LIMIT', integer(r), integer(r));
  if (!store && r.chance(0.4)) options.push('WITHSCORES');
  if (r.chance(0.03)) options.push(r.pick(['BYSCORE', 'REV', 'FOO', 'LIMIT']));
  for (let i = options.length - 1; i > 0; i--) {
    const j = r.int(i + 1);
    [options[i], options[j]] = [options[j]!, options[i]!];
  }
  return options;
}

/** min and max for a ZRANGE whose options are `options`. */
function rangeBounds(r: Random, options: Arg[]): Arg[] {
  if (options.includes('BYSCORE')) return [scoreBound(r), scoreBound(r)];
  if (options.includes('BYLEX')) return [lexBound(r), lexBound(r)];
  return [integer(r), integer(r)];
}

function storeCommand(r: Random, name: string): Arg[] {
  const count = r.chance(0.05) ? r.pick(['0', '-1', 'x', '9']) : String(r.between(1, 3));
  const sources = Array.from({ length: Number(count) > 0 ? Number(count) : 1 }, () => anyKey(r));
  const args: Arg[] = [name, r.pick(['{z}dst', '{z}dst2', ...BIG_KEYS]), count, ...sources];
  if (r.chance(0.4))
    args.push('WEIGHTS', ...sources.map(() => r.pick([...SCORES.slice(0, 12), '0'])));
  if (r.chance(0.4)) args.push('AGGREGATE', r.pick(['SUM', 'MIN', 'MAX', 'min', 'AVG']));
  if (r.chance(0.03)) args.push(r.pick(['WITHSCORES', 'WEIGHTS', 'FOO']));
  return args;
}

function scanCommand(r: Random, key: string): Arg[] {
  const cursor = r.chance(0.9) ? '0' : r.pick(['x', '18446744073709551616', ' 1', '', '-0', '+0']);
  const args: Arg[] = ['ZSCAN', key, cursor];
  if (r.chance(0.3)) args.push('MATCH', r.pick(['*', 'a*', '?', '[a-c]*', 'm1*', '*b*']));
  if (r.chance(0.3)) args.push('COUNT', r.pick(['1', '5', '10', '1000', '0', '-1', 'x']));
  if (r.chance(0.02)) args.push(r.pick(['TYPE', 'NOVALUES', 'MATCH']));
  return args;
}

/** One to three members, for SADD to the plain set that store commands may read. */
function membersOf(r: Random): Arg[] {
  return Array.from({ length: r.between(1, 3) }, () => r.pick(MEMBERS));
}

function otherCommand(r: Random, key: string): Arg[] {
  switch (r.int(8)) {
    case 0:
      return r.chance(0.3) ? ['DEL', key] : ['ZCARD', key];
    case 1:
      return ['TYPE', key];
    case 2:
      return ['EXISTS', key];
    case 3:
      return ['GET', key];
    case 4:
      return ['SET', r.chance(0.9) ? '{z}str' : key, 'text'];
    case 5:
      return ['EXPIRE', key, r.chance(0.8) ? '100' : '-1'];
    case 6:
      return r.chance(0.5) ? ['TTL', key] : ['SADD', '{z}set', ...membersOf(r)];
    default:
      return bigZadd(r, r.pick(BIG_KEYS));
  }
}

/** One random command touching the sorted-set keys. */
export function randomZsetCommand(r: Random): Arg[] {
  const key = anyKey(r);
  switch (r.int(28)) {
    case 0:
    case 1:
    case 2:
    case 26:
    case 27:
      return zadd(r, key);
    case 3:
      return ['ZINCRBY', key, score(r), member(r)];
    case 4:
      return ['ZREM', key, ...Array.from({ length: r.between(1, 3) }, () => member(r))];
    case 5:
      return ['ZSCORE', key, member(r)];
    case 6:
      return ['ZMSCORE', key, ...Array.from({ length: r.between(1, 3) }, () => member(r))];
    case 7:
      return ['ZCARD', key];
    case 8:
      return ['ZCOUNT', key, scoreBound(r), scoreBound(r)];
    case 9:
      return ['ZLEXCOUNT', key, lexBound(r), lexBound(r)];
    case 10:
    case 11:
    case 12: {
      const options = rangeOptions(r, false);
      return ['ZRANGE', key, ...rangeBounds(r, options), ...options];
    }
    case 13: {
      const options = rangeOptions(r, true);
      const destination = r.pick(['{z}dst', '{z}dst2', key]);
      return ['ZRANGESTORE', destination, key, ...rangeBounds(r, options), ...options];
    }
    case 14:
      return [r.pick(['ZRANK', 'ZREVRANK']), key, member(r)];
    case 15:
      return r.chance(0.5)
        ? [r.pick(['ZPOPMIN', 'ZPOPMAX']), key]
        : [r.pick(['ZPOPMIN', 'ZPOPMAX']), key, r.pick(['0', '1', '2', '5', '-1', 'x'])];
    case 16: {
      const args: Arg[] = ['ZRANDMEMBER', key];
      if (r.chance(0.7)) args.push(r.pick(['0', '1', '3', '-3', '10', '-10', '200', 'x']));
      if (args.length === 3 && r.chance(0.4)) args.push(r.chance(0.95) ? 'WITHSCORES' : 'FOO');
      return args;
    }
    case 17:
      return ['ZREMRANGEBYSCORE', key, scoreBound(r), scoreBound(r)];
    case 18:
      return ['ZREMRANGEBYRANK', key, integer(r), integer(r)];
    case 19:
    case 20:
      return storeCommand(r, r.pick(['ZUNIONSTORE', 'ZINTERSTORE']));
    case 21:
    case 22:
      return scanCommand(r, key);
    default:
      return otherCommand(r, key);
  }
}

/** Whether a command reads or writes by lex range (undefined by Redis on unequal scores). */
export function isLexCommand(args: readonly Arg[]): boolean {
  const name = String(args[0]).toUpperCase();
  return name === 'ZLEXCOUNT' || args.some((a) => typeof a === 'string' && a === 'BYLEX');
}
