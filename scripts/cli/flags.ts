// Flags of the slotdb command line, read with node:util parseArgs. Every mistake gets a message
// naming the flag (and the usage), never a stack trace: main() prints it and exits with 1.

import { type ParseArgsConfig, parseArgs } from 'node:util';

export const USAGE = `usage:
  slotdb profile-migration [--shards 4] [--keys 1000000] [--migrate 25%] [--lock key|slot]
                           [--throttle <keys/s per shard; 0: adaptive pace>] [--batch 1000]
                           [--warmup-ms 4000] [--before-ms 1000] [--after-ms 1000] [--bucket-ms 100]
                           [--threshold-ms 10] [--out report.html]
  slotdb profile-diff <a.json> <b.json>`;

/** Flags that each take a value, with the value they have when not given. */
export type FlagDefaults = Record<string, string>;

/**
 * The value of every flag in `defaults`, from `argv` (`--name value` or `--name=value`; the last
 * one given wins). A value is taken as it is, even one starting with a dash (`--throttle -5` is
 * then refused as a number, not as an option). Throws for an unknown flag, a flag without its
 * value, or a stray argument.
 */
export function parseFlags<T extends FlagDefaults>(argv: string[], defaults: T): T {
  const options: ParseArgsConfig['options'] = {};
  for (const [name, value] of Object.entries(defaults)) {
    options[name] = { type: 'string', default: value };
  }
  // Not strict: parseArgs then hands over unknown flags and stray arguments as tokens, and this
  // function refuses them with its own messages.
  const { values, tokens } = parseArgs({
    args: argv,
    options,
    strict: false,
    allowPositionals: true,
    tokens: true,
  });
  for (const token of tokens) {
    if (token.kind === 'positional') throw new Error(`unknown option ${token.value}\n${USAGE}`);
    if (token.kind === 'option-terminator') throw new Error(`unknown option --\n${USAGE}`);
    if (!Object.hasOwn(defaults, token.name)) {
      throw new Error(`unknown option ${token.rawName}\n${USAGE}`);
    }
    if (token.value === undefined) throw new Error(`${token.rawName} needs a value\n${USAGE}`);
  }
  return values as T;
}

/** `value` of flag `--name` as a number from `min` to `max`. */
export function numberFlag(name: string, value: string, min: number, max: number): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n < min || n > max) {
    throw new Error(`--${name} must be a number from ${min} to ${max}, got ${value}`);
  }
  return n;
}
