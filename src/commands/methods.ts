// The typed command methods, named and shaped as in node-redis v5 (`get`, `set(key, value,
// { EX, NX })`, `mGet`, `incrBy`, `scanIterator`...). They are written once: the async API (`db`),
// the blocking API (`db.sync`) and the Buffer-returning views differ only in their executor.

import { InvariantError } from '../errors.js';
import { type CopyOptions, copyArguments } from './arguments/keys.js';
import {
  getExArguments,
  msetArguments,
  scanArguments,
  setArguments,
  unixMilliseconds,
  unixSeconds,
  variadic,
  withMode,
} from './arguments.js';
import {
  MethodBase,
  type Out,
  type RedisArgument,
  type RedisVariadicArgument,
} from './methods/base.js';
import { PersistenceMethods } from './methods/persistence.js';
import { COMMAND, COMMANDS, type MethodName } from './table.js';

export type { CopyOptions } from './arguments/keys.js';
export type { Out, RedisArgument, RedisVariadicArgument } from './methods/base.js';

export type ExpirationType = 'EX' | 'PX' | 'EXAT' | 'PXAT';

/** SET options: node-redis's flat form (`{ EX: 10, NX: true }`) or its v5 form. */
export interface SetOptions {
  EX?: number;
  PX?: number;
  EXAT?: number;
  PXAT?: number;
  KEEPTTL?: boolean;
  NX?: boolean;
  XX?: boolean;
  GET?: boolean;
  expiration?: { type: ExpirationType; value: number } | 'KEEPTTL' | { type: 'KEEPTTL' };
  condition?: 'NX' | 'XX';
}

/** GETEX options: one of EX, PX, EXAT, PXAT, PERSIST (or v5's `{ type, value }`). */
export type GetExOptions =
  | { EX: number }
  | { PX: number }
  | { EXAT: number }
  | { PXAT: number }
  | { PERSIST: true }
  | { type: ExpirationType; value: number }
  | { type: 'PERSIST' };

export type ExpireMode = 'NX' | 'XX' | 'GT' | 'LT';

export interface ScanOptions {
  MATCH?: string;
  COUNT?: number;
  TYPE?: string;
}

export interface ScanReply<S> {
  cursor: string;
  keys: S[];
}

/** MSET's pairs: `[[k, v], ...]`, `[k, v, k, v]` or `{ k: v }`. */
export type MSetArguments =
  | readonly (readonly [RedisArgument, RedisArgument])[]
  | readonly RedisArgument[]
  | Record<string, RedisArgument>;

const toScanReply = (reply: [string | Buffer, unknown[]]): ScanReply<unknown> => ({
  cursor: reply[0].toString(),
  keys: reply[1],
});

/**
 * The command methods. `Async` picks promises or plain values, `S` the type bulk strings decode to
 * (string, or Buffer on a `withBuffers()` view).
 */
export abstract class CommandMethods<
  Async extends boolean,
  S extends string | Buffer = string,
> extends PersistenceMethods<Async, S> {
  // ---- strings --------------------------------------------------------------------------

  get(key: RedisArgument): Out<Async, S | null> {
    return this.executor.key1(COMMAND.get, key);
  }

  /** 'OK', or null when NX/XX prevented the write; with GET, the previous value. */
  set(key: RedisArgument, value: RedisArgument, options?: SetOptions): Out<Async, S | 'OK' | null> {
    if (options === undefined) return this.executor.key2(COMMAND.set, key, value);
    return this.built(COMMAND.set, setArguments, key, value, options);
  }

  setNX(key: RedisArgument, value: RedisArgument): Out<Async, number> {
    return this.executor.key2(COMMAND.setnx, key, value);
  }

  setEx(key: RedisArgument, seconds: number, value: RedisArgument): Out<Async, 'OK'> {
    return this.executor.run(COMMAND.setex, [key, seconds, value]);
  }

  pSetEx(key: RedisArgument, milliseconds: number, value: RedisArgument): Out<Async, 'OK'> {
    return this.executor.run(COMMAND.psetex, [key, milliseconds, value]);
  }

  getSet(key: RedisArgument, value: RedisArgument): Out<Async, S | null> {
    return this.executor.key2(COMMAND.getset, key, value);
  }

  getDel(key: RedisArgument): Out<Async, S | null> {
    return this.executor.key1(COMMAND.getdel, key);
  }

  getEx(key: RedisArgument, options?: GetExOptions): Out<Async, S | null> {
    if (options === undefined) return this.executor.key1(COMMAND.getex, key);
    return this.built(COMMAND.getex, getExArguments, key, options);
  }

  incr(key: RedisArgument): Out<Async, number> {
    return this.executor.key1(COMMAND.incr, key);
  }

  incrBy(key: RedisArgument, increment: number): Out<Async, number> {
    return this.executor.key2(COMMAND.incrby, key, increment);
  }

  decr(key: RedisArgument): Out<Async, number> {
    return this.executor.key1(COMMAND.decr, key);
  }

  decrBy(key: RedisArgument, decrement: number): Out<Async, number> {
    return this.executor.key2(COMMAND.decrby, key, decrement);
  }

  /** The new value, as a string (Redis replies a bulk string). */
  incrByFloat(key: RedisArgument, increment: number): Out<Async, S> {
    return this.executor.key2(COMMAND.incrbyfloat, key, increment);
  }

  append(key: RedisArgument, value: RedisArgument): Out<Async, number> {
    return this.executor.key2(COMMAND.append, key, value);
  }

  strLen(key: RedisArgument): Out<Async, number> {
    return this.executor.key1(COMMAND.strlen, key);
  }

  getRange(key: RedisArgument, start: number, end: number): Out<Async, S> {
    return this.executor.run(COMMAND.getrange, [key, start, end]);
  }

  setRange(key: RedisArgument, offset: number, value: RedisArgument): Out<Async, number> {
    return this.executor.run(COMMAND.setrange, [key, offset, value]);
  }

  /**
   * Values in key order; keys in several slots are fetched per slot and merged (not atomic). No key
   * (`mGet([])`) is Redis's arity error, as node-redis gets it from the server.
   */
  mGet(keys: readonly RedisArgument[]): Out<Async, (S | null)[]> {
    return this.sendChecked(COMMAND.mget, variadic(keys));
  }

  /** Pairs as `[[k, v], ...]`, `[k, v, k, v]` or `{ k: v }`. Atomic per slot. */
  mSet(toSet: MSetArguments): Out<Async, 'OK'> {
    return this.built(COMMAND.mset, msetArguments, toSet);
  }

  /** 1 when every key was set, 0 when none was (one existed). Keys share a slot (or CROSSSLOT). */
  mSetNX(toSet: MSetArguments): Out<Async, number> {
    return this.built(COMMAND.msetnx, msetArguments, toSet);
  }

  // ---- keys -----------------------------------------------------------------------------

  del(keys: RedisVariadicArgument): Out<Async, number> {
    return this.sendChecked(COMMAND.del, variadic(keys));
  }

  unlink(keys: RedisVariadicArgument): Out<Async, number> {
    return this.sendChecked(COMMAND.unlink, variadic(keys));
  }

  exists(keys: RedisVariadicArgument): Out<Async, number> {
    return this.sendChecked(COMMAND.exists, variadic(keys));
  }

  touch(keys: RedisVariadicArgument): Out<Async, number> {
    return this.sendChecked(COMMAND.touch, variadic(keys));
  }

  type(key: RedisArgument): Out<Async, string> {
    return this.executor.key1(COMMAND.type, key);
  }

  dbSize(): Out<Async, number> {
    return this.executor.run(COMMAND.dbsize, []);
  }

  flushAll(mode?: 'ASYNC' | 'SYNC'): Out<Async, 'OK'> {
    return this.executor.run(COMMAND.flushall, mode === undefined ? [] : [mode]);
  }

  flushDb(mode?: 'ASYNC' | 'SYNC'): Out<Async, 'OK'> {
    return this.executor.run(COMMAND.flushdb, mode === undefined ? [] : [mode]);
  }

  /** 'OK'; ERR no such key when `key` does not exist. Both keys share a slot (or CROSSSLOT). */
  rename(key: RedisArgument, newKey: RedisArgument): Out<Async, 'OK'> {
    return this.executor.run(COMMAND.rename, [key, newKey]);
  }

  /** 1 when renamed, 0 when `newKey` exists. Both keys share a slot (or CROSSSLOT). */
  renameNX(key: RedisArgument, newKey: RedisArgument): Out<Async, number> {
    return this.executor.run(COMMAND.renamenx, [key, newKey]);
  }

  /** 1 when copied, 0 when `source` is missing or `destination` exists (without REPLACE). */
  copy(
    source: RedisArgument,
    destination: RedisArgument,
    options?: CopyOptions,
  ): Out<Async, number> {
    if (options === undefined) return this.executor.run(COMMAND.copy, [source, destination]);
    return this.built(COMMAND.copy, copyArguments, source, destination, options);
  }

  keys(pattern: RedisArgument): Out<Async, S[]> {
    return this.executor.run(COMMAND.keys, [pattern]);
  }

  /** One SCAN step. The cursor is opaque (here: the next slot to visit); "0" starts and ends. */
  scan(cursor: RedisArgument, options?: ScanOptions): Out<Async, ScanReply<S>> {
    return this.executor.run(COMMAND.scan, scanArguments(cursor, options), toScanReply);
  }

  // ---- expiry ---------------------------------------------------------------------------

  expire(key: RedisArgument, seconds: number, mode?: ExpireMode): Out<Async, number> {
    return this.executor.run(COMMAND.expire, withMode([key, seconds], mode));
  }

  pExpire(key: RedisArgument, milliseconds: number, mode?: ExpireMode): Out<Async, number> {
    return this.executor.run(COMMAND.pexpire, withMode([key, milliseconds], mode));
  }

  expireAt(key: RedisArgument, timestamp: number | Date, mode?: ExpireMode): Out<Async, number> {
    return this.executor.run(COMMAND.expireat, withMode([key, unixSeconds(timestamp)], mode));
  }

  pExpireAt(key: RedisArgument, timestamp: number | Date, mode?: ExpireMode): Out<Async, number> {
    return this.executor.run(COMMAND.pexpireat, withMode([key, unixMilliseconds(timestamp)], mode));
  }

  expireTime(key: RedisArgument): Out<Async, number> {
    return this.executor.key1(COMMAND.expiretime, key);
  }

  pExpireTime(key: RedisArgument): Out<Async, number> {
    return this.executor.key1(COMMAND.pexpiretime, key);
  }

  ttl(key: RedisArgument): Out<Async, number> {
    return this.executor.key1(COMMAND.ttl, key);
  }

  pTTL(key: RedisArgument): Out<Async, number> {
    return this.executor.key1(COMMAND.pttl, key);
  }

  persist(key: RedisArgument): Out<Async, number> {
    return this.executor.key1(COMMAND.persist, key);
  }

  // ---- server and cluster ---------------------------------------------------------------

  ping(message?: RedisArgument): Out<Async, S | 'PONG'> {
    return this.executor.run(COMMAND.ping, message === undefined ? [] : [message]);
  }

  echo(message: RedisArgument): Out<Async, S> {
    return this.executor.run(COMMAND.echo, [message]);
  }

  /** INFO [section]: slotdb answers the replication section, one per shard (commands/info.ts). */
  info(section?: RedisArgument): Out<Async, S> {
    return this.executor.run(COMMAND.info, section === undefined ? [] : [section]);
  }

  clusterKeySlot(key: RedisArgument): Out<Async, number> {
    return this.executor.run(COMMAND['cluster|keyslot'], [key]);
  }

  clusterCountKeysInSlot(slot: number): Out<Async, number> {
    return this.executor.run(COMMAND['cluster|countkeysinslot'], [slot]);
  }

  clusterGetKeysInSlot(slot: number, count: number): Out<Async, S[]> {
    return this.executor.run(COMMAND['cluster|getkeysinslot'], [slot, count]);
  }

  /**
   * WAIT: resolves with the number of replicas that acknowledged this thread's writes (the least
   * over the shards it wrote to since its last WAIT), once `numberOfReplicas` did or after
   * `timeout` ms (0: no timeout).
   */
  wait(numberOfReplicas: number, timeout: number): Out<Async, number> {
    return this.executor.run(COMMAND.wait, [numberOfReplicas, timeout]);
  }
}

/** Members of the method chain's prototypes that are not the method of one command. */
const NOT_COMMAND_METHODS = new Set(['constructor', 'sendCommand', 'sendChecked', 'built']);

/** The prototypes of the method chain, CommandMethods first, MethodBase last. */
function chainPrototypes(): object[] {
  const prototypes: object[] = [];
  let prototype: object = CommandMethods.prototype;
  for (;;) {
    prototypes.push(prototype);
    if (prototype === MethodBase.prototype) return prototypes;
    prototype = Object.getPrototypeOf(prototype) as object;
  }
}

// Every method a declaration names is on the class (the compiler checks it here, and the block
// below at load), and every command method has a declaration.
const DECLARED_METHODS: Record<MethodName, unknown> = CommandMethods.prototype;
void DECLARED_METHODS;
{
  const declared = new Set(COMMANDS.flatMap((command) => command.methods));
  for (const method of declared) {
    const found = (CommandMethods.prototype as unknown as Record<string, unknown>)[method];
    if (typeof found !== 'function') {
      throw new InvariantError(`a declaration names method ${method}, which CommandMethods lacks`);
    }
  }
  for (const prototype of chainPrototypes()) {
    for (const method of Object.getOwnPropertyNames(prototype)) {
      if (!NOT_COMMAND_METHODS.has(method) && !declared.has(method)) {
        throw new InvariantError(`method ${method} has no command declaration`);
      }
    }
  }
}
