// What WAIT's handler tells the shard: the handler checks its arguments (Redis's order and texts)
// and asks here to wait; the execution, which knows the caller's link and last write, answers at
// once or parks the request (workers/replication/waits.ts). One object per shard thread, as the
// blocking signal is.

export const waitSignal = {
  /** Set by WAIT's handler: the request asks to wait (it wrote no reply). */
  asked: false,
  /** Replicas to wait for; with `all`, every configured replica. */
  needed: 0,
  all: false,
  /** 0 waits for ever. */
  timeoutMs: 0,
  /** Replicas that hold everything this shard journaled so far (WAIT inside EXEC answers it). */
  countNow: (): number => 0,
};

export function requestWait(needed: number, all: boolean, timeoutMs: number): void {
  waitSignal.asked = true;
  waitSignal.needed = needed;
  waitSignal.all = all;
  waitSignal.timeoutMs = timeoutMs;
}
