// Hostile but plausible calls on the public API (issue 12, "errors a user sees"): every one fails
// with an error of slotdb's own classes that says what was expected, a method that returns a
// promise rejects (never throws), and db.sync throws the same error.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ArgumentTypeError,
  ClientClosedError,
  ErrorReply,
  OptionError,
  SlotDB,
} from '../../dist/src/index.js';

type Call = (db: SlotDB) => unknown;
type SyncCall = (sync: SlotDB['sync']) => unknown;

/** Calls `call`, which must return a promise that rejects; returns the rejection. */
async function rejection(call: () => unknown): Promise<unknown> {
  let result: unknown;
  expect(() => {
    result = call();
  }).not.toThrow();
  expect(result).toBeInstanceOf(Promise);
  return (result as Promise<unknown>).then(
    (value) => {
      throw new Error(`expected a rejection, got ${JSON.stringify(value)}`);
    },
    (error: unknown) => error,
  );
}

function thrown(call: () => unknown): unknown {
  try {
    call();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw');
}

let db: SlotDB;

beforeAll(async () => {
  db = await SlotDB.open({ shards: 2 });
});

afterAll(async () => {
  await db.close();
});

const ARITY = (name: string): RegExp =>
  new RegExp(`^ERR wrong number of arguments for '${name}' command$`);

// [name, async call, sync call, class, message]
const CASES: [string, Call, SyncCall, abstract new (...args: never[]) => Error, RegExp][] = [
  ...(['GET k', null, undefined, 42, { 0: 'GET', length: 1 }] as unknown[]).map(
    (args): [string, Call, SyncCall, typeof ArgumentTypeError, RegExp] => [
      `sendCommand(${JSON.stringify(args) ?? 'undefined'})`,
      (d) => d.sendCommand(args as never),
      (s) => s.sendCommand(args as never),
      ArgumentTypeError,
      /sendCommand takes an array: the command's name and its arguments/,
    ],
  ),
  [
    'sendCommand([{}])',
    (d) => d.sendCommand([{}] as never),
    (s) => s.sendCommand([{}] as never),
    ArgumentTypeError,
    /a command argument must be a string, Buffer, Uint8Array or number, got object/,
  ],
  [
    "sendCommand(['CLUSTER', null])",
    (d) => d.sendCommand(['CLUSTER', null] as never),
    (s) => s.sendCommand(['CLUSTER', null] as never),
    ArgumentTypeError,
    /got null/,
  ],
  [
    'mSet(null)',
    (d) => d.mSet(null as never),
    (s) => s.mSet(null as never),
    ArgumentTypeError,
    /mSet takes pairs as .*, got null/,
  ],
  [
    'mSetNX(7)',
    (d) => d.mSetNX(7 as never),
    (s) => s.mSetNX(7 as never),
    ArgumentTypeError,
    /got number/,
  ],
  [
    'set(k, v, null)',
    (d) => d.set('k', 'v', null as never),
    (s) => s.set('k', 'v', null as never),
    OptionError,
    /option 'options' must be an object, got null/,
  ],
  [
    "set(k, v, 'EX')",
    (d) => d.set('k', 'v', 'EX' as never),
    (s) => s.set('k', 'v', 'EX' as never),
    OptionError,
    /option 'options' must be an object/,
  ],
  [
    'set(k, v, { expiration: null })',
    (d) => d.set('k', 'v', { expiration: null } as never),
    (s) => s.set('k', 'v', { expiration: null } as never),
    OptionError,
    /option 'expiration' must be an object, got null/,
  ],
  [
    'getEx(k, null)',
    (d) => d.getEx('k', null as never),
    (s) => s.getEx('k', null as never),
    OptionError,
    /option 'options' must be an object, got null/,
  ],
  // No key: Redis's arity error, as node-redis gets it from the server (docs/decisions.md).
  ...(['mGet', 'del', 'exists', 'touch', 'unlink'] as const).map(
    (method): [string, Call, SyncCall, typeof ErrorReply, RegExp] => [
      `${method}([])`,
      (d) => d[method]([]),
      (s) => s[method]([]),
      ErrorReply,
      ARITY(method.toLowerCase()),
    ],
  ),
  ['mSet([])', (d) => d.mSet([]), (s) => s.mSet([]), ErrorReply, ARITY('mset')],
  ['mSet({})', (d) => d.mSet({}), (s) => s.mSet({}), ErrorReply, ARITY('mset')],
  [
    'mGet(null)',
    (d) => d.mGet(null as never),
    (s) => s.mGet(null as never),
    ArgumentTypeError,
    /got null/,
  ],
];

describe('bad arguments to command methods', () => {
  it.each(CASES)(
    '%s rejects (async) and throws (sync)',
    async (_name, call, syncCall, type, text) => {
      const error = await rejection(() => call(db));
      expect(error).toBeInstanceOf(type);
      expect((error as Error).message).toMatch(text);
      const syncError = thrown(() => syncCall(db.sync));
      expect(syncError).toBeInstanceOf(type);
      expect((syncError as Error).message).toMatch(text);
    },
  );

  it('mGet of one key given bare still works, and the database answers afterwards', async () => {
    await db.set('{t}a', '1');
    expect(await db.mGet('{t}a' as never)).toEqual(['1']);
    expect(await db.mGet(['{t}a', '{t}b'])).toEqual(['1', null]);
    expect(await db.sendCommand(['PING'])).toBe('PONG');
  });
});

describe('bad options to migrations', () => {
  const MIGRATION_CASES: [string, Call, string, RegExp][] = [
    [
      'migrateSlot with an unknown option',
      (d) => d.migrateSlot(0, 1, { batchKey: 10 } as never),
      'batchKey',
      /option 'batchKey' must be one of batchKeys, .* \(unknown option\)/,
    ],
    [
      'migrateSlot with a rebalance option',
      (d) => d.migrateSlot(0, 1, { parallel: 2 } as never),
      'parallel',
      /unknown option/,
    ],
    [
      'migrateSlot with null options',
      (d) => d.migrateSlot(0, 1, null as never),
      'options',
      /option 'options' must be a plain object, got null/,
    ],
    [
      'migrateSlots with an unknown option',
      (d) => d.migrateSlots([0], 1, { weights: [1, 1] } as never),
      'weights',
      /unknown option/,
    ],
    [
      'migrateSlots with array options',
      (d) => d.migrateSlots([0], 1, [] as never),
      'options',
      /must be a plain object, got an array/,
    ],
    [
      'rebalance(null)',
      (d) => d.rebalance(null as never),
      'options',
      /option 'options' must be a plain object, got null/,
    ],
    [
      'rebalance with an unknown option',
      (d) => d.rebalance({ weight: [1, 1] } as never),
      'weight',
      /unknown option/,
    ],
    [
      'rebalance with an Infinity weight',
      (d) => d.rebalance({ weights: [Infinity, 1] }),
      'weights',
      /must be an array of 2 finite non-negative numbers/,
    ],
    [
      'rebalance with a NaN weight',
      (d) => d.rebalance({ weights: [Number.NaN, 1] }),
      'weights',
      /finite non-negative/,
    ],
    [
      'rebalance with a negative weight',
      (d) => d.rebalance({ weights: [-1, 1] }),
      'weights',
      /finite non-negative/,
    ],
  ];

  it.each(MIGRATION_CASES)('%s is refused with OptionError', async (_name, call, option, text) => {
    const error = await rejection(() => call(db));
    expect(error).toBeInstanceOf(OptionError);
    expect((error as OptionError).option).toBe(option);
    expect((error as Error).message).toMatch(text);
    expect(db.stats().migrations).toEqual([]);
  });
});

describe('open and closed databases', () => {
  it.each([
    ['[]', []],
    ['null', null],
    ['a Map', new Map()],
    ['a string', 'shards'],
  ])('open(%s) is refused with OptionError', async (_name, options) => {
    const error = await rejection(() => SlotDB.open(options as never));
    expect(error).toBeInstanceOf(OptionError);
    expect((error as Error).message).toMatch(/option 'options' must be a plain object/);
  });

  it('migrateSlot, migrateSlots and rebalance reject after close', async () => {
    const closed = await SlotDB.open({ shards: 2 });
    await closed.close();
    for (const call of [
      () => closed.migrateSlot(0, 1),
      () => closed.migrateSlots([0, 1], 1),
      () => closed.rebalance(),
    ]) {
      expect(await rejection(call)).toBeInstanceOf(ClientClosedError);
    }
  });
});
