// The node-redis v5 methods of sorted sets (ZADD, ZRANGE, ZSCORE, ...): names, parameters and reply
// shapes as node-redis gives them. One link of the method chain (see base.ts).

import {
  type SortedSetMember,
  scoreArgument,
  type ZAddOptions,
  type ZKeys,
  type ZRangeOptions,
  type ZScanOptions,
  type ZStoreOptions,
  zAddArguments,
  zAddIncrArguments,
  zBoundsArguments,
  zRangeArguments,
  zScanArguments,
  zStoreArguments,
} from '../arguments/zsets.js';
import { variadic } from '../arguments.js';
import { COMMAND } from '../table.js';
import type { Out, RedisArgument, RedisVariadicArgument } from './base.js';
import { SetMethods } from './sets.js';

export type {
  SortedSetMember,
  ZAddOptions,
  ZKeyAndWeight,
  ZKeys,
  ZRangeOptions,
  ZScanOptions,
  ZStoreOptions,
} from '../arguments/zsets.js';

/** A member with its score, as node-redis returns them (transformSortedSetReply). */
export interface ZMember<S> {
  value: S;
  score: number;
}

export interface ZScanReply<S> {
  cursor: string;
  members: ZMember<S>[];
}

/** A score reply as a number (node-redis's transformDoubleReply): 'inf', '-inf', 'nan' included. */
function toScore(reply: unknown): number {
  const text = String(reply);
  if (text === 'inf' || text === '+inf') return Infinity;
  if (text === '-inf') return -Infinity;
  if (text === 'nan') return Number.NaN;
  return Number(text);
}

const toNullableScore = (reply: unknown): number | null => (reply === null ? null : toScore(reply));

const toNullableScores = (reply: unknown[]): (number | null)[] => reply.map(toNullableScore);

/** [member, score, member, score...] as [{ value, score }...] (transformSortedSetReply). */
function toMembers(reply: unknown[]): ZMember<unknown>[] {
  const members: ZMember<unknown>[] = [];
  for (let i = 0; i < reply.length; i += 2) {
    members.push({ value: reply[i], score: toScore(reply[i + 1]) });
  }
  return members;
}

/** ZPOPMIN / ZPOPMAX without a count: the member, or null for an empty or missing set. */
const toPopped = (reply: unknown[]): ZMember<unknown> | null =>
  reply.length === 0 ? null : { value: reply[0], score: toScore(reply[1]) };

const toScanReply = (reply: [unknown, unknown[]]): ZScanReply<unknown> => ({
  cursor: String(reply[0]),
  members: toMembers(reply[1]),
});

export abstract class SortedSetMethods<
  Async extends boolean,
  S extends string | Buffer = string,
> extends SetMethods<Async, S> {
  /** Members added (with CH, added or changed). Options as node-redis v5 takes them. */
  zAdd(
    key: RedisArgument,
    members: SortedSetMember | readonly SortedSetMember[],
    options?: ZAddOptions,
  ): Out<Async, number> {
    return this.built(COMMAND.zadd, zAddArguments, key, members, options, toScore);
  }

  /** ZADD ... INCR: the member's new score, or null when NX/XX/GT/LT kept it from changing. */
  zAddIncr(
    key: RedisArgument,
    members: SortedSetMember | readonly SortedSetMember[],
    options?: Pick<ZAddOptions, 'condition' | 'comparison' | 'CH'>,
  ): Out<Async, number | null> {
    return this.built(COMMAND.zadd, zAddIncrArguments, key, members, options, toNullableScore);
  }

  zIncrBy(key: RedisArgument, increment: number, member: RedisArgument): Out<Async, number> {
    const build = (k: RedisArgument, i: number, m: RedisArgument) => [k, scoreArgument(i), m];
    return this.built(COMMAND.zincrby, build, key, increment, member, toScore);
  }

  zRem(key: RedisArgument, members: RedisVariadicArgument): Out<Async, number> {
    return this.sendChecked(COMMAND.zrem, [key, ...variadic(members)]);
  }

  zScore(key: RedisArgument, member: RedisArgument): Out<Async, number | null> {
    return this.executor.key2(COMMAND.zscore, key, member, toNullableScore);
  }

  zmScore(key: RedisArgument, members: RedisVariadicArgument): Out<Async, (number | null)[]> {
    return this.sendChecked(COMMAND.zmscore, [key, ...variadic(members)], toNullableScores);
  }

  zCard(key: RedisArgument): Out<Async, number> {
    return this.executor.key1(COMMAND.zcard, key);
  }

  zCount(
    key: RedisArgument,
    min: RedisArgument | number,
    max: RedisArgument | number,
  ): Out<Async, number> {
    return this.built(COMMAND.zcount, zBoundsArguments, key, min, max);
  }

  zLexCount(key: RedisArgument, min: RedisArgument, max: RedisArgument): Out<Async, number> {
    return this.executor.run(COMMAND.zlexcount, [key, min, max]);
  }

  /** Members by rank, or by score or lex range (options.BY), as node-redis's zRange. */
  zRange(
    key: RedisArgument,
    min: RedisArgument | number,
    max: RedisArgument | number,
    options?: ZRangeOptions,
  ): Out<Async, S[]> {
    const build = (k: RedisArgument) => zRangeArguments([k], min, max, options);
    return this.built(COMMAND.zrange, build, key);
  }

  /** zRange with WITHSCORES: [{ value, score }...]. */
  zRangeWithScores(
    key: RedisArgument,
    min: RedisArgument | number,
    max: RedisArgument | number,
    options?: ZRangeOptions,
  ): Out<Async, ZMember<S>[]> {
    const build = (k: RedisArgument) => [...zRangeArguments([k], min, max, options), 'WITHSCORES'];
    return this.built(COMMAND.zrange, build, key, undefined, undefined, toMembers);
  }

  /** Stores a zRange's result at `destination`; the number of members stored. */
  zRangeStore(
    destination: RedisArgument,
    source: RedisArgument,
    min: RedisArgument | number,
    max: RedisArgument | number,
    options?: ZRangeOptions,
  ): Out<Async, number> {
    const build = (d: RedisArgument, s: RedisArgument) =>
      zRangeArguments([d, s], min, max, options);
    return this.built(COMMAND.zrangestore, build, destination, source);
  }

  zRank(key: RedisArgument, member: RedisArgument): Out<Async, number | null> {
    return this.executor.key2(COMMAND.zrank, key, member);
  }

  zRevRank(key: RedisArgument, member: RedisArgument): Out<Async, number | null> {
    return this.executor.key2(COMMAND.zrevrank, key, member);
  }

  zPopMin(key: RedisArgument): Out<Async, ZMember<S> | null> {
    return this.executor.key1(COMMAND.zpopmin, key, toPopped);
  }

  zPopMinCount(key: RedisArgument, count: number): Out<Async, ZMember<S>[]> {
    return this.executor.run(COMMAND.zpopmin, [key, count], toMembers);
  }

  zPopMax(key: RedisArgument): Out<Async, ZMember<S> | null> {
    return this.executor.key1(COMMAND.zpopmax, key, toPopped);
  }

  zPopMaxCount(key: RedisArgument, count: number): Out<Async, ZMember<S>[]> {
    return this.executor.run(COMMAND.zpopmax, [key, count], toMembers);
  }

  zRandMember(key: RedisArgument): Out<Async, S | null> {
    return this.executor.key1(COMMAND.zrandmember, key);
  }

  /** Distinct members for a positive count; a negative count may repeat them. */
  zRandMemberCount(key: RedisArgument, count: number): Out<Async, S[]> {
    return this.executor.run(COMMAND.zrandmember, [key, count]);
  }

  zRandMemberCountWithScores(key: RedisArgument, count: number): Out<Async, ZMember<S>[]> {
    return this.executor.run(COMMAND.zrandmember, [key, count, 'WITHSCORES'], toMembers);
  }

  zRemRangeByScore(
    key: RedisArgument,
    min: RedisArgument | number,
    max: RedisArgument | number,
  ): Out<Async, number> {
    return this.built(COMMAND.zremrangebyscore, zBoundsArguments, key, min, max);
  }

  zRemRangeByRank(key: RedisArgument, start: number, stop: number): Out<Async, number> {
    return this.executor.run(COMMAND.zremrangebyrank, [key, start, stop]);
  }

  /** Keys as node-redis takes them: one or several, plain or as { key, weight }. */
  zUnionStore(
    destination: RedisArgument,
    keys: ZKeys,
    options?: ZStoreOptions,
  ): Out<Async, number> {
    return this.built(COMMAND.zunionstore, zStoreArguments, destination, keys, options);
  }

  zInterStore(
    destination: RedisArgument,
    keys: ZKeys,
    options?: ZStoreOptions,
  ): Out<Async, number> {
    return this.built(COMMAND.zinterstore, zStoreArguments, destination, keys, options);
  }

  /**
   * One ZSCAN step: { cursor, members: [{ value, score }] }. A small set comes whole with cursor
   * '0'; a larger one in steps whose cursor is opaque (docs/types/zsets.md).
   */
  zScan(
    key: RedisArgument,
    cursor: RedisArgument,
    options?: ZScanOptions,
  ): Out<Async, ZScanReply<S>> {
    return this.built(COMMAND.zscan, zScanArguments, key, cursor, options, toScanReply);
  }
}
