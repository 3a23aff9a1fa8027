// A debugging aid for latency outliers, off unless SLOTDB_STALL_LOG names a file: the shard notes
// each stretch between two turns that did work, less the time it slept parked, that lasted at
// least SLOTDB_STALL_MS (default 1 ms), with what its garbage collector did meanwhile and how long
// the OS kept its thread waiting for a CPU. A stall is one or the other (or the shard's own work).
//
// The shard's loop never returns to its event loop, so a PerformanceObserver('gc') would never be
// told anything there: v8.GCProfiler records from the collector's own callbacks instead, and is
// read and restarted every WINDOW_MS, so that the collections it reports lie within the last
// window and the stall. Off, the shard pays one field test per published turn.

import { appendFileSync, readFileSync } from 'node:fs';
import { GCProfiler } from 'node:v8';

/** The profiler is read and restarted this often, so its report covers little more than a stall. */
const WINDOW_MS = 100;
const STALL_MS_DEFAULT = 1;

interface GcStatistic {
  readonly gcType: string;
  /** µs */
  readonly cost: number;
}

/** ns this thread ran and waited for a CPU (Linux schedstat); zeros elsewhere. */
function threadTimes(): [number, number] {
  try {
    const [run, wait] = readFileSync('/proc/thread-self/schedstat', 'utf8').split(' ');
    return [Number(run), Number(wait)];
  } catch {
    return [0, 0];
  }
}

export class StallLog {
  private profiler = new GCProfiler();
  private windowAt: number;
  private waitNs: number;
  private lastClock: number;
  private lastParkedMs = 0;

  constructor(
    private readonly shard: number,
    private readonly file: string,
    private readonly stallMs: number,
    clock: number,
  ) {
    this.profiler.start();
    this.windowAt = clock;
    this.lastClock = clock;
    this.waitNs = threadTimes()[1];
  }

  /** SLOTDB_STALL_LOG set: a log; otherwise undefined. */
  static fromEnv(shard: number, clock: number): StallLog | undefined {
    const file = process.env.SLOTDB_STALL_LOG;
    if (file === undefined || file === '') return undefined;
    const stallMs = Number(process.env.SLOTDB_STALL_MS ?? STALL_MS_DEFAULT);
    return new StallLog(shard, file, stallMs > 0 ? stallMs : STALL_MS_DEFAULT, clock);
  }

  /** A turn that did work began at `clock` (performance.now()); parkedMs is the shard's total. */
  turn(clock: number, parkedMs: number): void {
    const gap = clock - this.lastClock - (parkedMs - this.lastParkedMs);
    this.lastClock = clock;
    this.lastParkedMs = parkedMs;
    if (gap >= this.stallMs) this.note(clock, gap);
    else if (clock - this.windowAt >= WINDOW_MS) this.restart(clock);
  }

  private note(clock: number, gapMs: number): void {
    const waitNs = threadTimes()[1];
    const statistics = (this.profiler.stop()?.statistics ?? []) as GcStatistic[];
    const gcs = statistics.map((gc) => ({ type: gc.gcType, ms: gc.cost / 1000 }));
    const line = {
      shard: this.shard,
      /** Absolute ms (performance.timeOrigin based) when the stall ended. */
      at: performance.timeOrigin + clock,
      gapMs,
      windowMs: clock - this.windowAt,
      waitMs: (waitNs - this.waitNs) / 1e6,
      gcs,
    };
    appendFileSync(this.file, `${JSON.stringify(line)}\n`);
    this.profiler = new GCProfiler();
    this.profiler.start();
    // The write above is the log's own cost, not the shard's: the next gap starts after it.
    this.windowAt = performance.now();
    this.lastClock = this.windowAt;
    this.waitNs = threadTimes()[1];
  }

  private restart(clock: number): void {
    this.profiler.stop();
    this.profiler = new GCProfiler();
    this.profiler.start();
    this.windowAt = clock;
    this.waitNs = threadTimes()[1];
  }
}
