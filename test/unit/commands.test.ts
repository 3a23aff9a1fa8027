import { describe, expect, it } from 'vitest';
import { frameKeys } from '../../src/commands/frame-keys.js';
import {
  ALL_KEYS,
  FIRST_KEY,
  KEY_VALUE_PAIRS,
  type KeySpec,
  keyIndexes,
  keysFit,
} from '../../src/commands/key-spec.js';
import { CommandMethods } from '../../src/commands/methods.js';
import { REPLY_REDUCERS } from '../../src/commands/replies.js';
import {
  COMMAND,
  COMMANDS,
  type CommandSpec,
  commandByOp,
  Flag,
  findCommand,
  OP_COUNT,
  OP_FLAGS,
  ReplyPolicy,
  SplitPolicy,
} from '../../src/commands/table.js';
import { commonSlot, groupBySlot } from '../../src/router.js';
import { beginRequest, endFrame, putArgument, REQ_OP } from '../../src/shared/codec.js';
import { createRingStorage, FrameWriter } from '../../src/shared/ring.js';
import { HANDLERS } from '../../workers/commands/index.js';

/** A numkeys count among test arguments. */
const integerAt = (list: readonly string[], i: number): number =>
  /^-?\d+$/.test(list[i]!) ? Number(list[i]) : NaN;

/** Key indexes of an argument list. */
const keysOf = (specs: readonly KeySpec[], args: readonly string[]): number[] =>
  keyIndexes(specs, args.length, args, integerAt);

/** A command with these key specs, for the functions that take a whole spec. */
function withKeys(keys: readonly KeySpec[]): CommandSpec {
  return { ...COMMAND.get, keys, firstKey: keys.length === 0 ? -1 : keys[0]!.first };
}

describe('command table', () => {
  it('gives each command a unique opcode that survives the frame (a u8) and names it back', () => {
    const ops = COMMANDS.map((command) => command.op);
    expect(new Set(ops).size).toBe(ops.length);
    expect(OP_COUNT).toBe(COMMANDS.length + 1);
    const writer = new FrameWriter(createRingStorage(1 << 12));
    for (const command of COMMANDS) {
      expect(Number.isInteger(command.op), command.name).toBe(true);
      expect(command.op, command.name).toBeGreaterThan(0);
      expect(command.op, command.name).toBeLessThan(Math.min(256, OP_COUNT));
      // What a shard reads back from the request frame's op field names this very command.
      const start = beginRequest(writer, 1, 0, command.op, 0, 0);
      const op = writer.buf[start + REQ_OP]!;
      writer.rollback(start);
      expect(op, command.name).toBe(command.op);
      expect(commandByOp(op), command.name).toBe(command);
      expect(OP_FLAGS[op], command.name).toBe(command.flags);
    }
    // Opcode 0 (a zeroed frame) and the first opcode past the table name no command.
    expect(() => commandByOp(0)).toThrow(/unknown opcode 0/);
    expect(() => commandByOp(OP_COUNT)).toThrow(/unknown opcode/);
  });

  it('names each command once, and finds it case-insensitively (subcommands too)', () => {
    const names = COMMANDS.map((command) => command.name);
    expect(new Set(names).size).toBe(names.length);
    expect(findCommand('GeT')).toBe(COMMAND.get);
    expect(findCommand('CLUSTER', 'KeySlot')).toBe(COMMAND['cluster|keyslot']);
    expect(findCommand('cluster')).toBeUndefined();
    expect(findCommand('nope')).toBeUndefined();
  });

  it('gives every command a shard executes exactly one handler, and local commands none', () => {
    expect(HANDLERS.length).toBe(OP_COUNT);
    expect(HANDLERS[0]).toBeUndefined();
    for (const command of COMMANDS) {
      const handler = HANDLERS[command.op];
      if (command.split === SplitPolicy.Local) expect(handler, command.name).toBeUndefined();
      else expect(handler, command.name).toBeTypeOf('function');
    }
  });

  it('names methods the methods class has, and every command method is named once', () => {
    const declared = COMMANDS.flatMap((command) => command.methods);
    expect(new Set(declared).size).toBe(declared.length);
    const prototype = CommandMethods.prototype as unknown as Record<string, unknown>;
    for (const method of declared) expect(prototype[method], method).toBeTypeOf('function');
    // The methods of every link of the chain, CommandMethods down to MethodBase.
    const names: string[] = [];
    for (let p: object | null = CommandMethods.prototype; p !== Object.prototype && p !== null; ) {
      names.push(...Object.getOwnPropertyNames(p));
      p = Object.getPrototypeOf(p) as object | null;
    }
    const methods = names.filter(
      (name) => !['constructor', 'sendCommand', 'sendChecked', 'built'].includes(name),
    );
    expect(methods.sort()).toEqual([...declared].sort());
  });

  it('keeps flags by opcode for the shard', () => {
    expect(OP_FLAGS.length).toBe(OP_COUNT);
    for (const command of COMMANDS) {
      expect(OP_FLAGS[command.op]).toBe(command.flags);
      expect(command.write).toBe((command.flags & Flag.Write) !== 0);
    }
    const flushing = COMMANDS.filter((command) => command.flushes).map((command) => command.name);
    expect(flushing.sort()).toEqual(['flushall', 'flushdb']);
    const slotWide = COMMANDS.filter((command) => command.slotWide).map((command) => command.name);
    expect(slotWide.sort()).toEqual(['cluster|countkeysinslot', 'cluster|getkeysinslot', 'scan']);
  });

  it('has a reply reducer for every policy, and split calls declare theirs', () => {
    for (const policy of Object.values(ReplyPolicy)) {
      expect(REPLY_REDUCERS[policy]).toBeTypeOf('function');
    }
    expect(COMMAND.mget.reply).toBe(ReplyPolicy.ByKeyPosition);
    expect(COMMAND.del.reply).toBe(ReplyPolicy.Sum);
    expect(COMMAND.get.reply).toBe(ReplyPolicy.Single);
  });
});

describe('key specs', () => {
  it('find the first key, every key, and key-value pairs', () => {
    expect(keysOf([FIRST_KEY], ['k', 'v', 'EX', '10'])).toEqual([0]);
    expect(keysOf([ALL_KEYS], ['a', 'b', 'c'])).toEqual([0, 1, 2]);
    expect(keysOf([KEY_VALUE_PAIRS], ['a', '1', 'b', '2'])).toEqual([0, 2]);
    expect(keysOf([], ['a', 'b'])).toEqual([]);
  });

  it('with last -2, leave out the trailing argument (BLPOP key [key ...] timeout)', () => {
    const blpop = [{ first: 0, last: -2, step: 1 }];
    expect(keysOf(blpop, ['a', 'b', 'c', '5'])).toEqual([0, 1, 2]);
    expect(keysOf(blpop, ['a', '5'])).toEqual([0]);
  });

  it('find two fixed keys (SMOVE source destination member)', () => {
    expect(keysOf([{ first: 0, last: 1, step: 1 }], ['src', 'dst', 'member'])).toEqual([0, 1]);
  });

  it('with numkeys, take the count from its argument (ZUNIONSTORE dest numkeys key ...)', () => {
    const zunionstore: KeySpec[] = [FIRST_KEY, { numkeysAt: 1, first: 2, step: 1 }];
    expect(keysOf(zunionstore, ['dest', '2', 'a', 'b', 'WEIGHTS', '1', '2'])).toEqual([0, 2, 3]);
    expect(keysOf(zunionstore, ['dest', '0'])).toEqual([0]);
    // A count that is no count names no keys; the command reports the error.
    expect(keysOf(zunionstore, ['dest', 'x', 'a'])).toEqual([0]);
    expect(keysOf(zunionstore, ['dest', '-1', 'a'])).toEqual([0]);
    // A count past the arguments stops at the last one.
    expect(keysOf(zunionstore, ['dest', '5', 'a'])).toEqual([0, 2]);
  });

  it('check that key-value ranges are whole (MSET k v k is a wrong arity)', () => {
    expect(keysFit([KEY_VALUE_PAIRS], 4)).toBe(true);
    expect(keysFit([KEY_VALUE_PAIRS], 3)).toBe(false);
    expect(keysFit([ALL_KEYS], 3)).toBe(true);
    expect(keysFit([{ first: 0, last: -2, step: 2 }], 5)).toBe(true);
    expect(keysFit([{ first: 0, last: -2, step: 2 }], 4)).toBe(false);
  });

  it('find the keys of a request frame as a shard reads them', () => {
    const writer = new FrameWriter(createRingStorage(1 << 12));
    const frame = (command: CommandSpec, args: readonly string[]): number => {
      const start = beginRequest(writer, 1, 0, command.op, args.length, 0);
      for (const arg of args) putArgument(writer, arg);
      endFrame(writer, start);
      return start;
    };
    let at = frame(COMMAND.set, ['key', 'value', 'EX', '10']);
    expect(writer.buf[at + REQ_OP]).toBe(COMMAND.set.op);
    expect(frameKeys(writer.buf, at, COMMAND.set)).toEqual(['key']);
    at = frame(COMMAND.mset, ['a', '1', 'ключ', '2']);
    const latin1 = Buffer.from('ключ').toString('latin1');
    expect(frameKeys(writer.buf, at, COMMAND.mset)).toEqual(['a', latin1]);
    at = frame(COMMAND.dbsize, []);
    expect(frameKeys(writer.buf, at, COMMAND.dbsize)).toEqual([]);
    const zunionstore = withKeys([FIRST_KEY, { numkeysAt: 1, first: 2, step: 1 }]);
    at = frame(zunionstore, ['dest', '2', 'a', 'b', 'WEIGHTS', '1', '2']);
    expect(frameKeys(writer.buf, at, zunionstore)).toEqual(['dest', 'a', 'b']);
  });
});

describe('routing by key specs', () => {
  it('groups a split call by slot, each key with its value', () => {
    const groups = groupBySlot(['{a}1', 'x', '{b}1', 'y', '{a}2', 'z'], COMMAND.mset);
    expect(groups.step).toBe(2);
    expect(groups.groups).toEqual([[0, 4], [2]]);
  });

  it('puts MGET values back at their keys’ positions', () => {
    const groups = groupBySlot(['{a}1', '{b}1', '{a}2'], COMMAND.mget);
    const merged = REPLY_REDUCERS[ReplyPolicy.ByKeyPosition]([['1', '2'], ['3']], groups);
    expect(merged).toEqual(['1', '3', '2']);
  });

  it('finds the common slot of every key a spec names, or -1', () => {
    expect(commonSlot(['{t}a', '1', '{t}b', '2'], COMMAND.msetnx)).toBeGreaterThanOrEqual(0);
    expect(commonSlot(['{t}a', '1', '{u}b', '2'], COMMAND.msetnx)).toBe(-1);
    const zunionstore = withKeys([FIRST_KEY, { numkeysAt: 1, first: 2, step: 1 }]);
    const weighted = ['{t}d', '2', '{t}a', '{t}b', 'WEIGHTS', 'x', 'y'];
    expect(commonSlot(weighted, zunionstore)).toBeGreaterThanOrEqual(0);
    expect(commonSlot(['{t}d', '1', '{t}a', '{u}b'], zunionstore)).toBeGreaterThanOrEqual(0);
    expect(commonSlot(['{t}d', '2', '{t}a', '{u}b'], zunionstore)).toBe(-1);
  });
});
