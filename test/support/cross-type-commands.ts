// Random commands of every type on the same few keys, for the cross-type differential test: hash,
// list, set and sorted-set commands, strings, COPY, RENAME, RENAMENX, DEL and deadlines all land on
// four keys of one slot, so that every command meets every type (WRONGTYPE), collections are
// copied and renamed onto each other, store commands overwrite keys of any type, and commands that
// empty a collection must delete its key. Some commands add 100 to 160 members at once (past
// Redis's listpack limits, sometimes with 70-byte members), so both forms of each type are hit.
// Only commands whose replies are deterministic are made (no SPOP, no random picks).

import type { Arg } from './commands.js';
import type { Random } from './random.js';

export const CROSS_KEYS: readonly string[] = ['{x}a', '{x}b', '{x}c', '{x}d'];

/** Commands whose reply is in an order Redis does not specify: compared sorted. */
export const UNORDERED_REPLIES: ReadonlySet<string> = new Set(['SMEMBERS', 'SINTER', 'HKEYS']);

const LONG = 'L'.repeat(70);

/** HSET, ZADD, SADD or RPUSH of many members at once. */
function bulk(r: Random, key: string): Arg[] {
  const count = 100 + r.int(60);
  const prefix = r.pick(['m', LONG]);
  const names = Array.from({ length: count }, (_, i) => `${prefix}${i}`);
  switch (r.int(4)) {
    case 0:
      return ['HSET', key, ...names.flatMap((name, i) => [name, String(i)])];
    case 1:
      return ['ZADD', key, ...names.flatMap((name, i) => [String(i % 7), name])];
    case 2:
      return ['SADD', key, ...names];
    default:
      return ['RPUSH', key, ...names];
  }
}

export function randomCrossCommand(r: Random): Arg[] {
  const k = (): string => r.pick(CROSS_KEYS);
  const m = (): string => r.pick(['a', 'b', 'c', 'd', 'e', '1', '2', '']);
  const score = (): string => r.pick(['1', '2', '-1', '0', '1.5', 'inf', '-inf', '3']);
  const index = (): string => String(r.int(7) - 3);
  const side = (): string => r.pick(['LEFT', 'RIGHT']);
  const maybe = (p: number, args: Arg[]): Arg[] => (r.chance(p) ? args : []);
  const commands: (() => Arg[])[] = [
    () => ['HSET', k(), m(), m(), ...maybe(0.3, [m(), m()])],
    () => ['HDEL', k(), m(), ...maybe(0.3, [m()])],
    () => ['HINCRBY', k(), m(), index()],
    () => ['HINCRBYFLOAT', k(), m(), r.pick(['1.5', '-0.5', 'x'])],
    () => ['HSETNX', k(), m(), m()],
    () => ['HGETALL', k()],
    () => ['HKEYS', k()],
    () => ['HLEN', k()],
    () => ['LPUSH', k(), m(), ...maybe(0.3, [m()])],
    () => ['RPUSH', k(), m()],
    () => ['LPUSHX', k(), m()],
    () => ['LPOP', k(), ...maybe(0.5, [String(r.int(4))])],
    () => ['RPOP', k(), ...maybe(0.5, [String(r.int(4))])],
    () => ['LTRIM', k(), index(), index()],
    () => ['LRANGE', k(), '0', '-1'],
    () => ['LREM', k(), index(), m()],
    () => ['LMOVE', k(), k(), side(), side()],
    () => ['RPOPLPUSH', k(), k()],
    () => ['LMPOP', '2', k(), k(), side(), 'COUNT', String(1 + r.int(3))],
    () => ['LSET', k(), index(), m()],
    () => ['LINSERT', k(), r.pick(['BEFORE', 'AFTER']), m(), m()],
    () => ['LINDEX', k(), index()],
    () => ['LLEN', k()],
    () => ['SADD', k(), m(), ...maybe(0.3, [m()])],
    () => ['SREM', k(), m(), ...maybe(0.3, [m()])],
    () => ['SMOVE', k(), k(), m()],
    () => ['SINTERSTORE', k(), k(), ...maybe(0.5, [k()])],
    () => ['SUNIONSTORE', k(), k(), ...maybe(0.5, [k()])],
    () => ['SDIFFSTORE', k(), k(), ...maybe(0.5, [k()])],
    () => ['SMEMBERS', k()],
    () => ['SINTER', k(), k()],
    () => ['SINTERCARD', '2', k(), k()],
    () => ['SCARD', k()],
    () => [
      'ZADD',
      k(),
      ...maybe(0.2, [r.pick(['NX', 'XX', 'GT', 'LT', 'CH'])]),
      score(),
      m(),
      ...maybe(0.3, [score(), m()]),
    ],
    () => ['ZINCRBY', k(), score(), m()],
    () => ['ZREM', k(), m()],
    () => ['ZPOPMIN', k(), ...maybe(0.5, [String(r.int(4))])],
    () => ['ZPOPMAX', k(), ...maybe(0.5, [String(r.int(4))])],
    () => ['ZREMRANGEBYRANK', k(), index(), index()],
    () => ['ZREMRANGEBYSCORE', k(), score(), score()],
    () => [
      'ZUNIONSTORE',
      k(),
      '2',
      k(),
      k(),
      ...maybe(0.3, ['AGGREGATE', r.pick(['MIN', 'MAX', 'SUM'])]),
    ],
    () => ['ZINTERSTORE', k(), '2', k(), k(), ...maybe(0.3, ['WEIGHTS', '2', '0'])],
    () => ['ZRANGESTORE', k(), k(), index(), index()],
    () => ['ZRANGE', k(), '0', '-1', 'WITHSCORES'],
    () => ['ZRANDMEMBER', k(), '1000', ...maybe(0.5, ['WITHSCORES'])],
    () => ['ZSCORE', k(), m()],
    () => ['ZRANK', k(), m()],
    () => ['ZCARD', k()],
    () => ['COPY', k(), k(), ...maybe(0.5, ['REPLACE'])],
    () => ['COPY', k(), k(), ...maybe(0.5, ['REPLACE'])],
    () => ['RENAME', k(), k()],
    () => ['RENAME', k(), k()],
    () => ['RENAMENX', k(), k()],
    () => ['DEL', k()],
    () => ['PEXPIRE', k(), r.pick(['100000', '200000', '0', '-5'])],
    () => ['PERSIST', k()],
    () => ['SET', k(), m(), ...maybe(0.3, [r.pick(['KEEPTTL', 'GET', 'NX', 'XX'])])],
    () => ['GET', k()],
    () => ['APPEND', k(), m()],
    () => ['GETDEL', k()],
    () => ['TYPE', k()],
    () => ['EXISTS', k(), k()],
  ];
  if (r.chance(0.12)) return bulk(r, k());
  return r.pick(commands)();
}
