// The causes a slow operation is explained by (its largest segment), declared once: the order of
// CAUSES is the order of the Cause indices, of the slab's per-cause figures and of the report's
// cause names and descriptions.

import { WaitReason } from '../shared/timing-layout.js';

interface CauseSpec {
  /** The Cause member's name. */
  readonly id: string;
  /** The name the report uses. */
  readonly name: string;
  /** What an operation it explains went through, as the report describes it. */
  readonly description: string;
  /** The wait at a migration source this cause stands for, if any. */
  readonly waitReason?: WaitReason;
}

const CAUSES = [
  {
    id: 'ShardQueue',
    name: 'shard-queue',
    description:
      'waited on its shard, to be picked up or for its reply to be sent, while the shard was ' +
      'busy (other requests, migration batches) or asleep',
  },
  {
    id: 'KeyLock',
    name: 'key-lock',
    description:
      "waited at a migration source for its key's batch to be acknowledged (a write to a key " +
      'in flight)',
    waitReason: WaitReason.KeyLock,
  },
  {
    id: 'KeysSplit',
    name: 'keys-split',
    description:
      'waited at a migration source for its keys, split between source and target, to meet',
    waitReason: WaitReason.KeysSplit,
  },
  {
    id: 'SlotLock',
    name: 'slot-lock',
    description: 'waited for its whole slot to move (slot lock mode, or a slot-wide command)',
    waitReason: WaitReason.SlotLock,
  },
  {
    id: 'Returning',
    name: 'returning',
    description: 'waited for the keys of a cancelled migration to come back',
    waitReason: WaitReason.Returning,
  },
  {
    id: 'Redirect',
    name: 'redirect',
    description: 'was forwarded to the target shard (the extra hop)',
  },
  {
    id: 'Execution',
    name: 'execution',
    description: 'executed slowly (a large value, a long command)',
  },
  {
    id: 'ClientBusy',
    name: 'client-busy',
    description: 'its reply waited for the client thread (its event loop was busy)',
  },
  {
    id: 'RingFull',
    name: 'ring-full',
    description: 'waited for room in a full ring (requests or replies)',
  },
  {
    id: 'Fence',
    name: 'fence',
    description:
      "was held back on the client until the slot's earlier requests, sent to its old owner, " +
      'replied (ordering across a hand-over)',
  },
  {
    id: 'ReplicationWait',
    name: 'replication-wait',
    description: 'waited on its primary for replicas to acknowledge the writes before it (WAIT)',
    waitReason: WaitReason.Replication,
  },
  {
    id: 'Failover',
    name: 'failover',
    description:
      "its shard's primary died while it was in flight: it failed (FailoverError), or waited " +
      'until a replica took over',
  },
] as const satisfies readonly CauseSpec[];

type Causes = typeof CAUSES;
type CauseIndex<I> = I extends `${infer N extends number}` ? N : never;

/** Each cause's index, by its id: `Cause.KeyLock` is 1. */
export const Cause = Object.fromEntries(CAUSES.map((cause, index) => [cause.id, index])) as {
  readonly [I in keyof Causes & `${number}` as Causes[I]['id']]: CauseIndex<I>;
};
export type Cause = (typeof Cause)[keyof typeof Cause];
export const CAUSE_COUNT = CAUSES.length;

export type CauseName = Causes[number]['name'];
export const CAUSE_NAMES: readonly CauseName[] = CAUSES.map((cause) => cause.name);

export const CAUSE_DESCRIPTIONS = Object.fromEntries(
  CAUSES.map((cause) => [cause.name, cause.description]),
) as Record<CauseName, string>;

/** The cause of each wait reason, by reason; a wait without a known reason counts as key-lock. */
const WAIT_REASON_CAUSES: Cause[] = [];
CAUSES.forEach((cause: CauseSpec, index) => {
  if (cause.waitReason !== undefined) WAIT_REASON_CAUSES[cause.waitReason] = index as Cause;
});

/** The cause a wait at a migration source (its WaitReason) stands for. */
export function waitReasonCause(reason: number): Cause {
  return WAIT_REASON_CAUSES[reason] ?? Cause.KeyLock;
}
