// The node-redis v5 methods of lists (LPUSH, LRANGE, LMOVE, BLPOP...): names, parameters and reply
// shapes as node-redis gives them (only blPop and brPop transform their reply). One link of the
// method chain (see base.ts).

import {
  blmpopArguments,
  keyAndElements,
  keysAndTimeout,
  type ListInsertPosition,
  type ListSide,
  type LMPopOptions,
  type LPosOptions,
  lmpopArguments,
  lposArguments,
} from '../arguments/lists.js';
import { COMMAND } from '../table.js';
import type { Out, RedisArgument, RedisVariadicArgument } from './base.js';
import { HashMethods } from './hashes.js';

export abstract class ListMethods<
  Async extends boolean,
  S extends string | Buffer = string,
> extends HashMethods<Async, S> {
  /**
   * The list's length after pushing `elements` (one, or an array) at the head, in order. One
   * element takes the two-argument fast path, as SET does.
   */
  lPush(key: RedisArgument, elements: RedisVariadicArgument): Out<Async, number> {
    if (!Array.isArray(elements))
      return this.executor.key2(COMMAND.lpush, key, elements as RedisArgument);
    return this.built(COMMAND.lpush, keyAndElements, key, elements);
  }

  rPush(key: RedisArgument, elements: RedisVariadicArgument): Out<Async, number> {
    if (!Array.isArray(elements))
      return this.executor.key2(COMMAND.rpush, key, elements as RedisArgument);
    return this.built(COMMAND.rpush, keyAndElements, key, elements);
  }

  /** As lPush, only when the list exists: 0 otherwise. */
  lPushX(key: RedisArgument, elements: RedisVariadicArgument): Out<Async, number> {
    if (!Array.isArray(elements))
      return this.executor.key2(COMMAND.lpushx, key, elements as RedisArgument);
    return this.built(COMMAND.lpushx, keyAndElements, key, elements);
  }

  rPushX(key: RedisArgument, elements: RedisVariadicArgument): Out<Async, number> {
    if (!Array.isArray(elements))
      return this.executor.key2(COMMAND.rpushx, key, elements as RedisArgument);
    return this.built(COMMAND.rpushx, keyAndElements, key, elements);
  }

  lPop(key: RedisArgument): Out<Async, S | null> {
    return this.executor.key1(COMMAND.lpop, key);
  }

  /** Up to `count` elements from the head; null when the list does not exist. */
  lPopCount(key: RedisArgument, count: number): Out<Async, S[] | null> {
    return this.executor.key2(COMMAND.lpop, key, count);
  }

  rPop(key: RedisArgument): Out<Async, S | null> {
    return this.executor.key1(COMMAND.rpop, key);
  }

  /** Up to `count` elements from the tail, the last first; null when the list does not exist. */
  rPopCount(key: RedisArgument, count: number): Out<Async, S[] | null> {
    return this.executor.key2(COMMAND.rpop, key, count);
  }

  lLen(key: RedisArgument): Out<Async, number> {
    return this.executor.key1(COMMAND.llen, key);
  }

  lRange(key: RedisArgument, start: number, stop: number): Out<Async, S[]> {
    return this.executor.run(COMMAND.lrange, [key, start, stop]);
  }

  lIndex(key: RedisArgument, index: number): Out<Async, S | null> {
    return this.executor.key2(COMMAND.lindex, key, index);
  }

  lSet(key: RedisArgument, index: number, element: RedisArgument): Out<Async, 'OK'> {
    return this.executor.run(COMMAND.lset, [key, index, element]);
  }

  /** The new length; -1 when `pivot` is not in the list, 0 when the list does not exist. */
  lInsert(
    key: RedisArgument,
    position: ListInsertPosition,
    pivot: RedisArgument,
    element: RedisArgument,
  ): Out<Async, number> {
    return this.executor.run(COMMAND.linsert, [key, position, pivot, element]);
  }

  lRem(key: RedisArgument, count: number, element: RedisArgument): Out<Async, number> {
    return this.executor.run(COMMAND.lrem, [key, count, element]);
  }

  lTrim(key: RedisArgument, start: number, stop: number): Out<Async, 'OK'> {
    return this.executor.run(COMMAND.ltrim, [key, start, stop]);
  }

  /** The index of the first match (or the RANK-th), null when there is none. */
  lPos(
    key: RedisArgument,
    element: RedisArgument,
    options?: LPosOptions,
  ): Out<Async, number | null> {
    return this.built(COMMAND.lpos, lposArguments, key, element, options);
  }

  /** The indexes of up to `count` matches (0: all). */
  lPosCount(
    key: RedisArgument,
    element: RedisArgument,
    count: number,
    options?: LPosOptions,
  ): Out<Async, number[]> {
    let args: RedisArgument[];
    try {
      args = lposArguments(key, element, options, count);
    } catch (error) {
      return this.executor.fail(error);
    }
    return this.sendChecked(COMMAND.lpos, args);
  }

  /** The element moved from one end of `source` to one end of `destination`; null when none. */
  lMove(
    source: RedisArgument,
    destination: RedisArgument,
    sourceSide: ListSide,
    destinationSide: ListSide,
  ): Out<Async, S | null> {
    return this.executor.run(COMMAND.lmove, [source, destination, sourceSide, destinationSide]);
  }

  rPopLPush(source: RedisArgument, destination: RedisArgument): Out<Async, S | null> {
    return this.executor.run(COMMAND.rpoplpush, [source, destination]);
  }

  /** `[key, elements]` from the first key that holds a list, null when none does. */
  lmPop(
    keys: RedisVariadicArgument,
    side: ListSide,
    options?: LMPopOptions,
  ): Out<Async, [key: S, elements: S[]] | null> {
    return this.built(COMMAND.lmpop, lmpopArguments, keys, side, options);
  }

  // ---- blocking forms: timeouts in seconds (a float), 0 waits for ever --------------------

  /** `{ key, element }` from the first key that holds a list, once one does; null on timeout. */
  blPop(keys: RedisVariadicArgument, timeout: number): Out<Async, BlockingPopReply<S> | null> {
    return this.built(COMMAND.blpop, keysAndTimeout, keys, timeout, undefined, keyAndElement);
  }

  brPop(keys: RedisVariadicArgument, timeout: number): Out<Async, BlockingPopReply<S> | null> {
    return this.built(COMMAND.brpop, keysAndTimeout, keys, timeout, undefined, keyAndElement);
  }

  /** As lMove, waiting up to `timeout` seconds for `source` to hold a list; null on timeout. */
  blMove(
    source: RedisArgument,
    destination: RedisArgument,
    sourceSide: ListSide,
    destinationSide: ListSide,
    timeout: number,
  ): Out<Async, S | null> {
    const args = [source, destination, sourceSide, destinationSide, timeout];
    return this.executor.run(COMMAND.blmove, args);
  }

  /** As lmPop, waiting up to `timeout` seconds for one of `keys` to hold a list. */
  blmPop(
    timeout: number,
    keys: RedisVariadicArgument,
    side: ListSide,
    options?: LMPopOptions,
  ): Out<Async, [key: S, elements: S[]] | null> {
    let args: RedisArgument[];
    try {
      args = blmpopArguments(timeout, keys, side, options);
    } catch (error) {
      return this.executor.fail(error);
    }
    return this.sendChecked(COMMAND.blmpop, args);
  }

  /** BRPOPLPUSH (deprecated in Redis for blMove): RIGHT to LEFT, waiting up to `timeout`. */
  brPopLPush(
    source: RedisArgument,
    destination: RedisArgument,
    timeout: number,
  ): Out<Async, S | null> {
    return this.executor.run(COMMAND.brpoplpush, [source, destination, timeout]);
  }
}

/** BLPOP's and BRPOP's reply as node-redis v5 gives it. */
export interface BlockingPopReply<S> {
  key: S;
  element: S;
}

/** `[key, element]` → `{ key, element }`; null (a timeout) stays null. */
function keyAndElement(reply: [unknown, unknown] | null): BlockingPopReply<unknown> | null {
  return reply === null ? null : { key: reply[0], element: reply[1] };
}
