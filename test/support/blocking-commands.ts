// Random blocking list commands (BLPOP, BRPOP, BLMOVE, BRPOPLPUSH, BLMPOP) over the list tests' key
// pool, for the differential test. Their timeouts are short (a few ms, never "for ever": a key may
// be empty), or wrong in the ways Redis 7.0 refuses; sides and counts are sometimes wrong too.
// Multi-key forms use keys of one slot only (others are CROSSSLOT in a cluster).

import type { Arg } from './commands.js';
import { LIST_KEYS, LIST_TAGGED } from './list-commands.js';
import type { Random } from './random.js';

/** Timeouts that wait a little: a few ms (0.0001 rounds up to 1 ms; hex floats parse too). */
const SHORT_TIMEOUTS = ['0.01', '0.005', '.01', '1e-2', '0.0001', '0x1p-7', '+0.002'];

/** Timeouts Redis refuses: not a float, or negative once in ms (inf and 1e20 cast to INT64_MIN). */
const BAD_TIMEOUTS = ['abc', '', '-1', '-0.0011', 'inf', '-inf', '1e20', 'nan', ' 1', '0.5x'];

function timeout(r: Random): string {
  return r.chance(0.9) ? r.pick(SHORT_TIMEOUTS) : r.pick(BAD_TIMEOUTS);
}

function side(r: Random): string {
  return r.chance(0.95) ? r.pick(['LEFT', 'RIGHT', 'left', 'Right']) : 'UP';
}

/** One to three keys of one slot, or one key of any slot. */
function keys(r: Random): Arg[] {
  if (r.chance(0.3)) return [r.pick(LIST_KEYS)];
  return Array.from({ length: r.between(1, 3) }, () => r.pick(LIST_TAGGED));
}

function blmpop(r: Random): Arg[] {
  const given = keys(r);
  // A numkeys below the keys given reads a key as the side: a syntax error, as in Redis.
  const numkeys = r.chance(0.9) ? given.length : r.between(1, given.length);
  const args: Arg[] = ['BLMPOP', timeout(r), String(numkeys), ...given, side(r)];
  if (r.chance(0.5)) {
    const count = r.chance(0.9) ? String(r.between(1, 4)) : r.pick(['0', '-1', 'x', '']);
    args.push('COUNT', count);
  }
  if (r.chance(0.03)) args.push(r.pick(['COUNT', 'BOGUS']));
  return args;
}

/** Calls with too few arguments (Redis's arity error). */
const WRONG_ARITY: readonly Arg[][] = [
  ['BLPOP', '{l}a'],
  ['BRPOP', '{l}a'],
  ['BLMOVE', '{l}a', '{l}b', 'LEFT', 'LEFT'],
  ['BRPOPLPUSH', '{l}a', '{l}b'],
  ['BLMPOP', '0.01', '1', '{l}a'],
];

/** One random blocking command, as the argument list `sendCommand` takes. */
export function randomBlockingCommand(r: Random): Arg[] {
  if (r.chance(0.02)) return r.pick(WRONG_ARITY);
  switch (r.int(5)) {
    case 0:
      return ['BLPOP', ...keys(r), timeout(r)];
    case 1:
      return ['BRPOP', ...keys(r), timeout(r)];
    case 2: {
      const [source, destination] = [r.pick(LIST_TAGGED), r.pick(LIST_TAGGED)];
      return ['BLMOVE', source, destination, side(r), side(r), timeout(r)];
    }
    case 3:
      return ['BRPOPLPUSH', r.pick(LIST_TAGGED), r.pick(LIST_TAGGED), timeout(r)];
    default:
      return blmpop(r);
  }
}
