// Turns a command into frames and a result, in one of two modes: async (a promise) or sync
// (blocks, returns the reply or throws). The command table says how each command routes; this file
// has one handler per route kind. Multi-key commands whose keys span slots become one frame per
// slot and their replies are merged: atomic per slot, not across slots.

import { type Argument, NO_SLOT, checkArgument } from './shared/codec.js';
import { type CommandSpec, Keys, Op, Route } from './shared/commands.js';
import { SLOT_COUNT } from './shared/limits.js';
import { parseInt64 } from './shared/numbers.js';
import {
  CROSSSLOT,
  INVALID_CURSOR,
  INVALID_SLOT,
  INVALID_SLOT_OR_COUNT,
  NOT_INTEGER,
  wrongArity,
} from './shared/reply-errors.js';
import { type Client, Mode } from './client/client.js';
import { ErrorReply } from './errors.js';
import { Aggregate, PendingFlag, type Transform } from './client/pending.js';
import { type SlotGroups, commonSlot, groupBySlot, slotOf } from './router.js';

type Merge = (parts: unknown[]) => unknown;

const sum: Merge = (parts) => {
  let total = 0;
  for (const part of parts) total += part as number;
  return total;
};
const ok: Merge = () => 'OK';
/** KEYS: every shard's keys once; while a slot migrates, a key in flight is on both shards. */
const concatUnique: Merge = (parts) => {
  const seen = new Set<string>();
  const keys: unknown[] = [];
  for (const part of parts as (string | Buffer)[][]) {
    for (const key of part) {
      const identity = typeof key === 'string' ? key : key.toString('latin1');
      if (seen.has(identity)) continue;
      seen.add(identity);
      keys.push(key);
    }
  }
  return keys;
};

/** MGET: each part answered for its group's keys; put every value back at its key's position. */
function mergeByPosition(groups: SlotGroups, total: number): Merge {
  return (parts) => {
    const values = new Array<unknown>(total);
    for (let g = 0; g < groups.groups.length; g++) {
      const positions = groups.groups[g]!;
      const part = parts[g] as unknown[];
      for (let k = 0; k < positions.length; k++) values[positions[k]!] = part[k];
    }
    return values;
  };
}

function splitMerge(op: number, groups: SlotGroups, keyCount: number): Merge {
  switch (op) {
    case Op.MGet:
      return mergeByPosition(groups, keyCount);
    case Op.MSet:
      return ok;
    default:
      return sum; // DEL, UNLINK, EXISTS, TOUCH
  }
}

function broadcastMerge(op: number): Merge {
  switch (op) {
    case Op.DbSize:
      return sum;
    case Op.Keys:
      return concatUnique;
    default:
      return ok; // FLUSHALL, FLUSHDB
  }
}

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
    switch (spec.route) {
      case Route.Split:
        return this.split(spec, args, transform);
      case Route.Broadcast:
        return this.broadcast(spec, args, transform);
      case Route.Local:
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
    const key = spec.keys === Keys.None ? undefined : args[0];
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
  private split(spec: CommandSpec, args: readonly Argument[], transform: Transform | undefined): any {
    let groups: SlotGroups;
    try {
      for (const arg of args) checkArgument(arg);
      groups = groupBySlot(args, spec.keys);
    } catch (error) {
      return this.fail(error);
    }
    if (groups.slots.length === 1) return this.toSlot(spec, args, transform, groups.slots[0]!);
    const step = spec.keys === Keys.Pairs ? 2 : 1;
    const merge = splitMerge(spec.op, groups, args.length / step);
    const parts = groups.groups.map((positions) => this.partArguments(args, positions, step));
    return this.fanOut(spec, groups.slots, parts, merge, transform, false);
  }

  /** A keyless command every shard answers. */
  private broadcast(spec: CommandSpec, args: readonly Argument[], transform: Transform | undefined): any {
    try {
      for (const arg of args) checkArgument(arg);
    } catch (error) {
      return this.fail(error);
    }
    const targets = Array.from({ length: this.client.shardCount }, () => NO_SLOT);
    const parts = targets.map(() => args);
    return this.fanOut(spec, targets, parts, broadcastMerge(spec.op), transform, true);
  }

  /**
   * Sends one frame per part, parts[i] to the owner of slots[i] (to shard i when `broadcast`), and
   * merges the replies. The client sends all the frames or none (Client.sendParts).
   */
  private fanOut(
    spec: CommandSpec,
    slots: readonly number[],
    parts: readonly (readonly Argument[])[],
    merge: Merge,
    transform: Transform | undefined,
    broadcast: boolean,
  ): any {
    const client = this.client;
    const aggregate = new Aggregate(merge, transform);
    const keyed = spec.keys !== Keys.None;
    try {
      client.sendParts(spec.op, slots, parts, this.flags, keyed, aggregate, broadcast);
    } catch (error) {
      return this.fail(error);
    }
    if (aggregate.remaining === 0) {
      aggregate.finish();
      return aggregate.error !== undefined ? this.fail(aggregate.error) : this.value(aggregate.value);
    }
    return this.mode === Mode.Sync ? client.waitAggregate(aggregate) : client.promiseForAggregate(aggregate);
  }

  /** The arguments of one part of a split command: its keys (and their values, `step` 2). */
  private partArguments(
    args: readonly Argument[],
    positions: readonly number[],
    step: number,
  ): Argument[] {
    const part: Argument[] = [];
    for (const position of positions) {
      part.push(args[position]!);
      if (step === 2) part.push(args[position + 1]!);
    }
    return part;
  }

  private local(spec: CommandSpec, args: readonly Argument[], transform: Transform | undefined): any {
    let result: unknown;
    try {
      switch (spec.op) {
        case Op.ClusterKeySlot:
          result = slotOf(args[0]!);
          break;
        case Op.Ping:
          if (args.length > 1) throw new ErrorReply(wrongArity('ping'));
          result = args.length === 0 ? 'PONG' : this.echoed(args[0]!);
          break;
        case Op.ClusterSlots:
          result = clusterSlots(this.client.owner);
          break;
        case Op.ClusterShards:
          result = clusterShards(this.client.owner, this.client.shardCount, (shard) => this.client.shardHealthy(shard));
          break;
        default: // ECHO
          result = this.echoed(args[0]!);
      }
    } catch (error) {
      return this.fail(error);
    }
    return this.value(transform === undefined ? result : transform(result));
  }

  /** An argument echoed back as a bulk reply would decode. */
  private echoed(arg: Argument): string | Buffer {
    checkArgument(arg);
    const bytes = typeof arg === 'string' ? Buffer.from(arg) : typeof arg === 'number' ? Buffer.from(String(arg)) : Buffer.from(arg);
    return this.buffers ? bytes : bytes.toString('utf8');
  }
}

/** Contiguous runs of slots with one owner: [start, end, owner][]. */
function slotRanges(owner: Uint16Array): [number, number, number][] {
  const ranges: [number, number, number][] = [];
  for (let slot = 0; slot < SLOT_COUNT; slot++) {
    const shard = owner[slot]!;
    const last = ranges[ranges.length - 1];
    if (last !== undefined && last[2] === shard && last[1] === slot - 1) last[1] = slot;
    else ranges.push([slot, slot, shard]);
  }
  return ranges;
}

/** A shard as a cluster node: its name stands for the host, its index for the port. */
const nodeName = (shard: number): string => `shard-${shard}`;

/** CLUSTER SLOTS: [start, end, [host, port, id]] per range, host and id naming the shard. */
function clusterSlots(owner: Uint16Array): unknown[] {
  return slotRanges(owner).map(([start, end, shard]) => [start, end, [nodeName(shard), shard, nodeName(shard)]]);
}

/** CLUSTER SHARDS: per shard, its slot ranges and its one node, in Redis 7's shape. */
function clusterShards(owner: Uint16Array, shards: number, healthy: (shard: number) => boolean): unknown[] {
  const ranges = slotRanges(owner);
  return Array.from({ length: shards }, (_, shard) => [
    'slots',
    ranges.filter((range) => range[2] === shard).flatMap(([start, end]) => [start, end]),
    'nodes',
    [
      [
        'id', nodeName(shard),
        'port', shard,
        'ip', nodeName(shard),
        'endpoint', nodeName(shard),
        'role', 'master',
        'replication-offset', 0,
        'health', healthy(shard) ? 'online' : 'failed',
      ],
    ],
  ]);
}

/** The slot a single-frame command addresses; throws an ErrorReply to refuse the call. */
function slotFor(spec: CommandSpec, args: readonly Argument[]): number {
  switch (spec.route) {
    case Route.SameSlot: {
      const slot = commonSlot(args, spec.keys);
      if (slot < 0) throw new ErrorReply(CROSSSLOT);
      return slot;
    }
    case Route.SlotArgument:
      return slotArgument(spec, args);
    case Route.Cursor:
      return cursorSlot(args[0]!);
    default:
      return slotOf(args[0]!);
  }
}

/** CLUSTER COUNTKEYSINSLOT / GETKEYSINSLOT: the slot argument, checked as Redis checks it. */
function slotArgument(spec: CommandSpec, args: readonly Argument[]): number {
  const slot = parseInt64(String(args[0]));
  if (spec.op === Op.ClusterGetKeysInSlot) {
    const count = parseInt64(String(args[1]));
    if (slot === undefined || count === undefined) throw new ErrorReply(NOT_INTEGER);
    if (slot < 0 || slot >= SLOT_COUNT || count < 0) throw new ErrorReply(INVALID_SLOT_OR_COUNT);
    return Number(slot);
  }
  if (slot === undefined) throw new ErrorReply(NOT_INTEGER);
  if (slot < 0 || slot >= SLOT_COUNT) throw new ErrorReply(INVALID_SLOT);
  return Number(slot);
}

/** SCAN's cursor is the next slot to visit: an unsigned integer below 16384. */
function cursorSlot(arg: Argument): number {
  const text = typeof arg === 'string' ? arg : String(arg instanceof Uint8Array ? Buffer.from(arg) : arg);
  if (!/^\d{1,5}$/.test(text) || Number(text) >= SLOT_COUNT) throw new ErrorReply(INVALID_CURSOR);
  return Number(text);
}
