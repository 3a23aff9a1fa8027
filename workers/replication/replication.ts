// The shard's part in replication. On a primary of a database with replicas: the journal, a link
// per replica (its stream and full copies), the WAIT requests held, and the count of good
// replicas that minReplicasToWrite asks for. On a replica: the follower that applies its primary's
// stream. A replica becomes a primary when it is promoted (a failover); the pool then gives it
// the shard's other replicas, which get a full copy from it.

import { COMMAND } from '../../src/commands/table.js';
import { ReplicaState, ShardState, WorkerRole } from '../../src/shared/control-block.js';
import type { ShardFiles } from '../../src/shared/persistence-messages.js';
import type { ClientLink } from '../shard/client-links.js';
import type { Shard } from '../shard.js';
import { Follower } from './follower.js';
import { Journal } from './journal.js';
import { ReplicaLink } from './replica-link.js';
import { waitSignal } from './signal.js';
import { Waits } from './waits.js';

export const NOREPLICAS = 'NOREPLICAS Not enough good replicas to write.';
export const READONLY = "READONLY You can't write against a read only replica.";
export const WAIT_ON_REPLICA =
  'ERR WAIT cannot be used with replica instances. Please also note that since Redis 4.0 if a replica is configured to be writable (which is not the default) writes to replicas are just local and are not propagated.';

export interface ReplicationSettings {
  /** Replicas each shard is meant to have (the `replicas` option). */
  readonly replicas: number;
  readonly minReplicasToWrite: number;
  readonly minReplicasMaxLagMs: number;
}

export class Replication {
  /** The journal, on a primary of a database with replicas (undefined otherwise). */
  journal: Journal | undefined;
  readonly links: ReplicaLink[] = [];
  follower: Follower | undefined;
  readonly waits = new Waits();
  /** Why a write is refused now (READONLY, NOREPLICAS), or undefined; checked per write. */
  writeRefusal: string | undefined;

  constructor(
    private readonly shard: Shard,
    readonly settings: ReplicationSettings,
    role: number,
  ) {
    if (role === WorkerRole.Replica) this.writeRefusal = READONLY;
    else this.becomePrimary(0);
    // WAIT inside EXEC answers at once, with the replicas that hold everything journaled so far.
    waitSignal.countNow = () => this.countAcks(this.journal?.offset ?? 0);
  }

  get isReplica(): boolean {
    return this.follower !== undefined || this.writeRefusal === READONLY;
  }

  /**
   * Starts following `primary` over `ring`: a new full copy comes first, unless this worker holds
   * `primary`'s data as of offset `holds` (a planned failover's old primary).
   */
  follow(primary: number, ring: SharedArrayBuffer, holds?: number): void {
    // A primary that hands its shard over leaves the log to the new primary (replicas keep none).
    this.shard.persistence?.leave();
    this.writeRefusal = READONLY;
    this.journal = undefined;
    this.shard.keyspace.expired = undefined;
    this.useJournal(undefined);
    this.follower = new Follower(this.shard, primary, ring, holds);
    this.shard.router.replicaOf = primary;
  }

  /**
   * Becomes the primary of its shard: applies what its old primary's ring still holds, then
   * journals from the offset it reached. Returns that offset.
   */
  promote(files?: ShardFiles): number {
    const follower = this.follower;
    let offset = 0;
    if (follower !== undefined) {
      // Throws (the promotion is refused, the pool tries the next replica) when this copy is not a
      // whole prefix of the old primary's journal.
      follower.drainForPromotion();
      offset = follower.offset;
    }
    // With a data directory: the log the old primary wrote, and what it holds past `offset`.
    const persistence = this.shard.persistence;
    if (files !== undefined && persistence !== undefined && follower !== undefined) {
      offset = persistence.takeOver(files, offset, follower.primary);
    }
    this.follower = undefined;
    this.shard.router.replicaOf = -1;
    this.becomePrimary(offset);
    this.shard.control.setReplicaState(this.shard.id, ReplicaState.None);
    this.shard.keyspace.expireOnRead = true;
    return offset;
  }

  private becomePrimary(offset: number): void {
    // With minReplicasToWrite, writes wait for good replicas from the start (checkGoodReplicas).
    this.writeRefusal = this.settings.minReplicasToWrite > 0 ? NOREPLICAS : undefined;
    const persistence = this.shard.persistence;
    if (this.settings.replicas === 0 && persistence === undefined) return;
    const journal = new Journal(this.shard.keyspace, COMMAND.del.op);
    journal.startAt(offset);
    this.journal = journal;
    this.shard.keyspace.expired = journal.expired;
    this.useJournal(journal);
    persistence?.attach(journal);
    this.shard.control.setOffset(this.shard.id, offset);
  }

  /** Points the shard's Call at the journal (it is made before the execution on a new shard). */
  private useJournal(journal: Journal | undefined): void {
    const execution = this.shard.execution as Shard['execution'] | undefined;
    if (execution !== undefined) execution.call.journal = journal;
  }

  /** Streams to `replica` over `ring`, after a full copy unless it `holdsData` already. */
  addReplica(replica: number, ring: SharedArrayBuffer, holdsData = false): void {
    const journal = this.journal;
    if (journal === undefined) throw new Error(`worker ${this.shard.id} is not a primary`);
    const { keyspace, control } = this.shard;
    const link = new ReplicaLink(replica, ring, keyspace, journal, control, holdsData);
    this.links.push(link);
    journal.sinks.push(link);
  }

  dropReplica(replica: number): void {
    const index = this.links.findIndex((link) => link.replica === replica);
    if (index < 0) return;
    const [link] = this.links.splice(index, 1);
    const sinks = this.journal?.sinks;
    if (sinks !== undefined) sinks.splice(sinks.indexOf(link!), 1);
  }

  /** One loop turn: apply the primary's stream, or feed the replicas and answer WAITs. */
  step(now: number): number {
    if (this.follower !== undefined) return this.follower.serve();
    let work = 0;
    // A planned failover holds this primary's requests until the new primary took the slots.
    const handOver = this.shard.router.handOver;
    if (handOver !== undefined) work += handOver.step(now);
    const links = this.links;
    for (let i = 0; i < links.length; i++) work += links[i]!.step();
    if (this.journal !== undefined)
      this.shard.control.setOffset(this.shard.id, this.journal.offset);
    if (this.waits.list.length > 0) work += this.waits.settle(now, this.countAcks);
    if (this.settings.minReplicasToWrite > 0) this.checkGoodReplicas(now);
    return work;
  }

  /** Whether a replica's stream has bytes staged that its ring could not take yet. */
  anyBacklog(): boolean {
    const links = this.links;
    for (let i = 0; i < links.length; i++) if (links[i]!.writer.staged > 0) return true;
    return false;
  }

  /** Whether the replication ring has records this replica has not applied. */
  anyInput(): boolean {
    return (this.follower?.reader.readable() ?? false) && !this.shard.faults.holdStream;
  }

  /** When the next WAIT times out (Infinity: none held). */
  get nextAt(): number {
    return this.waits.nextAt;
  }

  /** Replicas streaming that acknowledged `offset` or more. */
  readonly countAcks = (offset: number): number => {
    const control = this.shard.control;
    let acks = 0;
    for (const link of this.links) {
      const replica = link.replica;
      if (control.replicaState(replica) === ReplicaState.Streaming && !link.syncing) {
        // A replica that died counts for nothing, even before its primary is told (drop-replica).
        if (control.offset(replica) >= offset && control.shardState(replica) !== ShardState.Dead)
          acks++;
      }
    }
    return acks;
  };

  /**
   * WAIT's handler asked to wait (waitSignal): answers now with the count when it suffices (or
   * the request runs inside EXEC, as Redis answers there), else holds the request. Returns the
   * count to reply now, -1 when the request waits, or the error text on a replica. `timing`: a
   * profiled request's reply timing block, which its reply carries once it is answered.
   */
  waitAsked(
    link: ClientLink,
    id: number,
    now: number,
    timing: Buffer | undefined,
  ): number | string {
    waitSignal.asked = false;
    if (this.follower !== undefined) return WAIT_ON_REPLICA;
    const offset = link.lastWriteOffset;
    const needed = waitSignal.all ? this.settings.replicas : waitSignal.needed;
    const acks = this.countAcks(offset);
    if (acks >= needed) return acks;
    const deadline =
      waitSignal.timeoutMs === 0 ? Number.POSITIVE_INFINITY : now + waitSignal.timeoutMs;
    this.waits.add({ link, generation: link.generation, id, offset, needed, deadline, timing });
    return -1;
  }

  /** Refuses writes while fewer than minReplicasToWrite replicas are good (NOREPLICAS). */
  private checkGoodReplicas(now: number): void {
    const control = this.shard.control;
    const lag = this.settings.minReplicasMaxLagMs;
    let good = 0;
    for (const link of this.links) {
      const replica = link.replica;
      if (link.syncing || control.replicaState(replica) !== ReplicaState.Streaming) continue;
      if (control.shardState(replica) === ShardState.Dead) continue;
      if (now - control.ackAt(replica) <= lag) good++;
    }
    this.writeRefusal = good >= this.settings.minReplicasToWrite ? undefined : NOREPLICAS;
  }
}
