// Random set commands for the differential test: every set command with good and bad arguments,
// mixed with DEL, TYPE, EXISTS, EXPIRE, GET and SET on the same keys so that WRONGTYPE and type
// changes happen. Every key shares one hash tag, so multi-key commands never cross slots. Members
// come from small pools (integers, which Redis keeps as intsets; words; bytes; the empty string) so
// that sets overlap and members repeat.

import type { Arg } from './commands.js';
import type { Random } from './random.js';

export const SET_KEYS: readonly string[] = ['{s}a', '{s}b', '{s}c', '{s}d', '{s}e', '{s}f'];

/** How the differential test compares a command's replies (errors are always compared exactly). */
export const Compare = {
  /** The replies must be equal. */
  Exact: 0,
  /** Arrays of members in Redis's hash or intset order: compared as sorted lists. */
  Sorted: 1,
  /** SPOP: random members; sizes and membership checked, then Redis re-synchronised. */
  Pop: 2,
  /** SRANDMEMBER: random members; sizes, distinctness and membership checked. */
  RandomMember: 3,
  /** SSCAN: cursors differ; compared by scanning to the end on both sides. */
  Scan: 4,
} as const;
export type Compare = (typeof Compare)[keyof typeof Compare];

const INTEGERS = ['1', '2', '3', '10', '-5', '42', '100', '007', '9223372036854775807'];
const WORDS = ['a', 'b', 'c', 'apple', 'banana', 'x y', 'ü', ''];

function member(r: Random): Arg {
  switch (r.int(5)) {
    case 0:
    case 1:
      return r.pick(INTEGERS);
    case 2:
    case 3:
      return r.pick(WORDS);
    default:
      return Buffer.from([r.pick([0, 0xff, 0x7b, 0x80]), r.int(3)]);
  }
}

function members(r: Random, most: number): Arg[] {
  return Array.from({ length: r.between(1, most) }, () => member(r));
}

function keys(r: Random, most: number): Arg[] {
  return Array.from({ length: r.between(1, most) }, () => r.pick(SET_KEYS));
}

/** SPOP and SRANDMEMBER counts, good and bad. */
function count(r: Random): string {
  return r.pick([
    '0',
    '1',
    '2',
    '3',
    '5',
    '20',
    '-1',
    '-3',
    '-10',
    'abc',
    '1.5',
    '9223372036854775807',
    '-9223372036854775808',
  ]);
}

function sscan(r: Random, key: Arg): Arg[] {
  const args: Arg[] = ['SSCAN', key, '0'];
  if (r.chance(0.4)) args.push('MATCH', r.pick(['*', 'a*', '*[0-9]*', '?', 'b*a*']));
  if (r.chance(0.5)) args.push('COUNT', r.pick(['1', '2', '5', '100']));
  return args;
}

function sinterCard(r: Random): Arg[] {
  const chosen = keys(r, 3);
  const args: Arg[] = ['SINTERCARD', String(chosen.length), ...chosen];
  if (r.chance(0.4)) args.push('LIMIT', r.pick(['0', '1', '2', '-1', 'x']));
  // More keys than arguments (Redis's error). Not with LIMIT: "LIMIT" would then be a key, in
  // another slot (CROSSSLOT here, a syntax error on a single Redis).
  else if (r.chance(0.1)) args[1] = String(chosen.length + 1);
  return args;
}

/** Bad input: wrong arity, bad counts, cursors and options. Compared exactly. */
function badInput(r: Random, key: Arg): Arg[] {
  return r.pick<Arg[]>([
    ['SADD', key],
    ['SREM', key],
    ['SMISMEMBER', key],
    ['SISMEMBER', key],
    ['SCARD'],
    ['SMOVE', key, key],
    ['SPOP', key, '1', '2'],
    ['SRANDMEMBER', key, '1', '2'],
    ['SINTERCARD', '1'],
    ['SINTERCARD', '1', key, 'LIMIT'],
    ['SINTERCARD', '1', key, 'FOO', '1'],
    ['SINTERSTORE', key],
    ['SSCAN', key],
    ['SSCAN', key, 'x'],
    ['SSCAN', key, ' 1'],
    ['SSCAN', key, '18446744073709551616'],
    ['SSCAN', key, '0', 'COUNT', '0'],
    ['SSCAN', key, '0', 'COUNT', 'x'],
    ['SSCAN', key, '0', 'COUNT'],
    ['SSCAN', key, '0', 'TYPE', 'set'],
  ]);
}

/** One random command and how to compare its replies. */
export function randomSetCommand(r: Random): { args: Arg[]; compare: Compare } {
  const key = r.pick(SET_KEYS);
  const exact = (args: Arg[]) => ({ args, compare: Compare.Exact });
  const sorted = (args: Arg[]) => ({ args, compare: Compare.Sorted });
  switch (r.int(30)) {
    case 0:
    case 1:
    case 2:
    case 3:
      return exact(['SADD', key, ...members(r, 5)]);
    case 4:
      return exact(['SREM', key, ...members(r, 3)]);
    case 5:
    case 6:
      return sorted(['SMEMBERS', key]);
    case 7:
      return exact(['SISMEMBER', key, member(r)]);
    case 8:
      return exact(['SMISMEMBER', key, ...members(r, 4)]);
    case 9:
      return exact(['SCARD', key]);
    case 10:
      return {
        args: r.chance(0.5) ? ['SPOP', key] : ['SPOP', key, count(r)],
        compare: Compare.Pop,
      };
    case 11: {
      const args = r.chance(0.4) ? ['SRANDMEMBER', key] : ['SRANDMEMBER', key, count(r)];
      return { args, compare: Compare.RandomMember };
    }
    case 12:
      return exact(['SMOVE', key, r.pick(SET_KEYS), member(r)]);
    case 13:
      return sorted(['SINTER', ...keys(r, 3)]);
    case 14:
      return exact(sinterCard(r));
    case 15:
      return sorted(['SUNION', ...keys(r, 3)]);
    case 16:
      return sorted(['SDIFF', ...keys(r, 3)]);
    case 17:
      return exact([r.pick(['SINTERSTORE', 'SUNIONSTORE', 'SDIFFSTORE']), key, ...keys(r, 3)]);
    case 18:
    case 19:
      return { args: sscan(r, key), compare: Compare.Scan };
    case 20:
      return exact(['DEL', ...keys(r, 2)]);
    case 21:
      return exact(['TYPE', key]);
    case 22:
      return exact(['EXISTS', ...keys(r, 3)]);
    case 23:
      return exact(['EXPIRE', key, r.pick(['1000', '5000', '-1'])]);
    case 24:
      return exact(['GET', key]);
    case 25:
      return exact(['SET', key, r.pick(['v', '1'])]);
    case 26:
    case 27:
      return exact(badInput(r, key));
    default:
      return exact(['SADD', key, ...members(r, 2)]);
  }
}
