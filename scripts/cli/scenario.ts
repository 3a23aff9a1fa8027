// The flags of `slotdb profile-migration`: the scenario it runs under the profiler.

import { numberFlag, parseFlags } from './flags.js';

export interface ScenarioFlags {
  shards: number;
  keys: number;
  migrate: number;
  lock: 'key' | 'slot';
  throttle: number;
  batch: number;
  warmupMs: number;
  beforeMs: number;
  afterMs: number;
  bucketMs: number;
  thresholdMs: number;
  out: string;
}

const DEFAULTS = {
  shards: '4',
  keys: '1000000',
  migrate: '0.25',
  lock: 'key',
  throttle: '0',
  batch: '1000',
  'warmup-ms': '4000',
  'before-ms': '1000',
  'after-ms': '1000',
  'bucket-ms': '100',
  'threshold-ms': '10',
  out: 'report.html',
};

export function parseScenario(argv: string[]): ScenarioFlags {
  const flags = parseFlags(argv, DEFAULTS);
  const number = (name: keyof typeof DEFAULTS, min: number, max: number): number =>
    numberFlag(name, flags[name], min, max);
  return {
    shards: number('shards', 1, 64),
    keys: number('keys', 1, 50_000_000),
    migrate: share(flags.migrate),
    lock: lockMode(flags.lock),
    throttle: number('throttle', 0, 1e9),
    batch: number('batch', 1, 100_000),
    warmupMs: number('warmup-ms', 0, 600_000),
    beforeMs: number('before-ms', 0, 600_000),
    afterMs: number('after-ms', 0, 600_000),
    bucketMs: number('bucket-ms', 1, 60_000),
    thresholdMs: number('threshold-ms', 0, 60_000),
    out: flags.out,
  };
}

/** A share of the slots, as `25%` or `0.25`. */
function share(value: string): number {
  const share = value.endsWith('%') ? Number(value.slice(0, -1)) / 100 : Number(value);
  if (!(share > 0 && share <= 1)) {
    throw new Error(`--migrate must be a share of the slots, like 25% or 0.25, got ${value}`);
  }
  return share;
}

function lockMode(value: string): 'key' | 'slot' {
  if (value !== 'key' && value !== 'slot') {
    throw new Error(`--lock must be key or slot, got ${value}`);
  }
  return value;
}
