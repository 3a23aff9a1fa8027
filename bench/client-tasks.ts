// The client tasks the core and profiler-overhead benchmarks both time (tinybench): GET and SET
// auto-pipelined in batches, one awaited GET, and db.sync.get, over a list of keys in turn.

import type { Bench } from 'tinybench';
import type { SlotDB } from '../src/index.js';

export interface ClientFigures {
  readonly getOps: number;
  readonly setOps: number;
  readonly awaitedP50: number;
  readonly awaitedP99: number;
  readonly syncP50: number;
  readonly syncP99: number;
}

/** Adds the tasks 'get', 'set' (batches of `batch`), 'awaited get' and 'sync get' to `bench`. */
export function addClientTasks(
  bench: Bench,
  db: SlotDB,
  keys: readonly string[],
  value: string,
  batch: number,
): void {
  let cursor = 0;
  const next = (): string => {
    cursor = cursor + 1 === keys.length ? 0 : cursor + 1;
    return keys[cursor]!;
  };
  const pending: Promise<unknown>[] = new Array(batch);
  bench.add('get', async () => {
    for (let i = 0; i < batch; i++) pending[i] = db.get(next());
    await Promise.all(pending);
  });
  bench.add('set', async () => {
    for (let i = 0; i < batch; i++) pending[i] = db.set(next(), value);
    await Promise.all(pending);
  });
  bench.add('awaited get', async () => {
    await db.get(next());
  });
  bench.add('sync get', () => {
    db.sync.get(next());
  });
}

/** ops/s of a task whose every iteration does `perIteration` operations (median sample). */
export function opsPerSecond(bench: Bench, name: string, perIteration: number): number {
  const result = bench.getTask(name)?.result as { throughput?: { p50: number } } | undefined;
  if (!result?.throughput) throw new Error(`task ${name} has no result`);
  return result.throughput.p50 * perIteration;
}

/** p50 and p99 latency of a task's iterations, µs. */
export function latencyMicros(bench: Bench, name: string): { p50: number; p99: number } {
  const result = bench.getTask(name)?.result as
    | { latency?: { p50: number; p99: number } }
    | undefined;
  if (!result?.latency) throw new Error(`task ${name} has no result`);
  return { p50: result.latency.p50 * 1000, p99: result.latency.p99 * 1000 };
}

/** The figures of the tasks addClientTasks added, after `bench.run()`. */
export function clientFigures(bench: Bench, batch: number): ClientFigures {
  const awaited = latencyMicros(bench, 'awaited get');
  const sync = latencyMicros(bench, 'sync get');
  return {
    getOps: opsPerSecond(bench, 'get', batch),
    setOps: opsPerSecond(bench, 'set', batch),
    awaitedP50: awaited.p50,
    awaitedP99: awaited.p99,
    syncP50: sync.p50,
    syncP99: sync.p99,
  };
}
