// Where a request for a moving slot runs at its source (rules 2 to 5 and 8 of docs/migration.md):
// here, at the target (FORWARD), or nowhere yet (it waits), from where its keys are now.

import { WaitReason } from '../../src/shared/timing-layout.js';
import type { Keyspace } from '../keyspace/keyspace.js';
import type { Settling } from './durability.js';
import type { BatchSender } from './sender.js';

export const Decision = { Execute: 0, Forward: 1, Wait: 2 } as const;
export type Decision = (typeof Decision)[keyof typeof Decision];

export class Placement {
  /** Why the last decide() said Wait. */
  waitReason: WaitReason = WaitReason.KeyLock;

  constructor(
    private readonly keyspace: Keyspace,
    private readonly slot: number,
    private readonly sender: BatchSender,
    private readonly settling: Settling,
  ) {}

  /** Where a request on `keys` can run now, while the slot moves (or its keys come back). */
  decide(returning: boolean, keys: readonly string[], write: boolean, blocking: boolean): Decision {
    const { keyspace, slot } = this;
    let resident = 0;
    for (const key of keys) if (keyspace.has(slot, key)) resident++;
    if (returning) {
      // Keys come back from the target; a key not here yet may be on its way. A blocking command
      // none of whose keys is here blocks here: a key that comes back with a list wakes it.
      if (blocking && resident === 0) return Decision.Execute;
      if (resident < keys.length) return this.wait(WaitReason.Returning);
    } else if (resident === 0) {
      // A key deleted here whose deletion the replicas do not hold yet waits (durability.ts).
      const settling = this.settling;
      if (settling.size === 0 || !keys.some((key) => settling.has(key))) return Decision.Forward;
      return this.wait(WaitReason.KeyLock);
    } else if (resident < keys.length) {
      this.sender.prioritize(keys.filter((key) => keyspace.has(slot, key)));
      return this.wait(WaitReason.KeysSplit);
    }
    // A key in a batch still in flight (also after a cancel, until its ack arrives) is read here
    // but not written: the target holds a copy that would otherwise come back stale.
    if (write) {
      for (const key of keys) if (this.sender.locked.has(key)) return this.wait(WaitReason.KeyLock);
    }
    return Decision.Execute;
  }

  private wait(reason: WaitReason): Decision {
    this.waitReason = reason;
    return Decision.Wait;
  }
}
