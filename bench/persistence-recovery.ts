// Recovery speed, and request latency while a snapshot is written, on one shard holding `keys` keys
// of 32 random printable bytes each. A round:
//
//   load the keys into a new directory with automatic snapshots off: the data is all in the log
//   reopen it, timed from SlotDB.open to resolved        -> recovery from the log alone
//   awaited GET and SET, one at a time, for steadyMs      -> steady latency
//   start a snapshot; the same GET/SET until its commit  -> latency while it is written (and while
//                                                           the opening thread commits it)
//   close, reopen, timed                                  -> recovery from the snapshot alone
//
// The snapshot is started by BGSAVE, or by writing past the auto rewrite mark (persistence-setup.ts):
// the mark is set far enough that the steady phase's SETs cannot reach it on a fast machine, and
// a round where they did anyway is reported and left out. Steady and snapshot latencies are
// compared over windows of equal length: the steady phase's last stretch as long as the write.

import { SlotDB } from '../src/index.js';
import type { RecoveryReport } from '../src/shared/persistence-messages.js';
import { type Figures, quantile } from './figures.js';
import {
  filesBytes,
  loadKeys,
  logBytes,
  printableValue,
  removeDirectory,
  seeded,
  snapshotCommitted,
  snapshotUnderWay,
  startSnapshot,
  storeOf,
  temporaryDirectory,
  triggerOptions,
} from './persistence-setup.js';
import { busiestThreads, threadTimes } from './thread-times.js';

export interface RecoveryFlags {
  readonly keys: number;
  readonly steadyMs: number;
}

/**
 * The auto rewrite mark, as a percentage of the log at open: at least 25, and above what the
 * steady phase may write at STEADY_SETS_PER_S_MAX SETs a second of about SET_RECORD_BYTES each.
 */
const LATENCY_PERCENTAGE_MIN = 25;
const STEADY_SETS_PER_S_MAX = 150_000;
const SET_RECORD_BYTES = 90;
const VALUE_BYTES = 32;
/** Values the requests SET: random as the data's, so they leave the snapshot as compressible. */
const SET_VALUES = (() => {
  const random = seeded(4);
  return Array.from({ length: 65_536 }, () => printableValue(VALUE_BYTES, random));
})();
/** A snapshot not committed by then failed (the shard warned why). */
const SNAPSHOT_MS_MAX = 600_000;

/** One round: the four phases above; the data directory is removed after. */
export async function recoveryRound(flags: RecoveryFlags, figures: Figures): Promise<void> {
  const dir = temporaryDirectory();
  try {
    const random = seeded(1);
    let db = await SlotDB.open({ shards: 1, dir, appendfsync: 'no', autoAofRewritePercentage: 0 });
    try {
      await loadKeys(db, flags.keys, 'key:', () => printableValue(VALUE_BYTES, random));
    } finally {
      await db.close();
    }
    const base = logBytes(dir);
    const steadyBytesMax = (flags.steadyMs / 1000) * STEADY_SETS_PER_S_MAX * SET_RECORD_BYTES;
    const percentage = Math.max(LATENCY_PERCENTAGE_MIN, Math.ceil((100 * steadyBytesMax) / base));
    db = await timedOpen('log', dir, figures, () =>
      SlotDB.open({ shards: 1, dir, ...triggerOptions(percentage) }),
    );
    let keys: number;
    try {
      await latencies(db, { dir, base, percentage }, flags, figures);
      keys = await db.dbSize();
    } finally {
      await db.close();
    }
    db = await timedOpen('snapshot', dir, figures, () => SlotDB.open({ shards: 1, dir }));
    try {
      // A benchmark of a recovery that loses keys would measure the wrong thing.
      const recovered = await db.dbSize();
      if (recovered !== keys) throw new Error(`${keys} keys at close, ${recovered} after reopen`);
    } finally {
      await db.close();
    }
  } finally {
    removeDirectory(dir);
  }
}

/** Opens with `open`, timed; records keys/s over the open and over the shard's own recovery. */
async function timedOpen(
  from: 'log' | 'snapshot',
  dir: string,
  figures: Figures,
  open: () => Promise<SlotDB>,
): Promise<SlotDB> {
  const bytes = filesBytes(dir, from === 'log' ? '.log' : '.snap');
  const started = performance.now();
  const db = await open();
  const ms = performance.now() - started;
  const report: RecoveryReport | undefined = storeOf(db).recoveries[0];
  if (report === undefined) throw new Error('shard 0 reported no recovery');
  const label = `recovery from ${from === 'log' ? 'the log alone' : 'a snapshot alone'}`;
  figures.record(`${label}: keys`, report.keys);
  figures.record(`${label}: file MB`, bytes / 1e6);
  figures.record(`${label}: open ms`, ms);
  figures.record(`${label}: keys/s (SlotDB.open)`, report.keys / (ms / 1000));
  figures.record(`${label}: shard's recovery ms`, report.ms);
  figures.record(`${label}: keys/s (shard's recovery)`, report.keys / (report.ms / 1000));
  figures.record(`${label}: file MB/s (shard's recovery)`, bytes / 1e6 / (report.ms / 1000));
  return db;
}

/** Latency samples: when each request started (performance.now()) and how long it took (ms). */
interface Samples {
  readonly at: number[];
  readonly ms: number[];
}

/** Awaited GET and SET in turn, one at a time, until `done()` says stop. */
async function requests(db: SlotDB, keys: number, samples: Samples, done: () => boolean) {
  const random = seeded(2);
  for (let i = 0; !done(); i++) {
    const key = `key:${Math.floor(random() * keys)}`;
    const started = performance.now();
    if ((i & 1) === 0) await db.get(key);
    else await db.set(key, SET_VALUES[i % SET_VALUES.length]!);
    samples.at.push(started);
    samples.ms.push(performance.now() - started);
  }
}

/** The data directory, its log's size at open, and the auto rewrite mark (see startSnapshot). */
interface Trigger {
  readonly dir: string;
  readonly base: number;
  readonly percentage: number;
}

async function latencies(db: SlotDB, trigger: Trigger, flags: RecoveryFlags, figures: Figures) {
  const samples: Samples = { at: [], ms: [] };
  const steadyFrom = performance.now();
  const threadsAtSteady = threadTimes();
  const steadyUntil = steadyFrom + flags.steadyMs;
  await requests(db, flags.keys, samples, () => performance.now() >= steadyUntil);
  const store = storeOf(db);
  if (snapshotUnderWay(db, trigger.dir)) {
    console.warn('the steady phase started a snapshot itself: this round has no latency figures');
    await snapshotCommitted(db, 0);
    return;
  }
  const before = store.snapshots.length;
  // The shard starts the snapshot at the end of the turn that ran the trigger, before its reply,
  // and no request is sent meanwhile: the window [startedAt, startedAt + ms) is all within it.
  const startedAt = performance.now();
  const threadsAtStart = threadTimes();
  const { dir, base, percentage } = trigger;
  const triggerBytes = await startSnapshot(db, dir, percentage, base);
  const deadline = startedAt + SNAPSHOT_MS_MAX;
  const committed = (): boolean => store.snapshots.length > before || performance.now() > deadline;
  await requests(db, flags.keys, samples, committed);
  // Seen within one request of the commit (the store's own stamp is Date.now(), another clock).
  const committedAt = performance.now();
  const threadsAtCommit = threadTimes();
  const snapshot = await snapshotCommitted(db, before, 0);
  figures.record('snapshot under load: keys', snapshot.keys);
  figures.record('snapshot under load: MB written', snapshot.bytes / 1e6);
  figures.record('snapshot under load: trigger MB', triggerBytes / 1e6);
  figures.record('snapshot under load: write ms', snapshot.ms);
  figures.record('snapshot under load: commit ms', committedAt - startedAt - snapshot.ms);
  windowFigures(figures, samples, steadyUntil, startedAt, startedAt + snapshot.ms, committedAt);
  threadFigures(
    figures,
    'steady',
    busiestThreads(threadsAtSteady, threadsAtStart),
    startedAt - steadyFrom,
  );
  threadFigures(
    figures,
    'snapshot',
    busiestThreads(threadsAtStart, threadsAtCommit),
    committedAt - startedAt,
  );
}

/** Latency in equal windows before and during the write, and during the commit. */
function windowFigures(
  figures: Figures,
  samples: Samples,
  steadyUntil: number,
  startedAt: number,
  writtenAt: number,
  committedAt: number,
): void {
  const window = (from: number, to: number): number[] => {
    const chosen: number[] = [];
    for (let i = 0; i < samples.at.length; i++) {
      const at = samples.at[i]!;
      if (at >= from && at < to) chosen.push(samples.ms[i]!);
    }
    return chosen.sort((a, b) => a - b);
  };
  const steady = window(steadyUntil - (writtenAt - startedAt), steadyUntil);
  const writing = window(startedAt, writtenAt);
  latencyFigures(figures, 'steady (as long as the write)', steady);
  latencyFigures(figures, 'while the snapshot is written', writing);
  latencyFigures(figures, 'while the snapshot is committed', window(writtenAt, committedAt));
  figures.record('latency: max while written - steady max, ms', writing.at(-1)! - steady.at(-1)!);
}

/** Share of the wall time `ms` the shard and the client thread ran, and waited for a CPU. */
function threadFigures(
  figures: Figures,
  label: string,
  threads: ReturnType<typeof busiestThreads>,
  ms: number,
): void {
  if (threads === undefined) return;
  const share = (part: number): number => (100 * part) / ms;
  figures.record(`threads ${label}: shard on a CPU %`, share(threads.worker.runMs));
  figures.record(`threads ${label}: shard waiting for a CPU %`, share(threads.worker.waitMs));
  figures.record(`threads ${label}: client on a CPU %`, share(threads.main.runMs));
  figures.record(`threads ${label}: client waiting for a CPU %`, share(threads.main.waitMs));
}

function latencyFigures(figures: Figures, label: string, sorted: readonly number[]): void {
  figures.record(`latency ${label}: requests`, sorted.length);
  if (sorted.length === 0) return;
  figures.record(`latency ${label}: p50 µs`, quantile(sorted, 0.5) * 1000);
  figures.record(`latency ${label}: p99 µs`, quantile(sorted, 0.99) * 1000);
  figures.record(`latency ${label}: p99.9 µs`, quantile(sorted, 0.999) * 1000);
  figures.record(`latency ${label}: max ms`, sorted.at(-1)!);
}
