// What the handlers of commands that need the shard itself tell it: WAIT, WAITAOF, SAVE, BGSAVE and
// BGREWRITEAOF check their arguments (Redis's order and texts) and ask here; the execution, which
// knows the caller's link and last write and reaches the log, answers at once or holds the request
// (workers/replication/waits.ts; workers/commands/persistence.ts for the snapshots). One object per
// shard thread, as the blocking signal is.

/** What a request asks of the shard. */
export const HeldKind = {
  /** WAIT: replicas that hold the caller's last write. */
  Wait: 0,
  /** WAITAOF: the caller's last write on disk here, and replicas that hold it. */
  WaitAof: 1,
  /** SAVE: a snapshot written now, held until the opening thread committed it. */
  Save: 2,
  /** BGSAVE: a snapshot started (answered at once). */
  BgSave: 3,
  /** BGREWRITEAOF: the same, with the texts of an append-only file rewrite. */
  BgRewriteAof: 4,
} as const;
export type HeldKind = (typeof HeldKind)[keyof typeof HeldKind];

export const waitSignal = {
  /** Set by the handler: the request asks to be held (it wrote no reply). */
  asked: false,
  kind: HeldKind.Wait as HeldKind,
  /** Replicas to wait for; with `all`, every configured replica. */
  needed: 0,
  all: false,
  /** WAITAOF: local fsyncs to wait for (0 or 1). */
  local: 0,
  /** BGSAVE SCHEDULE: a snapshot under way answers 'scheduled' instead of an error. */
  schedule: false,
  /** 0 waits for ever. */
  timeoutMs: 0,
  /** Replicas that hold everything this shard journaled so far (WAIT inside EXEC answers it). */
  countNow: (): number => 0,
  /**
   * WAITAOF inside EXEC: [local, replicas] for everything journaled so far, or the error text a
   * WAITAOF asking `local` gets here (a replica, or no log).
   */
  aofNow: (_local: number): readonly [number, number] | string => [0, 0],
};

export function requestWait(needed: number, all: boolean, timeoutMs: number): void {
  waitSignal.asked = true;
  waitSignal.kind = HeldKind.Wait;
  waitSignal.needed = needed;
  waitSignal.all = all;
  waitSignal.timeoutMs = timeoutMs;
}

export function requestWaitAof(local: number, needed: number, timeoutMs: number): void {
  waitSignal.asked = true;
  waitSignal.kind = HeldKind.WaitAof;
  waitSignal.local = local;
  waitSignal.needed = needed;
  waitSignal.all = false;
  waitSignal.timeoutMs = timeoutMs;
}

/** SAVE, BGSAVE (`schedule`: BGSAVE SCHEDULE) or BGREWRITEAOF. */
export function requestSnapshot(kind: HeldKind, schedule = false): void {
  waitSignal.asked = true;
  waitSignal.kind = kind;
  waitSignal.schedule = schedule;
}
