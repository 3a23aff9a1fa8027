// The source's side of a cancelled move's keys coming back (rule 8): it applies the target's
// batches and pieces and acknowledges each, once its replicas hold it (durability.ts, AckGate).
//
// If the target fails over while keys come back, its promoted replica sends back what it holds,
// which may include keys that came back already (the target deleted them after the ack, but its
// replica may not have that deletion yet). Such a key is not taken again: the source keeps what it
// has, and a key that came back before and was deleted here since stays deleted (`known`).

import type { ShardContext } from '../shard-context.js';
import { type ApplyOptions, applyBatch, Present } from './batch.js';
import { AckGate, journalOf } from './durability.js';
import { Staging } from './pieces/staging.js';

export class ReturnedKeys {
  /** Copies of big keys coming back in pieces. */
  private readonly staging = new Staging();
  private readonly gate: AckGate;
  /** Keys that came back here (kept with replicas only: a failover of the target needs them). */
  readonly known = new Set<string>();
  /** The target failed over (or this shard did): keys may come back a second time. */
  resumed: boolean;

  constructor(
    private readonly shard: ShardContext,
    private readonly slot: number,
    private readonly migration: number,
    need: number,
    resumed: boolean,
  ) {
    this.gate = new AckGate(shard, need);
    this.resumed = resumed;
  }

  /** A batch of keys coming back from `peer`: apply it and acknowledge. */
  onBatch(peer: number, buf: Buffer, view: DataView, at: number, batch: number): void {
    const keyspace = this.shard.keyspace;
    const applied = applyBatch(keyspace, buf, view, at, this.slot, this.options());
    this.acknowledge(peer, batch, applied.refused);
  }

  /** A piece of a big key coming back: its copy is staged until the final one. */
  onPiece(peer: number, buf: Buffer, view: DataView, at: number): void {
    const keyspace = this.shard.keyspace;
    const applied = this.staging.apply(keyspace, buf, view, at, this.slot, this.options());
    this.acknowledge(peer, applied.number, applied.refused);
  }

  private options(): ApplyOptions {
    const journal = journalOf(this.shard);
    const applied = journal === undefined ? undefined : this.known;
    if (!this.resumed) return { present: Present.Refuse, journal, applied };
    return { present: Present.Skip, known: this.known, journal, applied };
  }

  private acknowledge(peer: number, batch: number, refused: string | undefined): void {
    const ok = refused === undefined;
    this.gate.send(peer, this.slot, this.migration, batch, ok);
    if (ok) return;
    const { id } = this.shard;
    console.error(`slotdb: shard ${id} refused returned keys of slot ${this.slot}: ${refused}`);
  }

  /** Sends the acknowledgements whose batches the replicas hold now. */
  step(): number {
    return this.gate.step();
  }

  /** The holdAcks fault was lifted. */
  releaseAcks(): void {
    this.gate.releaseHeld();
  }

  /** The target failed over: copies under way died with it, and keys may come a second time. */
  restart(dead: number): void {
    this.staging.clear();
    this.gate.drop(dead);
    this.resumed = true;
  }

  /** The move ended. */
  clear(): void {
    this.staging.clear();
    this.known.clear();
  }
}
