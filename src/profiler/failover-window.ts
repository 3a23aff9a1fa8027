// The last failover of a running profile, in the control block's profile words: the opening
// thread writes it when a replica took over a shard, and client threads read it to explain the
// slow operations of that shard that were in flight meanwhile (cause failover). One window is
// kept: operations slowed by a failover reply soon after it ends, before another begins.

import { type ControlBlock, PROFILE_FAILOVER_SHARD } from '../shared/control-block.js';

const START = PROFILE_FAILOVER_SHARD + 1;
const END = PROFILE_FAILOVER_SHARD + 2;

/**
 * Notes a failover of `shard` from `startAbs` to `endAbs` (absolute ms). The shard word goes last,
 * so a reader sees a window half written at worst, which misnames one operation's cause.
 */
export function setFailoverWindow(
  control: ControlBlock,
  shard: number,
  startAbs: number,
  endAbs: number,
): void {
  control.profile[START] = startAbs;
  control.profile[END] = endAbs;
  control.profile[PROFILE_FAILOVER_SHARD] = shard;
}

/** Whether the profile's last failover was of `shard` (-1: any) and overlaps [from, to]. */
export function failoverDuring(
  control: ControlBlock,
  shard: number,
  from: number,
  to: number,
): boolean {
  const profile = control.profile;
  const failed = profile[PROFILE_FAILOVER_SHARD]!;
  if (failed < 0 || (shard >= 0 && failed !== shard)) return false;
  return profile[START]! <= to && profile[END]! >= from;
}
