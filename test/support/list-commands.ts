// Random list commands over a small key pool, for the list tests (differential and model fuzz).
// Keys collide often; most share the hash tag {l}, so LMOVE, RPOPLPUSH and LMPOP apply, and a few
// do not. Elements come from a small pool so that LREM, LPOS and LINSERT find matches. Some
// strings, deletes and expiries land on the same keys, so WRONGTYPE and type changes are hit.

import type { Arg } from './commands.js';
import type { Random } from './random.js';
import { show } from './show-reply.js';

/** Keys that share one slot (the multi-key commands use only these). */
export const LIST_TAGGED: readonly Arg[] = ['{l}a', '{l}b', '{l}c', '{l}d'];
export const LIST_KEYS: readonly Arg[] = [
  ...LIST_TAGGED,
  'la',
  'lb',
  Buffer.from([0xfe, 0x00, 0x41]),
];

const ELEMENTS: readonly Arg[] = ['a', 'b', 'c', 'd', '', '1', 'ü', Buffer.from([0x00, 0xff])];

export function element(r: Random): Arg {
  return r.chance(0.05) ? `long-${'x'.repeat(r.int(200))}` : r.pick(ELEMENTS);
}

function elements(r: Random, most: number): Arg[] {
  return Array.from({ length: r.between(1, most) }, () => element(r));
}

/** An index or count: mostly small, sometimes at the int64 edges or not an integer at all. */
export function index(r: Random): string {
  if (r.chance(0.9)) return String(r.between(-8, 8));
  return r.pick([
    '9223372036854775807',
    '-9223372036854775808',
    '-9223372036854775807',
    'x',
    '1.5',
    '',
    '+1',
    '007',
  ]);
}

const side = (r: Random): string => r.pick(['LEFT', 'RIGHT', 'left', 'Right']);

function lposCommand(r: Random, key: Arg): Arg[] {
  const args: Arg[] = ['LPOS', key, element(r)];
  for (let i = r.int(4); i > 0; i--) {
    switch (r.int(7)) {
      case 0:
      case 1:
        args.push('RANK', r.chance(0.9) ? String(r.pick([1, 2, 3, -1, -2, -3, 0])) : index(r));
        break;
      case 2:
      case 3:
        args.push('COUNT', r.chance(0.9) ? String(r.between(0, 3)) : index(r));
        break;
      case 4:
      case 5:
        args.push('MAXLEN', r.chance(0.9) ? String(r.between(0, 6)) : index(r));
        break;
      default:
        args.push(r.pick(['RANK', 'COUNT', 'BOGUS']));
    }
  }
  return args;
}

function lmpopCommand(r: Random): Arg[] {
  const keys = Array.from({ length: r.between(1, 3) }, () => r.pick(LIST_TAGGED));
  // A numkeys below the keys given makes a key read as the side: a syntax error, as in Redis.
  // (A numkeys of 0, or above the arguments, names no slot: slotdb answers CROSSSLOT there.)
  const numkeys = r.chance(0.9) ? keys.length : r.between(1, keys.length);
  const args: Arg[] = ['LMPOP', String(numkeys), ...keys, r.chance(0.95) ? side(r) : 'UP'];
  if (r.chance(0.5)) args.push('COUNT', r.chance(0.9) ? String(r.between(1, 4)) : index(r));
  if (r.chance(0.03)) args.push(r.pick(['COUNT', 'BOGUS']));
  return args;
}

/** One random command, as the argument list `sendCommand` takes. */
export function randomListCommand(r: Random): Arg[] {
  const key = r.pick(LIST_KEYS);
  switch (r.int(26)) {
    case 0:
    case 1:
      return ['LPUSH', key, ...elements(r, r.chance(0.2) ? 12 : 4)];
    case 2:
    case 3:
      return ['RPUSH', key, ...elements(r, r.chance(0.2) ? 12 : 4)];
    case 4:
      return [r.pick(['LPUSHX', 'RPUSHX']), key, ...elements(r, 3)];
    case 5:
    case 6: {
      const args: Arg[] = [r.pick(['LPOP', 'RPOP']), key];
      if (r.chance(0.5)) args.push(r.chance(0.9) ? String(r.between(-1, 5)) : index(r));
      return args;
    }
    case 7:
      return ['LLEN', key];
    case 8:
    case 9:
      return ['LRANGE', key, index(r), index(r)];
    case 10:
      return ['LINDEX', key, index(r)];
    case 11:
      return ['LSET', key, index(r), element(r)];
    case 12:
      return [
        'LINSERT',
        key,
        r.pick(['BEFORE', 'AFTER', 'after', 'MIDDLE']),
        element(r),
        element(r),
      ];
    case 13:
      return ['LREM', key, r.chance(0.9) ? String(r.between(-3, 3)) : index(r), element(r)];
    case 14:
      return ['LTRIM', key, index(r), index(r)];
    case 15:
    case 16:
      return lposCommand(r, key);
    case 17:
      return [
        'LMOVE',
        r.pick(LIST_TAGGED),
        r.pick(LIST_TAGGED),
        side(r),
        r.chance(0.95) ? side(r) : 'UP',
      ];
    case 18:
      return ['RPOPLPUSH', r.pick(LIST_TAGGED), r.pick(LIST_TAGGED)];
    case 19:
      return lmpopCommand(r);
    case 20:
      return r.pick<Arg[]>([
        ['SET', key, 'text'],
        ['GET', key],
        ['TYPE', key],
      ]);
    case 21:
      return ['DEL', key];
    case 22:
      return ['EXISTS', key, r.pick(LIST_KEYS)];
    case 23:
      return r.chance(0.5) ? ['EXPIRE', key, '1000'] : ['PERSIST', key];
    case 24:
      return ['TTL', key];
    default:
      // Wrong arity and other bad input.
      return r.pick<Arg[]>([
        ['LPUSH', key],
        ['LPOP', key, '1', '2'],
        ['LINDEX', key],
        ['LSET', key, '0'],
        ['LMOVE', '{l}a', '{l}b', 'LEFT'],
        ['LMPOP', '1'],
        ['LPOS', key],
        ['RPOPLPUSH', '{l}a'],
      ]);
  }
}

/** Sends one command and resolves with its reply (a differential test's view of one side). */
export type Send = (args: Arg[]) => Promise<unknown>;

/** Each list key's type, and its elements when it holds a list: what both sides must agree on. */
export async function listKeysState(send: Send): Promise<unknown[]> {
  const result: unknown[] = [];
  for (const key of LIST_KEYS) {
    const type = await send(['TYPE', key]);
    result.push(type, type === 'list' ? show(await send(['LRANGE', key, '0', '-1'])) : null);
  }
  return result;
}
