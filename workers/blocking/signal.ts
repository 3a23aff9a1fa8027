// What a blocking command's handler and the keyspace tell the shard about blocked requests, and
// what the shard tells a handler it re-runs. Handlers take only a Call and each shard is its own
// thread, so this module's one object is the shard's: the handler that finds no data asks to park
// here, the keyspace's store hook notes that a key some request waits on got a value, and the
// execution looks at `flags` once per request (0: nothing to do, the hot path).

export const SignalFlag = {
  /** The handler found no data and asks to wait (the fields below say for what). */
  Park: 1,
  /** A key some request waits on got a value: serve its waiters after this command. */
  Ready: 2,
} as const;

export const blockingSignal = {
  /** SignalFlag bits. */
  flags: 0,
  /** Park: the keys waited on are arguments keysFirst .. keysFirst + keysCount - 1. */
  keysFirst: 0,
  keysCount: 0,
  /** Park: how long to wait, ms; 0 waits for ever. */
  timeoutMs: 0,
  /** Park: which argument holds the timeout (rewritten when the request moves to another shard). */
  timeoutArg: 0,
  /**
   * While the shard re-runs a blocked request because one of its keys got a list: that key (the
   * request is served from it alone, as Redis 7.0 serves a ready key); undefined otherwise.
   */
  readyKey: undefined as string | undefined,
};

/**
 * Asks the shard to park the request at hand (its handler found no data and answered nothing): it
 * waits on arguments `first` .. `first + count - 1` for `timeoutMs` (0: for ever), whose timeout
 * text is argument `timeoutArg`. A request the shard is re-running stays blocked where it was.
 */
export function requestPark(first: number, count: number, timeoutMs: number, timeoutArg: number) {
  blockingSignal.flags |= SignalFlag.Park;
  blockingSignal.keysFirst = first;
  blockingSignal.keysCount = count;
  blockingSignal.timeoutMs = timeoutMs;
  blockingSignal.timeoutArg = timeoutArg;
}
