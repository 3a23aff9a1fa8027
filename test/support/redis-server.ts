// The throwaway redis-server of the differential tests (started as the benchmarks start theirs). CI
// installs Debian's redis-server and sets SLOTDB_REQUIRE_REDIS=1, so there a missing server fails
// the run instead of skipping it.

import { redisServerPath } from '../../bench/redis-peer.js';

export { type RunningRedis, startRedis } from '../../bench/redis-peer.js';

export const redisRequired = process.env.SLOTDB_REQUIRE_REDIS === '1';

/** Whether redis-server is installed; where it is required (CI) and missing, loading fails. */
export const redisAvailable = redisServerPath() !== undefined;
if (!redisAvailable && redisRequired) {
  throw new Error('SLOTDB_REQUIRE_REDIS=1 but redis-server is not installed');
}
