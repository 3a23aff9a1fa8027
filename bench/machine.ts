// What a benchmark result was measured on, written next to every figure.

import { availableParallelism, cpus, totalmem } from 'node:os';
import { type ParseArgsConfig, parseArgs } from 'node:util';

export interface Machine {
  readonly cores: number;
  readonly cpu: string;
  readonly memoryGiB: number;
  readonly node: string;
  readonly platform: string;
  readonly date: string;
}

export function machine(): Machine {
  return {
    cores: availableParallelism(),
    cpu: cpus()[0]?.model ?? 'unknown',
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
    date: new Date().toISOString(),
  };
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** Parses `--name value` arguments into numbers, with defaults. */
export function numberFlags<T extends Record<string, number>>(defaults: T): T {
  const names = Object.keys(defaults);
  const options: ParseArgsConfig['options'] = {};
  for (const name of names) options[name] = { type: 'string' };
  const unknown = (name: string): Error =>
    new Error(`unknown flag ${name}; flags: ${names.map((k) => `--${k}`).join(' ')}`);
  const result: Record<string, number> = { ...defaults };
  // Not strict: a value is taken as it is, even one starting with a dash.
  const args = process.argv.slice(2);
  const { tokens } = parseArgs({
    args,
    options,
    strict: false,
    allowPositionals: true,
    tokens: true,
  });
  for (const token of tokens) {
    if (token.kind === 'positional') throw unknown(token.value);
    if (token.kind === 'option-terminator') throw unknown('--');
    if (!Object.hasOwn(defaults, token.name)) throw unknown(token.rawName);
    const value = Number(token.value);
    if (!Number.isFinite(value)) throw new Error(`--${token.name} needs a number`);
    result[token.name] = value;
  }
  return result as T;
}
