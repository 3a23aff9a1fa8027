// The throwaway redis-server of the differential tests (started as the benchmarks start theirs). CI
// installs Debian's redis-server and sets SLOTDB_REQUIRE_REDIS=1, so there a missing server fails
// the run instead of skipping it.

export {
  type RunningRedis,
  redisServerPath,
  startRedis,
} from '../../bench/redis-peer.js';

export const redisRequired = process.env.SLOTDB_REQUIRE_REDIS === '1';
