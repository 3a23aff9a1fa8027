// How long each thread of this process ran and how long it waited for a CPU, from Linux's
// /proc/self/task/<tid>/schedstat (nanoseconds on a CPU, nanoseconds runnable but waiting). On a
// machine with fewer free cores than busy threads, a request's worst latency is often the time its
// shard waited for a CPU, not anything the shard did: these say which.

import { readdirSync, readFileSync } from 'node:fs';

/** Per thread id: ms on a CPU and ms waiting for one, since the thread started. */
type ThreadTimes = Map<number, { readonly runMs: number; readonly waitMs: number }>;

/** The times of every thread now; empty where /proc has no schedstat (not Linux). */
export function threadTimes(): ThreadTimes {
  const times: ThreadTimes = new Map();
  let tasks: string[];
  try {
    tasks = readdirSync('/proc/self/task');
  } catch {
    return times;
  }
  for (const task of tasks) {
    try {
      const [run, wait] = readFileSync(`/proc/self/task/${task}/schedstat`, 'utf8').split(' ');
      times.set(Number(task), { runMs: Number(run) / 1e6, waitMs: Number(wait) / 1e6 });
    } catch {
      // The thread ended meanwhile.
    }
  }
  return times;
}

/**
 * Between `before` and `after`, the thread other than the main one that ran longest (a busy shard)
 * and the main thread (the client): ms each ran and waited for a CPU. Undefined without /proc.
 */
export function busiestThreads(
  before: ThreadTimes,
  after: ThreadTimes,
):
  | { worker: { runMs: number; waitMs: number }; main: { runMs: number; waitMs: number } }
  | undefined {
  const delta = (tid: number) => {
    const a = after.get(tid);
    const b = before.get(tid) ?? { runMs: 0, waitMs: 0 };
    return a === undefined ? undefined : { runMs: a.runMs - b.runMs, waitMs: a.waitMs - b.waitMs };
  };
  const main = delta(process.pid);
  if (main === undefined) return undefined;
  let worker = { runMs: -1, waitMs: 0 };
  for (const tid of after.keys()) {
    const times = tid === process.pid ? undefined : delta(tid);
    if (times !== undefined && times.runMs > worker.runMs) worker = times;
  }
  return worker.runMs < 0 ? undefined : { worker, main };
}
