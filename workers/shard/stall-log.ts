// A debugging aid for latency outliers, off unless SLOTDB_STALL_LOG names a file: the shard notes
// each stretch between two turns that did work, less the time it slept parked, that lasted at
// least SLOTDB_STALL_MS (default 1 ms), or in which it waited that long for a CPU, with what its garbage collector did meanwhile and how long
// the OS kept its thread runnable but off a CPU in that stretch. A stall is one or the other, or
// neither (the thread slept in the kernel, or the shard's own work took that long).
//
// The shard's loop never returns to its event loop, so a PerformanceObserver('gc') would never be
// told anything there: v8.GCProfiler records from the collector's own callbacks instead, and is
// read and restarted every WINDOW_MS, so that the collections it reports lie within the last
// window and the stall. The thread's wait for a CPU (Linux schedstat) is read at every turn that
// did work, with one pread on a descriptor kept open, so it is the wait of the stretch itself.
// Off, the shard pays one field test per published turn.

import { appendFileSync, openSync, readSync } from 'node:fs';
import { GCProfiler } from 'node:v8';

/** The profiler is read and restarted this often, so its report covers little more than a stall. */
const WINDOW_MS = 100;
const STALL_MS_DEFAULT = 1;
/** "<run ns> <wait ns> <slices>\n" fits in this. */
const SCHEDSTAT_BYTES = 128;
const SPACE = 0x20;
const DIGIT_0 = 0x30;

interface GcStatistic {
  readonly gcType: string;
  /** µs */
  readonly cost: number;
}

/** This thread's time waiting for a CPU, in ns, read without allocating; 0 where there is none. */
class ThreadWait {
  private readonly fd: number;
  private readonly bytes = Buffer.alloc(SCHEDSTAT_BYTES);

  constructor() {
    let fd = -1;
    try {
      // /proc/thread-self resolves when opened: the descriptor stays this thread's.
      fd = openSync('/proc/thread-self/schedstat', 'r');
    } catch {
      // Not Linux: no wait figures.
    }
    this.fd = fd;
  }

  ns(): number {
    if (this.fd < 0) return 0;
    const length = readSync(this.fd, this.bytes, 0, SCHEDSTAT_BYTES, 0);
    // The second number of the line.
    let i = 0;
    while (i < length && this.bytes[i] !== SPACE) i++;
    let wait = 0;
    for (i++; i < length && this.bytes[i] !== SPACE; i++)
      wait = wait * 10 + this.bytes[i]! - DIGIT_0;
    return wait;
  }
}

export class StallLog {
  private profiler = new GCProfiler();
  private readonly wait = new ThreadWait();
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
    this.waitNs = this.wait.ns();
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
    const waitNs = this.wait.ns();
    const waitMs = (waitNs - this.waitNs) / 1e6;
    this.lastClock = clock;
    this.lastParkedMs = parkedMs;
    this.waitNs = waitNs;
    // A wake-up the OS was slow to run counts as parked time, not as a gap: the wait catches it.
    if (gap >= this.stallMs || waitMs >= this.stallMs) this.note(clock, gap, waitMs);
    else if (clock - this.windowAt >= WINDOW_MS) this.restart(clock);
  }

  private note(clock: number, gapMs: number, waitMs: number): void {
    const statistics = (this.profiler.stop()?.statistics ?? []) as GcStatistic[];
    const gcs = statistics.map((gc) => ({ type: gc.gcType, ms: gc.cost / 1000 }));
    const line = {
      shard: this.shard,
      /** Absolute ms (performance.timeOrigin based) when the stall ended. */
      at: performance.timeOrigin + clock,
      gapMs,
      /** How far back the stall reaches: the gap, or the wait if that was longer. */
      spanMs: Math.max(gapMs, waitMs),
      windowMs: clock - this.windowAt,
      /** Runnable but off a CPU, between the two turns (parked time included, if it waited). */
      waitMs,
      gcs,
    };
    appendFileSync(this.file, `${JSON.stringify(line)}\n`);
    // The write above is the log's own cost, not the shard's: the next gap starts after it.
    this.restart(performance.now());
    this.lastClock = this.windowAt;
  }

  private restart(clock: number): void {
    this.profiler.stop();
    this.profiler = new GCProfiler();
    this.profiler.start();
    this.windowAt = clock;
    this.waitNs = this.wait.ns();
  }
}
