// Turns a command into frames and a result, in one of two modes: async (a promise) or sync
// (blocks, returns the reply or throws). The command's declaration says how a call is split (this
// file has one handler per split policy) and how the parts' replies merge (commands/replies.ts).
// Multi-key commands whose keys span slots become one frame per slot and their replies are
// merged: atomic per slot, not across slots.

import { type Client, Mode } from './client/client.js';
import { Aggregate, PendingFlag, type Transform } from './client/pending.js';
import { primarySeats, writtenPrimaries } from './client/targets.js';
import { type CommandSpec, SplitPolicy } from './commands/declaration.js';
import { localHandler } from './commands/local.js';
import { REPLY_REDUCERS } from './commands/replies.js';
import { cursorSlot, SLOT_CHECKS } from './commands/slot-checks.js';
import { ErrorReply } from './errors.js';
import { commonSlot, groupBySlot, type SlotGroups, slotOf } from './router.js';
import { type Argument, checkArgument, NO_SLOT } from './shared/codec.js';
import { CROSSSLOT } from './shared/reply-errors.js';

type Merge = (parts: unknown[]) => unknown;

export class Executor {
  readonly client: Client;
  readonly mode: Mode;
  readonly buffers: boolean;
  private readonly flags: number;

  /**
   * `replicaReads`: read-only calls may go to a replica (client/replica-reads.ts); without
   * replicas in the database, they all go to the primary as with 'primary'.
   */
  constructor(client: Client, mode: Mode, buffers: boolean, replicaReads = false) {
    this.client = client;
    this.mode = mode;
    this.buffers = buffers;
    const replicas = replicaReads && client.control.replicasPerShard > 0;
    this.flags =
      (buffers ? PendingFlag.Buffers : 0) |
      (mode === Mode.Sync ? PendingFlag.Sync : 0) |
      (replicas ? PendingFlag.ReplicaReads : 0);
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
    let index: number;
    try {
      index = this.client.send1(spec.op, slotOf(key), this.flags, transform, key);
    } catch (error) {
      return this.fail(error);
    }
    return this.deliver(index);
  }

  /** A command with a key and one more argument (SET without options, INCRBY, APPEND...). */
  key2(spec: CommandSpec, key: Argument, arg: Argument, transform?: Transform): any {
    let index: number;
    try {
      index = this.client.send2(spec.op, slotOf(key), this.flags, transform, key, arg);
    } catch (error) {
      return this.fail(error);
    }
    return this.deliver(index);
  }

  /** Any command, its arguments after the command name; routed as the command table says. */
  run(spec: CommandSpec, args: readonly Argument[], transform?: Transform): any {
    switch (spec.split) {
      case SplitPolicy.PerSlot:
        return this.split(spec, args, transform);
      case SplitPolicy.AllShards:
        return this.broadcast(spec, args, transform, primarySeats(this.client.control));
      case SplitPolicy.Written:
        return this.broadcast(
          spec,
          args,
          transform,
          writtenPrimaries(this.client.control, this.client.outbox.wrote),
        );
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
  private toSlot(
    spec: CommandSpec,
    args: readonly Argument[],
    transform: Transform | undefined,
    slot: number,
  ): any {
    const key = spec.firstKey < 0 ? undefined : args[spec.firstKey];
    let index: number;
    try {
      index = this.client.send(spec.op, slot, args, this.flags, transform, key);
    } catch (error) {
      return this.fail(error);
    }
    return this.deliver(index);
  }

  /** The reply of entry `index`: waited for in sync mode, a promise in async mode. */
  private deliver(index: number): any {
    return this.mode === Mode.Sync ? this.client.waitEntry(index) : this.client.promiseFor(index);
  }

  /** A multi-key command: one frame per slot, replies merged. */
  private split(
    spec: CommandSpec,
    args: readonly Argument[],
    transform: Transform | undefined,
  ): any {
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
    const parts = groups.groups.map((positions) => this.partArguments(args, positions, step));
    return this.fanOut(spec, groups.slots, parts, merge, transform, undefined);
  }

  /** A keyless command the workers in `workers` (primaries) answer, one frame each. */
  private broadcast(
    spec: CommandSpec,
    args: readonly Argument[],
    transform: Transform | undefined,
    workers: readonly number[],
  ): any {
    try {
      for (const arg of args) checkArgument(arg);
    } catch (error) {
      return this.fail(error);
    }
    const targets = workers.map(() => NO_SLOT);
    const parts = targets.map(() => args);
    return this.fanOut(spec, targets, parts, REPLY_REDUCERS[spec.reply], transform, workers);
  }

  /**
   * Sends one frame per part, parts[i] to the owner of slots[i] (to workers[i] when given), and
   * merges the replies. The client sends all the frames or none (Client.sendParts).
   */
  private fanOut(
    spec: CommandSpec,
    slots: readonly number[],
    parts: readonly (readonly Argument[])[],
    merge: Merge,
    transform: Transform | undefined,
    workers: readonly number[] | undefined,
  ): any {
    const client = this.client;
    const aggregate = new Aggregate(merge, transform);
    const keyed = spec.firstKey >= 0;
    try {
      client.sendParts(spec.op, slots, parts, this.flags, keyed, aggregate, workers);
    } catch (error) {
      return this.fail(error);
    }
    if (aggregate.remaining === 0) {
      aggregate.finish();
      return aggregate.error !== undefined
        ? this.fail(aggregate.error)
        : this.value(aggregate.value);
    }
    return this.mode === Mode.Sync
      ? client.waitAggregate(aggregate)
      : client.promiseForAggregate(aggregate);
  }

  /** The arguments of one part of a split command: each of its keys with what follows it. */
  private partArguments(
    args: readonly Argument[],
    positions: readonly number[],
    step: number,
  ): Argument[] {
    const part: Argument[] = [];
    for (const position of positions) {
      part.push(args[position]!);
      for (let i = 1; i < step; i++) part.push(args[position + i]!);
    }
    return part;
  }

  /** A command the client answers itself (commands/local.ts). */
  private local(
    spec: CommandSpec,
    args: readonly Argument[],
    transform: Transform | undefined,
  ): any {
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
