// Random Redis commands over a small key pool, for the fuzz tests. Keys collide often (so commands
// see each other's effects); some share a hash tag (so same-slot multi-key commands apply), one is
// binary and one is not ASCII. Deadlines are long, so nothing expires while a test runs, except
// when a command asks for an immediate one (EXPIRE k -1, PXAT in the past).

import type { Random } from './random.js';

export type Arg = string | Buffer;

const TAGGED = ['{t}a', '{t}b', '{t}c', '{t}d'];
export const KEYS: readonly Arg[] = [
  ...Array.from({ length: 12 }, (_, i) => `k${i}`),
  ...TAGGED,
  'n0',
  'n1',
  'n2',
  'ключ',
  Buffer.from([0xff, 0x00, 0x7b, 0x80]),
];

function value(r: Random): Arg {
  switch (r.int(8)) {
    case 0:
      return String(r.between(-1000, 1000));
    case 1:
      return r.pick(['9223372036854775806', '-9223372036854775807', '0', '007', '1.5', ' 3']);
    case 2:
      return r.pick(['0.5', '1.25', '-2.75', '100']);
    case 3:
      return `ü🙂${r.int(10)}`;
    case 4:
      return Buffer.from([r.int(256), 0, r.int(256)]);
    case 5:
      return '';
    default:
      return `v${'x'.repeat(r.int(20))}`;
  }
}

function keys(r: Random, count: number): Arg[] {
  return Array.from({ length: count }, () => r.pick(KEYS));
}

const LONG_SECONDS = ['1000', '2000', '5000'];

/** One random command, as the argument list `sendCommand` takes. */
export function randomCommand(r: Random): Arg[] {
  const key = r.pick(KEYS);
  switch (r.int(30)) {
    case 0:
    case 1:
    case 2:
      return ['GET', key];
    case 3:
    case 4: {
      const args: Arg[] = ['SET', key, value(r)];
      if (r.chance(0.3)) args.push(r.pick(['NX', 'XX']));
      if (r.chance(0.2)) args.push('GET');
      if (r.chance(0.2)) args.push(r.pick(['EX', 'PX']), r.pick(LONG_SECONDS));
      else if (r.chance(0.1)) args.push('KEEPTTL');
      return args;
    }
    case 5:
      return ['SETNX', key, value(r)];
    case 6:
      return ['GETDEL', key];
    case 7:
      return r.chance(0.5) ? ['GETEX', key, 'PERSIST'] : ['GETEX', key, 'EX', r.pick(LONG_SECONDS)];
    case 8:
      return ['DEL', ...keys(r, r.between(1, 4))];
    case 9:
      return ['EXISTS', ...keys(r, r.between(1, 4))];
    case 10:
      return ['INCR', key];
    case 11:
      return ['INCRBY', key, String(r.between(-100, 100))];
    case 12:
      return ['DECRBY', key, String(r.between(-100, 100))];
    case 13:
      return ['APPEND', key, value(r)];
    case 14:
      return ['STRLEN', key];
    case 15:
      return ['GETRANGE', key, String(r.between(-10, 10)), String(r.between(-10, 10))];
    case 16:
      return ['SETRANGE', key, String(r.between(0, 12)), value(r)];
    case 17:
      return ['MGET', ...keys(r, r.between(1, 5))];
    case 18:
      return ['MSET', ...keys(r, r.between(1, 4)).flatMap((k) => [k, value(r)])];
    case 19: {
      const pairs = Array.from({ length: r.between(1, 3) }, () => [r.pick(TAGGED), value(r)]);
      return ['MSETNX', ...pairs.flat()];
    }
    case 20:
      return [
        'EXPIRE',
        key,
        r.pick(['-1', ...LONG_SECONDS]),
        ...(r.chance(0.3) ? [r.pick(['NX', 'XX', 'GT', 'LT'])] : []),
      ];
    case 21:
      return ['PERSIST', key];
    case 22:
      return ['TTL', key];
    case 23:
      return ['TYPE', key];
    case 24:
      return ['DBSIZE'];
    case 25:
      return ['INCRBYFLOAT', key, r.pick(['0.5', '-1.25', '3', '0.125'])];
    case 26:
      return ['GETSET', key, value(r)];
    case 27:
      return ['DECR', key];
    case 28:
      return ['TOUCH', ...keys(r, r.between(1, 3))];
    default:
      // Bad input: wrong arity, bad options, bad numbers.
      return r.pick<Arg[]>([
        ['GET'],
        ['SET', key],
        ['SET', key, 'v', 'NX', 'XX'],
        ['SET', key, 'v', 'EX', '0'],
        ['INCRBY', key, 'x'],
        ['EXPIRE', key, '10', 'GT', 'LT'],
        ['GETRANGE', key, 'a', '1'],
        ['MSET', key],
      ]);
  }
}

/** Whether a command's reply depends on the clock (compared approximately). */
export function isTimeDependent(args: readonly Arg[]): boolean {
  const name = String(args[0]).toUpperCase();
  return name === 'TTL' || name === 'PTTL';
}
