// Generated bad input for every command method, async and sync: seeded random argument lists of
// wrong types and odd values. Each async call must return a promise (never throw) that settles;
// each sync call must return or throw, never hang; an error is one of slotdb's classes, never an
// internal TypeError; afterwards every shard still answers and the database closes cleanly. The
// seed is printed; SLOTDB_FUZZ_SEED replays a run.

import { describe, expect, it } from 'vitest';
import { CommandMethods } from '../../dist/src/commands/methods.js';
import {
  ArgumentCountError,
  ArgumentTypeError,
  ErrorReply,
  FrameTooLargeError,
  OptionError,
  ValueTooLargeError,
} from '../../dist/src/index.js';
import { keysOnEveryShard, withDb } from '../support/db.js';
import { fuzzSeed, Random } from '../support/random.js';

/** Values of every kind a caller could pass by mistake (or on purpose). */
const ODD_VALUES: readonly unknown[] = [
  null,
  undefined,
  {},
  [],
  [null],
  [['k']],
  { EX: 'soon' },
  { EX: -1, NX: true, XX: true },
  -1,
  0,
  Number.NaN,
  Number.POSITIVE_INFINITY,
  1e300,
  2 ** 53 + 1,
  '',
  'k',
  '{tag}k',
  'NX',
  () => 1,
  Symbol('s'),
  10n,
  new Date(0),
  true,
  new Uint8Array(3),
  Buffer.from('b'),
];

/** The errors bad input may end in: slotdb's own classes, never an internal TypeError. */
const INPUT_ERRORS = [
  ErrorReply,
  ArgumentTypeError,
  OptionError,
  ValueTooLargeError,
  ArgumentCountError,
  FrameTooLargeError,
];

function expectInputError(error: unknown, where: string): void {
  const known = INPUT_ERRORS.some((type) => error instanceof type);
  expect(known, `${where}: ${String(error)}`).toBe(true);
}

/**
 * Methods that are not commands, or that this test leaves to their own tests: iterators (they
 * return generators, not promises) and the blocking commands (a valid call may rightly wait
 * forever: BLPOP and the like, and WAIT and WAITAOF with a timeout of 0 for replicas there are not,
 * as Redis's do).
 */
const SKIPPED = new Set(['constructor', 'sendChecked', 'built', 'wait', 'waitAof']);
const SKIPPED_PATTERN = /Iterator$|^b[lr][mA-Z]|^bz/;

const SETTLE_MS_MAX = 5000;

/** The methods of every class of the method chain, one per type family, down to its root. */
function methodNames(): string[] {
  const names: string[] = [];
  for (
    let link = CommandMethods.prototype as object;
    link !== Object.prototype;
    link = Object.getPrototypeOf(link) as object
  ) {
    for (const name of Object.getOwnPropertyNames(link)) {
      const member = (link as Record<string, unknown>)[name];
      if (SKIPPED.has(name) || SKIPPED_PATTERN.test(name) || typeof member !== 'function') continue;
      names.push(name);
    }
  }
  return names;
}

/** Arguments for one call: `first` first (every odd value gets its turn), random ones after. */
function argumentsFor(r: Random, arity: number, first: unknown): unknown[] {
  const count = Math.max(1, arity + r.between(-1, 2));
  return [first, ...Array.from({ length: count - 1 }, () => r.pick(ODD_VALUES))];
}

/** `value` is a promise that settles in time; a rejection is one of INPUT_ERRORS. */
async function settles(value: unknown, where: string): Promise<void> {
  expect(value).toBeInstanceOf(Promise);
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<'late'>((resolve) => {
    timer = setTimeout(() => resolve('late'), SETTLE_MS_MAX);
  });
  const outcome = await Promise.race([
    (value as Promise<unknown>).then(
      () => 'settled',
      (error: unknown) => {
        expectInputError(error, where);
        return 'settled';
      },
    ),
    late,
  ]);
  clearTimeout(timer);
  expect(outcome, where).toBe('settled');
}

describe('generated bad input for every command method', () => {
  it('never throws from an async method, never hangs, and leaves every shard answering', async () => {
    const seed = fuzzSeed();
    console.log(`hostile input seed ${seed} (replay with SLOTDB_FUZZ_SEED=${seed})`);
    const r = new Random(seed);
    await withDb({ shards: 2 }, async (db) => {
      const names = methodNames();
      expect(names.length).toBeGreaterThan(40);
      const views = [db as unknown, db.withBuffers() as unknown] as Record<
        string,
        (...args: unknown[]) => unknown
      >[];
      for (const name of names) {
        for (const first of ODD_VALUES) {
          const view = r.pick(views);
          const method = view[name]!;
          const args = argumentsFor(r, method.length, first);
          const where = `seed ${seed}: ${name}(${args.map((a) => typeof a).join(', ')})`;
          let result: unknown;
          try {
            result = method.apply(view, args);
          } catch (error) {
            throw new Error(`${where} threw synchronously: ${(error as Error).message}`);
          }
          await settles(result, where);
          const sync = (db.sync as unknown as Record<string, (...args: unknown[]) => unknown>)[
            name
          ]!;
          try {
            sync.apply(db.sync, argumentsFor(r, method.length, r.pick(ODD_VALUES)));
          } catch (error) {
            // A sync call reports errors by throwing them: slotdb's classes only.
            expectInputError(error, `${where} (sync)`);
          }
        }
      }
      for (const key of keysOnEveryShard(db, 'alive:')) {
        expect(await db.set(key, 'yes')).toBe('OK');
        expect(await db.get(key)).toBe('yes');
      }
      for (const shard of db.stats().shards) expect(shard.state).toBe('running');
    });
  });
});
