// Turns a command into frames and a result, in one of two modes: async (a promise) or sync
// (blocks, returns the reply or throws). The command's declaration says how a call is split (this
// file has one handler per split policy) and how the parts' replies merge (commands/replies.ts).
// Multi-key commands whose keys span slots become one frame per slot and their replies are
// merged: atomic per slot, not across slots.

import { type Argument, NO_SLOT, checkArgument } from './shared/codec.js';
import { type CommandSpec, SplitPolicy } from './commands/declaration.js';
import { localHandler } from './commands/local.js';
import { REPLY_REDUCERS } from './commands/replies.js';
import { SLOT_CHECKS, cursorSlot } from './commands/slot-checks.js';
import { CROSSSLOT } from './shared/reply-errors.js';
import { type Client, Mode } from './client.js';
import { ErrorReply } from './errors.js';
import { Aggregate, PendingFlag, type Transform } from './pending.js';
import { type SlotGroups, commonSlot, groupBySlot, slotOf } from './router.js';

type Merge = (parts: unknown[]) => unknown;

export class Executor {
  readonly client: Client;
  readonly mode: Mode;
  readonly buffers: boolean;
  private readonly flags: number;

  constructor(client: Client, mode: Mode, buffers: boolean) {
    this.client = client;
    this.mode = mode;
    this.buffers = buffers;
    this.flags = (buffers ? PendingFlag.Buffers : 0) | (mode === Mode.Sync ? PendingFlag.Sync : 0);
  }

  /** A failed call: thrown in sync mode, a rejected promise in async mode. */
  fail(error: unknown): any {
    if (this.mode === Mode.Sync) throw error;
    return Promise.reject(error);
  }

  /** A result known without a round trip. */
  value(result: unknown): any {
    return this.mode === Mode.Sync ? result : Promise.resolve(result);
  }

  /** A command whose only argument is its key (GET, INCR, TTL...): the hot path. */
  key1(spec: CommandSpec, key: Argument, transform?: Transform): any {
    const client = this.client;
    let slot: number;
    try {
      slot = slotOf(key);
    } catch (error) {
      return this.fail(error);
    }
    const shard = client.route(slot);
    if (shard < 0) return this.hold(spec, slot, [key], transform);
    const refused = client.refusal(shard);
    if (refused !== undefined) return this.fail(refused);
    const start = client.begin(shard, slot, spec.op, 1);
    try {
      client.put(shard, key);
    } catch (error) {
      client.abandon(shard, start);
      return this.fail(error);
    }
    return this.deliver(shard, start, slot, transform, key);
  }

  /** A command with a key and one more argument (SET without options, INCRBY, APPEND...). */
  key2(spec: CommandSpec, key: Argument, arg: Argument, transform?: Transform): any {
    const client = this.client;
    let slot: number;
    try {
      slot = slotOf(key);
    } catch (error) {
      return this.fail(error);
    }
    const shard = client.route(slot);
    if (shard < 0) return this.hold(spec, slot, [key, arg], transform);
    const refused = client.refusal(shard);
    if (refused !== undefined) return this.fail(refused);
    const start = client.begin(shard, slot, spec.op, 2);
    try {
      client.put(shard, key);
      client.put(shard, arg);
    } catch (error) {
      client.abandon(shard, start);
      return this.fail(error);
    }
    return this.deliver(shard, start, slot, transform, key);
  }

  /** Any command, its arguments after the command name; routed as the command table says. */
  run(spec: CommandSpec, args: readonly Argument[], transform?: Transform): any {
    switch (spec.split) {
      case SplitPolicy.PerSlot:
        return this.split(spec, args, transform);
      case SplitPolicy.AllShards:
        return this.broadcast(spec, args, transform);
      case SplitPolicy.Local:
        return this.local(spec, args, transform);
    }
    let slot: number;
    try {
      slot = slotFor(spec, args);
    } catch (error) {
      return this.fail(error);
    }
    return this.toSlot(spec, args, transform, slot);
  }

  /** One frame to the owner of `slot`. */
  private toSlot(spec: CommandSpec, args: readonly Argument[], transform: Transform | undefined, slot: number): any {
    const client = this.client;
    const shard = client.route(slot);
    if (shard < 0) return this.hold(spec, slot, args, transform);
    const refused = client.refusal(shard);
    if (refused !== undefined) return this.fail(refused);
    const start = client.begin(shard, slot, spec.op, args.length);
    try {
      for (const arg of args) client.put(shard, arg);
    } catch (error) {
      client.abandon(shard, start);
      return this.fail(error);
    }
    return this.deliver(shard, start, slot, transform, spec.firstKey < 0 ? undefined : args[spec.firstKey]);
  }

  /** A frame the slot fence holds back (see client.ts): its entry now, its bytes later. */
  private hold(spec: CommandSpec, slot: number, args: readonly Argument[], transform: Transform | undefined): any {
    let index: number;
    try {
      for (const arg of args) checkArgument(arg);
      index = this.client.openEntry(-1, slot, this.flags, transform);
    } catch (error) {
      return this.fail(error);
    }
    this.client.hold(slot, index, spec.op, args, spec.firstKey < 0 ? undefined : args[spec.firstKey]);
    return this.mode === Mode.Sync ? this.client.waitEntry(index) : this.client.promiseFor(index);
  }

  private deliver(shard: number, start: number, slot: number, transform: Transform | undefined, key?: Argument): any {
    let index: number;
    try {
      index = this.client.commit(shard, start, slot, this.flags, transform, key);
    } catch (error) {
      return this.fail(error);
    }
    return this.mode === Mode.Sync ? this.client.waitEntry(index) : this.client.promiseFor(index);
  }

  /** A multi-key command: one frame per slot, replies merged. */
  private split(spec: CommandSpec, args: readonly Argument[], transform: Transform | undefined): any {
    let groups: SlotGroups;
    try {
      for (const arg of args) checkArgument(arg);
      groups = groupBySlot(args, spec);
    } catch (error) {
      return this.fail(error);
    }
    if (groups.slots.length === 1) return this.toSlot(spec, args, transform, groups.slots[0]!);
    const step = groups.step;
    const reduce = REPLY_REDUCERS[spec.reply];
    const merge: Merge = (parts) => reduce(parts, groups);
    const partArgs = (g: number): Argument[] =>
      groups.groups[g]!.flatMap((position) => args.slice(position, position + step));
    return this.fanOut(
      spec,
      groups.slots,
      merge,
      transform,
      (shard, g) => {
        const positions = groups.groups[g]!;
        for (const position of positions) {
          for (let i = position; i < position + step; i++) this.client.put(shard, args[i]!);
        }
        return positions.length * step;
      },
      partArgs,
    );
  }

  /** A keyless command every shard answers. */
  private broadcast(spec: CommandSpec, args: readonly Argument[], transform: Transform | undefined): any {
    try {
      for (const arg of args) checkArgument(arg);
    } catch (error) {
      return this.fail(error);
    }
    const targets = Array.from({ length: this.client.shardCount }, () => NO_SLOT);
    return this.fanOut(
      spec,
      targets,
      REPLY_REDUCERS[spec.reply],
      transform,
      (shard) => {
        for (const arg of args) this.client.put(shard, arg);
        return args.length;
      },
      () => [...args],
      true,
    );
  }

  /**
   * Sends one frame per entry of `slots` (to the slot's owner, or to shard i when `byIndex`),
   * encoding its arguments with `encode`, and merges the replies. Every target is checked before
   * anything is sent, so a call either sends all its frames or none.
   */
  private fanOut(
    spec: CommandSpec,
    slots: readonly number[],
    merge: Merge,
    transform: Transform | undefined,
    encode: (shard: number, part: number) => number,
    partArgs: (part: number) => Argument[],
    byIndex = false,
  ): any {
    const client = this.client;
    const shards = slots.map((slot, i) => (byIndex ? i : client.route(slot)));
    for (let part = 0; part < slots.length; part++) {
      const refused = client.refusal(shards[part]! >= 0 ? shards[part]! : client.owner[slots[part]!]!);
      if (refused !== undefined) return this.fail(refused);
    }
    const aggregate = new Aggregate(merge, transform);
    for (let part = 0; part < slots.length; part++) {
      const shard = shards[part]!;
      const slot = slots[part]!;
      let index: number;
      try {
        if (shard < 0) {
          index = client.openEntry(-1, slot, this.flags, undefined);
          const held = partArgs(part);
          client.hold(slot, index, spec.op, held, spec.firstKey < 0 ? undefined : held[0]);
        } else {
          const start = client.begin(shard, slot, spec.op, 0);
          client.setArgc(shard, start, encode(shard, part));
          index = client.commit(shard, start, slot, this.flags, undefined, client.timedFrame && spec.firstKey >= 0 ? partArgs(part)[0] : undefined);
        }
      } catch (error) {
        // Parts already sent will reply; the aggregate fails once they have.
        aggregate.error ??= error as Error;
        break;
      }
      client.joinAggregate(index, aggregate, part);
    }
    if (aggregate.remaining === 0) {
      client.finishAggregate(aggregate);
      return aggregate.error !== undefined ? this.fail(aggregate.error) : this.value(aggregate.value);
    }
    return this.mode === Mode.Sync ? client.waitAggregate(aggregate) : client.promiseForAggregate(aggregate);
  }

  /** A command the client answers itself (commands/local.ts). */
  private local(spec: CommandSpec, args: readonly Argument[], transform: Transform | undefined): any {
    let result: unknown;
    try {
      result = localHandler(spec)(args, this.client, this.buffers);
    } catch (error) {
      return this.fail(error);
    }
    return this.value(transform === undefined ? result : transform(result));
  }
}

/** The slot a single-frame command addresses; throws an ErrorReply to refuse the call. */
function slotFor(spec: CommandSpec, args: readonly Argument[]): number {
  switch (spec.split) {
    case SplitPolicy.SameSlot: {
      const slot = commonSlot(args, spec);
      if (slot < 0) throw new ErrorReply(CROSSSLOT);
      return slot;
    }
    case SplitPolicy.SlotArgument:
      return SLOT_CHECKS[spec.slotCheck!](args);
    case SplitPolicy.Cursor:
      return cursorSlot(args[0]!);
    default:
      return slotOf(args[spec.firstKey]!);
  }
}
