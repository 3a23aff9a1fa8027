// What the steady-latency benchmark notes beside each slow request, to tell where the time went:
// the shard's stalls (workers/shard/stall-log.ts: its collector's work and the time the OS kept it
// off a CPU), the main thread's garbage collections (PerformanceObserver), the time the main
// thread waited for a CPU (/proc schedstat), and how busy the whole machine was (/proc/stat).

import { readFileSync } from 'node:fs';
import { PerformanceObserver } from 'node:perf_hooks';

/** A request slower than the outlier threshold: absolute ms (timeOrigin based) and duration. */
export interface Slow {
  readonly at: number;
  readonly ms: number;
  /** ms the main thread waited for a CPU since the last sample (≤ SAMPLE_MS before the request). */
  readonly mainWaitMs: number;
}

/** One line of the shard's stall log. */
export interface Stall {
  readonly at: number;
  readonly gapMs: number;
  readonly spanMs: number;
  readonly windowMs: number;
  readonly waitMs: number;
  readonly gcs: readonly { readonly type: string; readonly ms: number }[];
}

interface MainGc {
  readonly at: number;
  readonly ms: number;
  readonly kind: number;
}

/** Main-thread collections V8 reports (kind: 1 minor, 2 major, 4 incremental, 8 weak callbacks). */
export class MainGcs {
  readonly list: MainGc[] = [];
  private readonly observer = new PerformanceObserver((entries) => {
    for (const entry of entries.getEntries()) {
      const detail = (entry as unknown as { detail?: { kind?: number } }).detail;
      const kind = detail?.kind ?? 0;
      this.list.push({ at: performance.timeOrigin + entry.startTime, ms: entry.duration, kind });
    }
  });

  start(): void {
    this.observer.observe({ entryTypes: ['gc'] });
  }

  stop(): void {
    this.observer.disconnect();
  }
}

/** ns this thread has run and waited for a CPU (Linux); zeros elsewhere. */
export function ownThreadNs(): { run: number; wait: number } {
  try {
    const [run, wait] = readFileSync('/proc/thread-self/schedstat', 'utf8').split(' ');
    return { run: Number(run), wait: Number(wait) };
  } catch {
    return { run: 0, wait: 0 };
  }
}

/** The machine's CPU time, busy and total, in clock ticks (Linux /proc/stat); zeros elsewhere. */
export function machineTicks(): { busy: number; total: number } {
  try {
    const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1);
    const ticks = fields.map(Number);
    const idle = ticks[3]! + ticks[4]!;
    const total = ticks.reduce((sum, n) => sum + n, 0);
    return { busy: total - idle, total };
  } catch {
    return { busy: 0, total: 0 };
  }
}

export function readStalls(file: string): Stall[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return [];
  }
  return text
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as Stall);
}

/** What a slow request is put down to (the first, in this order, that covers half its time). */
export type Cause =
  | 'shard GC'
  | 'shard off CPU'
  | 'shard other'
  | 'main GC'
  | 'main off CPU'
  | 'unexplained';

export interface Explained extends Slow {
  readonly cause: Cause;
  readonly shardStallMs: number;
  readonly shardGcMs: number;
  readonly shardGcTypes: string;
  readonly shardWaitMs: number;
  readonly mainGcMs: number;
}

/** ms of [a0, a1] that [b0, b1] covers. */
function overlap(a0: number, a1: number, b0: number, b1: number): number {
  return Math.max(0, Math.min(a1, b1) - Math.max(a0, b0));
}

/** Slack for the two threads' clocks (each converts its own monotonic clock to absolute ms). */
const CLOCK_SLACK_MS = 0.5;

export function explain(slow: Slow, stalls: readonly Stall[], gcs: readonly MainGc[]): Explained {
  const start = slow.at - CLOCK_SLACK_MS;
  const end = slow.at + slow.ms + CLOCK_SLACK_MS;
  let shardStallMs = 0;
  let shardGcMs = 0;
  let shardWaitMs = 0;
  const types = new Set<string>();
  for (const stall of stalls) {
    const covered = overlap(start, end, stall.at - stall.spanMs, stall.at);
    if (covered <= 0) continue;
    shardStallMs += covered;
    shardWaitMs += Math.min(stall.waitMs, covered);
    for (const gc of stall.gcs) {
      // The profiler's window may hold collections from before the stall: only those that could
      // fit in it count, the largest first.
      if (gc.ms >= 0.2) types.add(gc.type);
    }
    shardGcMs += Math.min(
      covered,
      stall.gcs.reduce((sum, gc) => sum + gc.ms, 0),
    );
  }
  let mainGcMs = 0;
  for (const gc of gcs) mainGcMs += overlap(start, end, gc.at, gc.at + gc.ms);
  // A collection's cost is wall time: the part of it the OS kept the shard off the CPU counts as
  // off CPU (the shard's wait is read at each working turn, so it is the stall's own).
  const shardGcOnCpuMs = Math.max(0, shardGcMs - shardWaitMs);
  const half = slow.ms / 2;
  let cause: Cause = 'unexplained';
  if (shardWaitMs >= half) cause = 'shard off CPU';
  else if (shardGcOnCpuMs >= half) cause = 'shard GC';
  else if (mainGcMs >= half) cause = 'main GC';
  else if (slow.mainWaitMs >= half) cause = 'main off CPU';
  else if (shardStallMs >= half) cause = 'shard other';
  const shardGcTypes = [...types].join('+');
  return { ...slow, cause, shardStallMs, shardGcMs, shardGcTypes, shardWaitMs, mainGcMs };
}
