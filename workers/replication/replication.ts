// The shard's part in replication. On a primary of a database with replicas: the journal, a link
// per replica (its stream and full copies), the WAIT requests held, and the count of good
// replicas that minReplicasToWrite asks for. On a replica: the follower that applies its primary's
// stream. A replica becomes a primary when it is promoted (a failover); the pool then gives it
// the shard's other replicas, which get a full copy from it.

import { COMMAND } from '../../src/commands/table.js';
import { ReplicaState, ShardState, WorkerRole } from '../../src/shared/control-block.js';
import type { ShardFiles } from '../../src/shared/persistence-messages.js';
import type { Call } from '../commands/call.js';
import { publishLogState, snapshotAsked } from '../commands/persistence.js';
import type { ClientLink } from '../shard/client-links.js';
import type { Shard } from '../shard.js';
import { Follower } from './follower.js';
import { Journal } from './journal.js';
import { ReplicaLink } from './replica-link.js';
import { HeldKind, waitSignal } from './signal.js';
import { Waits } from './waits.js';

export const NOREPLICAS = 'NOREPLICAS Not enough good replicas to write.';
export const READONLY = "READONLY You can't write against a read only replica.";
export const WAIT_ON_REPLICA =
  'ERR WAIT cannot be used with replica instances. Please also note that since Redis 4.0 if a replica is configured to be writable (which is not the default) writes to replicas are just local and are not propagated.';
const WAITAOF_ON_REPLICA =
  'ERR WAITAOF cannot be used with replica instances. Please also note that writes to replicas are just local and are not propagated.';
const WAITAOF_NO_LOG =
  'ERR WAITAOF cannot be used when numlocal is set but appendonly is disabled.';

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
  /** WAIT and WAITAOF requests held; WAITAOF counts the offset this shard's log has on disk. */
  readonly waits = new Waits(() => this.syncedOffset());
  /** Why a write is refused now (READONLY, NOREPLICAS), or undefined; checked per write. */
  writeRefusal: string | undefined;

  constructor(
    private readonly shard: Shard,
    readonly settings: ReplicationSettings,
    role: number,
  ) {
    if (role === WorkerRole.Replica) this.writeRefusal = READONLY;
    else this.becomePrimary(0);
    // WAIT and WAITAOF inside EXEC answer at once, for everything journaled so far.
    waitSignal.countNow = () => this.countAcks(this.journal?.offset ?? 0);
    waitSignal.aofNow = (local) => {
      const refusal = this.aofRefusal(local);
      if (refusal !== undefined) return refusal;
      const offset = this.journal?.offset ?? 0;
      return [this.syncedOffset() >= offset ? 1 : 0, this.countAcks(offset)];
    };
  }

  /** The journal offset this primary's log holds on disk; -1 without a log (no `dir`). */
  private syncedOffset(): number {
    const shard = this.shard;
    return shard.persistence?.log === undefined ? -1 : shard.control.logs.synced(shard.id);
  }

  /** Why WAITAOF asking `local` fsyncs is refused here (Redis's texts and order), if it is. */
  private aofRefusal(local: number): string | undefined {
    if (this.follower !== undefined) return WAITAOF_ON_REPLICA;
    if (local > 0 && this.shard.persistence?.log === undefined) return WAITAOF_NO_LOG;
    return undefined;
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
    // Replicas get nothing the log could not take yet (a write failed): a promoted replica must
    // never hold more than the log it takes over.
    if (this.shard.persistence?.logBehind !== true) {
      for (let i = 0; i < links.length; i++) work += links[i]!.step();
    }
    if (this.journal !== undefined)
      this.shard.control.setOffset(this.shard.id, this.journal.offset);
    // INFO persistence and db.stats() read the log's size and state.
    if (this.shard.persistence !== undefined) publishLogState(this.shard);
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

  /**
   * Whether the replication ring has records this replica has not applied, or (on a primary) a
   * WAITAOF held here can be answered: the syncer thread published a new offset on disk, and its
   * wake-up may have come just before the shard announced it parked.
   */
  anyInput(): boolean {
    if (this.follower === undefined) return this.waits.anyLocalDone(this.countAcks);
    return this.follower.reader.readable() && !this.shard.faults.holdStream;
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
   * A handler asked for the shard (waitSignal): WAIT and WAITAOF answer now when the counts
   * suffice, else the request is held until they do or its timeout passes; SAVE, BGSAVE and
   * BGREWRITEAOF go to the log (workers/commands/persistence.ts). Writes the reply or error to
   * `call` unless the request is held; returns whether it is. `timing`: a profiled request's reply
   * timing block, which its reply carries once it is answered.
   */
  waitAsked(
    call: Call,
    link: ClientLink,
    id: number,
    now: number,
    timing: Buffer | undefined,
  ): boolean {
    waitSignal.asked = false;
    const kind = waitSignal.kind;
    if (kind !== HeldKind.Wait && kind !== HeldKind.WaitAof) {
      return snapshotAsked(this.shard, call, { link, generation: link.generation, id, timing });
    }
    const aof = kind === HeldKind.WaitAof;
    const local = aof ? waitSignal.local : undefined;
    const onReplica = this.follower !== undefined ? WAIT_ON_REPLICA : undefined;
    const refusal = aof ? this.aofRefusal(waitSignal.local) : onReplica;
    if (refusal !== undefined) {
      call.error(refusal);
      return false;
    }
    const offset = link.lastWriteOffset;
    const needed = waitSignal.all ? this.settings.replicas : waitSignal.needed;
    const acks = this.countAcks(offset);
    const synced = this.syncedOffset() >= offset ? 1 : 0;
    if (acks >= needed && synced >= (local ?? 0)) {
      if (aof) {
        call.array(2);
        call.int(synced);
      }
      call.int(acks);
      return false;
    }
    const deadline =
      waitSignal.timeoutMs === 0 ? Number.POSITIVE_INFINITY : now + waitSignal.timeoutMs;
    const generation = link.generation;
    this.waits.add({ link, generation, id, offset, needed, deadline, timing, local });
    return true;
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
