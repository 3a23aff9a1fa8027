// Where a command's keys are among its arguments, modelled on Redis's key specs. Indexes count the
// arguments after the command name (a subcommand's name included in neither): argument 0 is the
// first real argument. A command may have several specs (a destination key, then numkeys keys);
// its keys are those of every spec, in order.

/**
 * Keys from `first` to `last`, every `step`-th argument. A negative `last` counts from the end:
 * -1 is the last argument (DEL, MGET), -2 all but the last (BLPOP's trailing timeout). With
 * `step` 2 each key is followed by its value (MSET).
 */
export interface RangeKeySpec {
  readonly first: number;
  readonly last: number;
  readonly step: number;
}

/**
 * As many keys as argument `numkeysAt` says, from argument `first` on, every `step`-th
 * (ZUNIONSTORE's `numkeys key [key ...]`). A count that is not a non-negative integer names no
 * keys: the command itself reports the error.
 */
export interface NumkeysKeySpec {
  readonly numkeysAt: number;
  readonly first: number;
  readonly step: number;
}

export type KeySpec = RangeKeySpec | NumkeysKeySpec;

/** The key of GET, SET, INCR...: argument 0 alone. */
export const FIRST_KEY: RangeKeySpec = { first: 0, last: 0, step: 1 };
/** Every argument is a key (DEL, MGET, EXISTS). */
export const ALL_KEYS: RangeKeySpec = { first: 0, last: -1, step: 1 };
/** Key, value, key, value... (MSET, MSETNX). */
export const KEY_VALUE_PAIRS: RangeKeySpec = { first: 0, last: -1, step: 2 };

/** Reads argument `index` of a call as an integer (a numkeys count): NaN when it is not one. */
export type IntegerAt<A> = (args: A, index: number) => number;

/**
 * The indexes of the keys `specs` find in a call of `argc` arguments. `args` is whatever holds
 * the arguments (an array on the client, a frame on a shard); `integerAt` reads a numkeys count.
 */
export function keyIndexes<A>(
  specs: readonly KeySpec[],
  argc: number,
  args: A,
  integerAt: IntegerAt<A>,
): number[] {
  const indexes: number[] = [];
  for (const spec of specs) {
    let end: number;
    if ('numkeysAt' in spec) {
      const count = spec.numkeysAt < argc ? integerAt(args, spec.numkeysAt) : NaN;
      if (!(Number.isInteger(count) && count >= 0)) continue;
      end = spec.first + (count - 1) * spec.step;
    } else {
      end = spec.last >= 0 ? spec.last : argc + spec.last;
    }
    for (let i = spec.first; i <= end && i < argc; i += spec.step) indexes.push(i);
  }
  return indexes;
}

/**
 * Whether `argc` arguments fill the key ranges whole: a range with a step above 1 that runs to
 * the end must end on a complete group (MSET's key without a value is a wrong arity in Redis).
 */
export function keysFit(specs: readonly KeySpec[], argc: number): boolean {
  for (const spec of specs) {
    if ('numkeysAt' in spec || spec.step === 1 || spec.last >= 0) continue;
    if ((argc + spec.last + 1 - spec.first) % spec.step !== 0) return false;
  }
  return true;
}
