// How ZRANGESTORE, ZUNIONSTORE and ZINTERSTORE write their destination: the result replaces
// whatever the key held (its deadline too), and an empty result deletes the key, as Redis never
// stores an empty sorted set. The reply is the result's size.

import type { ZSetValue } from '../../keyspace/zset-value.js';
import type { Call } from '../call.js';

/** Stores `result` (undefined: nothing) at argument 0, and replies its size. */
export function storeResult(call: Call, result: ZSetValue | undefined): void {
  const key = call.arg(0);
  if (result === undefined || result.size === 0) {
    call.keyspace.delete(call.slot, key);
    call.int(0);
    return;
  }
  call.keyspace.set(call.slot, key, result);
  call.int(result.size);
}
