// The node-redis v5 methods of sets (SADD, SMEMBERS, SINTER, ...): names, parameters and reply
// shapes as node-redis gives them. One link of the method chain (see base.ts).

import { Mode } from '../../client/client.js';
import {
  destinationAndKeys,
  keyAndMembers,
  keyList,
  type SInterCardOptions,
  type SScanOptions,
  sInterCardArguments,
  sScanArguments,
} from '../arguments/sets.js';
import { COMMAND } from '../table.js';
import type { Out, RedisArgument, RedisVariadicArgument } from './base.js';
import { ListMethods } from './lists.js';

export type { SInterCardOptions, SScanOptions } from '../arguments/sets.js';

/** One SSCAN step, as node-redis v5 shapes it. */
export interface SScanReply<S> {
  cursor: string;
  members: S[];
}

/** sScanIterator's options: SSCAN's, and the cursor to start from (node-redis v5). */
export interface SScanIteratorOptions extends SScanOptions {
  cursor?: RedisArgument;
}

const toSScanReply = (reply: [string | Buffer, unknown[]]): SScanReply<unknown> => ({
  cursor: reply[0].toString(),
  members: reply[1],
});

export abstract class SetMethods<
  Async extends boolean,
  S extends string | Buffer = string,
> extends ListMethods<Async, S> {
  /** Members added (not counting those already there). */
  sAdd(key: RedisArgument, members: RedisVariadicArgument): Out<Async, number> {
    return this.built(COMMAND.sadd, keyAndMembers, key, members);
  }

  /** Members removed. */
  sRem(key: RedisArgument, members: RedisVariadicArgument): Out<Async, number> {
    return this.built(COMMAND.srem, keyAndMembers, key, members);
  }

  /** Every member, in no particular order. */
  sMembers(key: RedisArgument): Out<Async, S[]> {
    return this.executor.key1(COMMAND.smembers, key);
  }

  /** 1 when `member` is in the set, else 0 (node-redis v5 keeps Redis's integer). */
  sIsMember(key: RedisArgument, member: RedisArgument): Out<Async, number> {
    return this.executor.key2(COMMAND.sismember, key, member);
  }

  /** 1 or 0 for each member, in order. */
  smIsMember(key: RedisArgument, members: RedisVariadicArgument): Out<Async, number[]> {
    return this.built(COMMAND.smismember, keyAndMembers, key, members);
  }

  sCard(key: RedisArgument): Out<Async, number> {
    return this.executor.key1(COMMAND.scard, key);
  }

  /** Removes and returns a random member; null when the set does not exist. */
  sPop(key: RedisArgument): Out<Async, S | null> {
    return this.executor.key1(COMMAND.spop, key);
  }

  /** Removes and returns up to `count` random members. */
  sPopCount(key: RedisArgument, count: number): Out<Async, S[]> {
    return this.executor.run(COMMAND.spop, [key, String(count)]);
  }

  /** A random member; null when the set does not exist. */
  sRandMember(key: RedisArgument): Out<Async, S | null> {
    return this.executor.key1(COMMAND.srandmember, key);
  }

  /**
   * Up to `count` distinct random members; with a negative count, exactly -count members, which
   * may repeat.
   */
  sRandMemberCount(key: RedisArgument, count: number): Out<Async, S[]> {
    return this.executor.run(COMMAND.srandmember, [key, String(count)]);
  }

  /** 1 when `member` moved from `source` to `destination` (keys in one slot), else 0. */
  sMove(
    source: RedisArgument,
    destination: RedisArgument,
    member: RedisArgument,
  ): Out<Async, number> {
    return this.executor.run(COMMAND.smove, [source, destination, member]);
  }

  sInter(keys: RedisVariadicArgument): Out<Async, S[]> {
    return this.built(COMMAND.sinter, keyList, keys);
  }

  /** The size of the intersection, counting no further than LIMIT (0: no limit). */
  sInterCard(
    keys: RedisVariadicArgument,
    options?: SInterCardOptions | number,
  ): Out<Async, number> {
    return this.built(COMMAND.sintercard, sInterCardArguments, keys, options);
  }

  sUnion(keys: RedisVariadicArgument): Out<Async, S[]> {
    return this.built(COMMAND.sunion, keyList, keys);
  }

  sDiff(keys: RedisVariadicArgument): Out<Async, S[]> {
    return this.built(COMMAND.sdiff, keyList, keys);
  }

  /** Stores the intersection at `destination` (deleting it when empty); returns its size. */
  sInterStore(destination: RedisArgument, keys: RedisVariadicArgument): Out<Async, number> {
    return this.built(COMMAND.sinterstore, destinationAndKeys, destination, keys);
  }

  sUnionStore(destination: RedisArgument, keys: RedisVariadicArgument): Out<Async, number> {
    return this.built(COMMAND.sunionstore, destinationAndKeys, destination, keys);
  }

  sDiffStore(destination: RedisArgument, keys: RedisVariadicArgument): Out<Async, number> {
    return this.built(COMMAND.sdiffstore, destinationAndKeys, destination, keys);
  }

  /** One SSCAN step: `{ cursor, members }`; the cursor "0" starts and ends an iteration. */
  sScan(
    key: RedisArgument,
    cursor: RedisArgument,
    options?: SScanOptions,
  ): Out<Async, SScanReply<S>> {
    return this.built(COMMAND.sscan, sScanArguments, key, cursor, options, toSScanReply) as Out<
      Async,
      SScanReply<S>
    >;
  }

  /**
   * Iterates a set in SSCAN steps, yielding each step's members (as node-redis v5: a step may
   * yield none). An async generator on the async API, a generator on `db.sync`.
   */
  sScanIterator(
    key: RedisArgument,
    options?: SScanIteratorOptions,
  ): Async extends true ? AsyncGenerator<S[]> : Generator<S[]> {
    return (
      this.executor.mode === Mode.Sync
        ? sScanSteps(this as SetMethods<false, S>, key, options)
        : sScanStepsAsync(this as SetMethods<true, S>, key, options)
    ) as Async extends true ? AsyncGenerator<S[]> : Generator<S[]>;
  }
}

function* sScanSteps<S extends string | Buffer>(
  methods: SetMethods<false, S>,
  key: RedisArgument,
  options: SScanIteratorOptions | undefined,
): Generator<S[]> {
  let cursor: RedisArgument = options?.cursor ?? '0';
  do {
    const reply = methods.sScan(key, cursor, options);
    cursor = reply.cursor;
    yield reply.members;
  } while (cursor !== '0');
}

async function* sScanStepsAsync<S extends string | Buffer>(
  methods: SetMethods<true, S>,
  key: RedisArgument,
  options: SScanIteratorOptions | undefined,
): AsyncGenerator<S[]> {
  let cursor: RedisArgument = options?.cursor ?? '0';
  do {
    const reply = await methods.sScan(key, cursor, options);
    cursor = reply.cursor;
    yield reply.members;
  } while (cursor !== '0');
}
