// The node-redis v5 methods of hashes (HSET, HGET, HGETALL, ...): names, parameters and reply
// shapes as node-redis gives them. One link of the method chain (see base.ts).

import { Mode } from '../../client/client.js';
import {
  type HScanOptions,
  type HSetMap,
  type HSetObject,
  type HSetTuples,
  hScanArguments,
  hSetArguments,
  isSingleArgument,
} from '../arguments/hashes.js';
import { COMMAND } from '../table.js';
import { MethodBase, type Out, type RedisArgument, type RedisVariadicArgument } from './base.js';

export type { HScanOptions, HSetMap, HSetObject, HSetTuples } from '../arguments/hashes.js';

/** A field with its value, as hScan, hScanIterator and hRandFieldCountWithValues give them. */
export interface HashEntry<S> {
  field: S;
  value: S;
}

export interface HScanReply<S> {
  /** The next cursor; "0" when the scan is over. */
  cursor: string;
  entries: HashEntry<S>[];
}

/** hScanIterator's options: HSCAN's, and the cursor to start from (node-redis's `cursor`). */
export interface HScanIteratorOptions extends HScanOptions {
  cursor?: RedisArgument;
}

/** What an iterator method returns: an async generator, or a plain one on `db.sync`. */
export type ScanSteps<Async extends boolean, T> = Async extends true
  ? AsyncGenerator<T>
  : Generator<T>;

/** `[f, v, f, v]` as `[{ field, value }, ...]`. */
function toEntries<S>(flat: S[]): HashEntry<S>[] {
  const entries: HashEntry<S>[] = [];
  for (let i = 0; i + 1 < flat.length; i += 2)
    entries.push({ field: flat[i]!, value: flat[i + 1]! });
  return entries;
}

/** HGETALL's `[f, v, ...]` as an object with no prototype, as node-redis gives it. */
function toObject<S>(flat: S[]): Record<string, S> {
  const object: Record<string, S> = Object.create(null);
  for (let i = 0; i + 1 < flat.length; i += 2) object[String(flat[i])] = flat[i + 1]!;
  return object;
}

function toScanReply<S>(reply: [S, S[]]): HScanReply<S> {
  return { cursor: String(reply[0]), entries: toEntries(reply[1]) };
}

export abstract class HashMethods<
  Async extends boolean,
  S extends string | Buffer = string,
> extends MethodBase<Async> {
  /**
   * Sets fields; the number of fields that are new. Takes a field and a value, or the pairs as an
   * object, a Map, `[[f, v], ...]` or `[f, v, ...]`, as node-redis does.
   */
  hSet(key: RedisArgument, field: RedisArgument, value: RedisArgument): Out<Async, number>;
  hSet(key: RedisArgument, pairs: HSetObject | HSetMap | HSetTuples): Out<Async, number>;
  hSet(
    key: RedisArgument,
    value: RedisArgument | HSetObject | HSetMap | HSetTuples,
    fieldValue?: RedisArgument,
  ): Out<Async, number> {
    if (isSingleArgument(value) && fieldValue !== undefined) {
      return this.executor.run(COMMAND.hset, [key, value, fieldValue]);
    }
    return this.built(COMMAND.hset, hSetArguments, key, value, fieldValue);
  }

  /** 1 when the field was set, 0 when it existed. */
  hSetNX(key: RedisArgument, field: RedisArgument, value: RedisArgument): Out<Async, number> {
    return this.executor.run(COMMAND.hsetnx, [key, field, value]);
  }

  hGet(key: RedisArgument, field: RedisArgument): Out<Async, S | null> {
    return this.executor.key2(COMMAND.hget, key, field);
  }

  hmGet(key: RedisArgument, fields: RedisVariadicArgument): Out<Async, (S | null)[]> {
    return this.sendChecked(COMMAND.hmget, [key, ...variadicFields(fields)]);
  }

  /** The fields and values as an object (with no prototype), as node-redis gives them. */
  hGetAll(key: RedisArgument): Out<Async, Record<string, S>> {
    return this.executor.key1(COMMAND.hgetall, key, toObject);
  }

  /** How many of the fields were removed; removing the last field deletes the key. */
  hDel(key: RedisArgument, fields: RedisVariadicArgument): Out<Async, number> {
    return this.sendChecked(COMMAND.hdel, [key, ...variadicFields(fields)]);
  }

  /** 1 when the field exists, 0 otherwise. */
  hExists(key: RedisArgument, field: RedisArgument): Out<Async, number> {
    return this.executor.key2(COMMAND.hexists, key, field);
  }

  hLen(key: RedisArgument): Out<Async, number> {
    return this.executor.key1(COMMAND.hlen, key);
  }

  hKeys(key: RedisArgument): Out<Async, S[]> {
    return this.executor.key1(COMMAND.hkeys, key);
  }

  hVals(key: RedisArgument): Out<Async, S[]> {
    return this.executor.key1(COMMAND.hvals, key);
  }

  hIncrBy(key: RedisArgument, field: RedisArgument, increment: number): Out<Async, number> {
    return this.executor.run(COMMAND.hincrby, [key, field, increment]);
  }

  /** The new value, as a string (Redis replies a bulk string, printed from a long double). */
  hIncrByFloat(key: RedisArgument, field: RedisArgument, increment: number): Out<Async, S> {
    return this.executor.run(COMMAND.hincrbyfloat, [key, field, increment]);
  }

  hStrLen(key: RedisArgument, field: RedisArgument): Out<Async, number> {
    return this.executor.key2(COMMAND.hstrlen, key, field);
  }

  /** One random field, or null when the key does not exist. */
  hRandField(key: RedisArgument): Out<Async, S | null> {
    return this.executor.key1(COMMAND.hrandfield, key);
  }

  /** `count` distinct random fields; a negative count picks |count| fields that may repeat. */
  hRandFieldCount(key: RedisArgument, count: number): Out<Async, S[]> {
    return this.executor.key2(COMMAND.hrandfield, key, count);
  }

  /** As hRandFieldCount, each field with its value. */
  hRandFieldCountWithValues(key: RedisArgument, count: number): Out<Async, HashEntry<S>[]> {
    return this.executor.run(COMMAND.hrandfield, [key, count, 'WITHVALUES'], toEntries);
  }

  /** One HSCAN step. The cursor is opaque; "0" starts and ends a scan. */
  hScan(
    key: RedisArgument,
    cursor: RedisArgument,
    options?: HScanOptions,
  ): Out<Async, HScanReply<S>> {
    return this.executor.run(COMMAND.hscan, hScanArguments(key, cursor, options), toScanReply);
  }

  /**
   * Scans a hash, yielding each step's entries (as node-redis v5 does, an empty step included),
   * from `options.cursor` or the start. An async generator, or a plain one on `db.sync`.
   */
  hScanIterator(
    key: RedisArgument,
    options?: HScanIteratorOptions,
  ): ScanSteps<Async, HashEntry<S>[]> {
    const steps =
      this.executor.mode === Mode.Sync
        ? scanSteps(this as HashMethods<false, S>, key, options)
        : scanStepsAsync(this as HashMethods<true, S>, key, options);
    return steps as ScanSteps<Async, HashEntry<S>[]>;
  }
}

function variadicFields(fields: RedisVariadicArgument): readonly RedisArgument[] {
  return Array.isArray(fields) ? fields : [fields as RedisArgument];
}

function* scanSteps<S extends string | Buffer>(
  hashes: HashMethods<false, S>,
  key: RedisArgument,
  options: HScanIteratorOptions | undefined,
): Generator<HashEntry<S>[]> {
  let cursor: RedisArgument = options?.cursor ?? '0';
  do {
    const reply = hashes.hScan(key, cursor, options);
    cursor = reply.cursor;
    yield reply.entries;
  } while (cursor !== '0');
}

async function* scanStepsAsync<S extends string | Buffer>(
  hashes: HashMethods<true, S>,
  key: RedisArgument,
  options: HScanIteratorOptions | undefined,
): AsyncGenerator<HashEntry<S>[]> {
  let cursor: RedisArgument = options?.cursor ?? '0';
  do {
    const reply = await hashes.hScan(key, cursor, options);
    cursor = reply.cursor;
    yield reply.entries;
  } while (cursor !== '0');
}
