// The migration benchmark's client load: a mixed pipelined load (90% GET, 10% SET) from this
// thread, every operation timed from issue to reply and split by whether its key's slot moves.

import { createHistogram, type RecordableHistogram } from 'node:perf_hooks';
import { Bench, hrtimeNowTimestampProvider } from 'tinybench';
import type { SlotDB } from '../src/index.js';

const VALUE = 'v'.repeat(32);

export interface LatencySplit {
  readonly moving: RecordableHistogram;
  readonly other: RecordableHistogram;
}

export function newSplit(): LatencySplit {
  return { moving: createHistogram(), other: createHistogram() };
}

/** p50, p99, p99.9 and max of a histogram of ns, in µs. */
export function summary(histogram: RecordableHistogram): {
  p50: number;
  p99: number;
  p999: number;
  max: number;
  count: number;
} {
  return {
    p50: histogram.percentile(50) / 1000,
    p99: histogram.percentile(99) / 1000,
    p999: histogram.percentile(99.9) / 1000,
    max: histogram.max / 1000,
    count: histogram.count,
  };
}

export class Load {
  private cursor = 0;
  private readonly pending: Promise<unknown>[];
  split: LatencySplit = newSplit();
  constructor(
    private readonly db: SlotDB,
    private readonly keys: readonly string[],
    /** Per key, 1 if its slot moves in the current phase. */
    public moving: Uint8Array,
    /** Commands issued together, then awaited. */
    readonly size: number,
  ) {
    this.pending = new Array(size);
  }

  /** One batch: `batch` commands issued in one tick, each timed from issue to reply. */
  readonly batch = async (): Promise<void> => {
    const started = performance.now();
    const split = this.split;
    const keys = this.keys;
    for (let i = 0; i < this.size; i++) {
      this.cursor = (this.cursor + 7919) % keys.length;
      const index = this.cursor;
      const reply = i % 10 === 0 ? this.db.set(keys[index]!, VALUE) : this.db.get(keys[index]!);
      const histogram = this.moving[index] === 1 ? split.moving : split.other;
      this.pending[i] = reply.then(() =>
        histogram.record(Math.max(1, Math.round((performance.now() - started) * 1e6))),
      );
    }
    await Promise.all(this.pending);
  };
}

/** Runs the load with tinybench until `phase` settles (or for `ms`), returns ops/s. */
export async function runLoad(
  load: Load,
  name: string,
  phase: Promise<unknown> | number,
): Promise<number> {
  const controller = new AbortController();
  const bench = new Bench({
    time: typeof phase === 'number' ? phase : 10 * 60_000,
    warmup: false,
    timestampProvider: hrtimeNowTimestampProvider,
    signal: controller.signal,
  });
  bench.add(name, load.batch);
  const started = performance.now();
  let iterations = 0;
  bench.getTask(name)!.addEventListener('cycle', () => iterations++);
  if (typeof phase !== 'number') void phase.finally(() => controller.abort());
  const run = bench.run();
  await (typeof phase === 'number' ? run : Promise.all([run, phase]));
  const result = bench.getTask(name)!.result as
    | { latency?: { samplesCount?: number }; totalTime?: number }
    | undefined;
  const samples = result?.latency?.samplesCount ?? iterations;
  const seconds = (result?.totalTime ?? performance.now() - started) / 1000;
  return (samples * load.size) / seconds;
}
