// WAIT on a shard: the arguments are checked in Redis's order and with its texts, then the shard
// answers at once or holds the request until enough replicas acknowledged the caller's last write
// (workers/replication/replication.ts). Inside EXEC it answers at once, as Redis does in MULTI.

import { parseInt64 } from '../../src/shared/numbers.js';
import { NOT_INTEGER } from '../../src/shared/reply-errors.js';
import { requestWait, waitSignal } from '../replication/signal.js';
import type { Call } from './call.js';

export const TIMEOUT_NOT_INTEGER = 'ERR timeout is not an integer or out of range';
export const TIMEOUT_NEGATIVE = 'ERR timeout is negative';

function wait(call: Call): void {
  const all = call.argIs(0, 'ALL');
  const needed = all ? 0 : parseInt64(call.arg(0));
  if (needed === undefined) {
    call.error(NOT_INTEGER);
    return;
  }
  const timeout = parseInt64(call.arg(1));
  if (timeout === undefined) {
    call.error(TIMEOUT_NOT_INTEGER);
    return;
  }
  if (timeout < 0) {
    call.error(TIMEOUT_NEGATIVE);
    return;
  }
  if (call.noBlock) {
    call.int(waitSignal.countNow());
    return;
  }
  requestWait(Number(needed), all, Number(timeout));
}

export const handlers = { wait };
