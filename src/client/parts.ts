// A command sent as several frames, each entry a part of one aggregate: a multi-key command split
// by slot (MGET, DEL over slots), or a keyless one broadcast to workers (DBSIZE, WAIT). Every
// target is checked before anything is sent, so a call either sends all its frames or none.

import { type Argument, checkArgumentCount } from '../shared/codec.js';
import { type Aggregate, PendingFlag, type PendingTable } from './pending.js';
import type { ReplicaReads, SendTo } from './replica-reads.js';

/** What sending parts needs of the client. */
export interface PartSender {
  readonly owner: Uint16Array;
  readonly pending: PendingTable;
  readonly reads: ReplicaReads;
  /** The seat a frame for `slot` meant for `seat` goes to now, or -1 (the fence holds it). */
  route(slot: number, seat: number): number;
  /** The error a new call to `seat` fails with before anything is sent, or undefined. */
  refusal(seat: number): Error | undefined;
  readonly sendTo: SendTo;
}

/** A call of sendParts, after the client: op, slots, parts, flags, keyed, aggregate, workers. */
export type PartsCall = [
  op: number,
  slots: readonly number[],
  parts: readonly (readonly Argument[])[],
  flags: number,
  keyed: boolean,
  aggregate: Aggregate,
  workers: readonly number[] | undefined,
];

/**
 * Sends one frame of `op` per part, each entry a part of `aggregate`: part i carries parts[i] to
 * the owner of slots[i] (or a replica, for a call that reads from replicas) or, with `workers`,
 * to workers[i] (its slot NO_SLOT). `keyed`: a part's first argument is a key. A call sends all
 * its frames or none (and throws). A part that fails after others went is recorded in the
 * aggregate, which fails once the parts already sent replied.
 */
export function sendParts(client: PartSender, ...call: PartsCall): void {
  const [op, slots, parts, flags, keyed, aggregate, workers] = call;
  const count = slots.length;
  const seats = new Int32Array(count);
  const reads = flags & PendingFlag.ReplicaReads ? client.reads : undefined;
  for (let part = 0; part < count; part++) {
    const slot = slots[part]!;
    const owner = client.owner[slot]!;
    seats[part] =
      workers !== undefined ? workers[part]! : (reads?.target(op, slot, owner) ?? owner);
  }
  for (let part = 0; part < count; part++) {
    checkArgumentCount(parts[part]!.length);
    const routed = client.route(slots[part]!, seats[part]!);
    const refused = client.refusal(routed >= 0 ? routed : client.owner[slots[part]!]!);
    if (refused !== undefined) throw refused;
  }
  for (let part = 0; part < count; part++) {
    const seat = seats[part]!;
    const args = parts[part]!;
    let index: number;
    try {
      index = client.sendTo(
        seat,
        op,
        slots[part]!,
        args,
        flags,
        undefined,
        keyed ? args[0] : undefined,
      );
    } catch (error) {
      // Parts already sent will reply; the aggregate fails once they have.
      aggregate.error ??= error as Error;
      break;
    }
    reads?.sent(index, seat, op, args);
    client.pending.aggregate[index] = aggregate;
    client.pending.part[index] = part;
    aggregate.remaining++;
  }
}
