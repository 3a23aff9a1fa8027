// Random hash commands over a small key pool, for the hash differential test: every hash command,
// with good and bad arguments, and a few string and key commands on the same keys so that
// WRONGTYPE, type changes and deletions are hit. Hashes mostly stay small (Redis's listpack, whose
// order is exact); a bulk HSET over a wide field pool, or a field or value past 64 bytes, makes
// some large (Redis's hashtable, compared as sets).

import type { Arg } from './commands.js';
import type { Random } from './random.js';

export const HASH_KEYS: readonly Arg[] = ['h0', 'h1', 'h2', '{t}h3', 'hash:ü', 's0'];

const LONG = 'L'.repeat(65);

function field(r: Random): Arg {
  switch (r.int(12)) {
    case 0:
      return `w${r.int(200)}`;
    case 1:
      return r.pick(['', 'ü', Buffer.from([0xff, 0, 0x80])]);
    case 2:
      return r.chance(0.2) ? `${LONG}${r.int(3)}` : `f${r.int(40)}`;
    default:
      return `f${r.int(10)}`;
  }
}

function value(r: Random): Arg {
  switch (r.int(10)) {
    case 0:
      return String(r.between(-1000, 1000));
    case 1:
      return r.pick(['9223372036854775806', '-9223372036854775807', '007', ' 3', '1.5', '1e3']);
    case 2:
      return r.pick(['0.1', '-2.75', 'inf', '3.0e2', '']);
    case 3:
      return Buffer.from([r.int(256), 0, r.int(256)]);
    case 4:
      return r.chance(0.3) ? `${LONG}v` : 'v';
    default:
      return `v${r.int(100)}`;
  }
}

function pairs(r: Random, count: number): Arg[] {
  return Array.from({ length: count }, () => [field(r), value(r)]).flat();
}

function fields(r: Random, count: number): Arg[] {
  return Array.from({ length: count }, () => field(r));
}

/** A bulk HSET over the wide field pool: enough of them take a hash past 128 fields. */
function bulkSet(r: Random, key: Arg): Arg[] {
  const count = r.between(20, 70);
  const args: Arg[] = ['HSET', key];
  for (let i = 0; i < count; i++) args.push(`w${r.int(200)}`, `v${r.int(10)}`);
  return args;
}

const COUNTS = ['0', '1', '2', '3', '5', '10', '200', '-1', '-3', '-20'];

function hRandField(r: Random, key: Arg): Arg[] {
  if (r.chance(0.2)) return ['HRANDFIELD', key];
  const args: Arg[] = ['HRANDFIELD', key, r.pick(COUNTS)];
  if (r.chance(0.5)) args.push(r.pick(['WITHVALUES', 'withvalues']));
  return args;
}

function hScan(r: Random, key: Arg): Arg[] {
  const args: Arg[] = ['HSCAN', key, r.chance(0.9) ? '0' : r.pick(['', '-1', '+0'])];
  if (r.chance(0.3)) args.push('MATCH', r.pick(['f*', '*', 'f[1-3]', 'w1?', '*ü*']));
  if (r.chance(0.3)) args.push('COUNT', r.pick(['1', '5', '100']));
  return args;
}

/** Bad input: arity, options, numbers, cursors, in the order Redis checks them. */
function badInput(r: Random, key: Arg): Arg[] {
  return r.pick<Arg[]>([
    ['HSET', key],
    ['HSET', key, 'f'],
    ['HSET', key, 'f', 'v', 'g'],
    ['HMSET', key, 'f', 'v', 'g'],
    ['HSETNX', key, 'f'],
    ['HGET', key],
    ['HMGET', key],
    ['HDEL', key],
    ['HINCRBY', key, 'f', 'x'],
    ['HINCRBY', key, 'f', '1.5'],
    ['HINCRBY', key, 'f', '9223372036854775807'],
    ['HINCRBYFLOAT', key, 'f', 'x'],
    ['HINCRBYFLOAT', key, 'f', 'inf'],
    ['HINCRBYFLOAT', key, 'f', 'nan'],
    ['HRANDFIELD', key, 'x'],
    ['HRANDFIELD', key, '1', 'x'],
    ['HRANDFIELD', key, '1', 'WITHVALUES', 'x'],
    ['HRANDFIELD', key, '-9223372036854775808'],
    ['HRANDFIELD', key, '4611686018427387904', 'WITHVALUES'],
    ['HRANDFIELD', key, '9223372036854775808'],
    ['HSCAN', key, 'x'],
    ['HSCAN', key, ' 1'],
    ['HSCAN', key, '18446744073709551616'],
    ['HSCAN', key, '0', 'COUNT', '0'],
    ['HSCAN', key, '0', 'COUNT', 'x'],
    ['HSCAN', key, '0', 'MATCH'],
    ['HSCAN', key, '0', 'TYPE', 'hash'],
    ['HSCAN', key, '0', 'NOVALUES'],
    ['HSTRLEN', key],
    ['HLEN', key, 'x'],
  ]);
}

/** One random command, as the argument list `sendCommand` takes. */
export function randomHashCommand(r: Random): Arg[] {
  const key = r.pick(HASH_KEYS);
  switch (r.int(32)) {
    case 0:
    case 1:
    case 2:
      return ['HSET', key, ...pairs(r, r.between(1, 4))];
    case 3:
      return r.chance(0.3) ? bulkSet(r, key) : ['HMSET', key, ...pairs(r, r.between(1, 3))];
    case 4:
      return ['HSETNX', key, field(r), value(r)];
    case 5:
    case 6:
      return ['HGET', key, field(r)];
    case 7:
      return ['HMGET', key, ...fields(r, r.between(1, 5))];
    case 8:
    case 9:
      return ['HGETALL', key];
    case 10:
    case 11:
      return ['HDEL', key, ...fields(r, r.between(1, 4))];
    case 12:
      return ['HEXISTS', key, field(r)];
    case 13:
      return ['HLEN', key];
    case 14:
      return ['HKEYS', key];
    case 15:
      return ['HVALS', key];
    case 16:
    case 17:
      return ['HINCRBY', key, field(r), r.pick(['1', '-5', '100', '0', '9223372036854775807'])];
    case 18:
    case 19:
      return ['HINCRBYFLOAT', key, field(r), r.pick(['0.1', '-0.2', '1e2', '3', '0', '1.5e70'])];
    case 20:
      return ['HSTRLEN', key, field(r)];
    case 21:
    case 22:
      return hRandField(r, key);
    case 23:
    case 24:
      return hScan(r, key);
    case 25:
      return ['DEL', key];
    case 26:
      return ['TYPE', key];
    case 27:
      return ['EXISTS', key];
    case 28:
      return r.chance(0.5) ? ['SET', key, 'text'] : ['GET', key];
    case 29:
      return r.chance(0.2) ? ['EXPIRE', key, '-1'] : ['EXPIRE', key, '1000'];
    default:
      return badInput(r, key);
  }
}
