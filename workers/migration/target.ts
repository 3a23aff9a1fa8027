// The target side of moving slot S from a source shard (A) to this shard (B).
//
// B applies A's batches (checksum verified, nothing applied otherwise) and acknowledges each; it
// executes the requests A forwards for S, as the owner of the keys that moved or that A lacks. FLIP
// ends the import: the slot map already names B. On RETURN (A cancelled) B sends every key of S
// back with the same batch machinery (ReturnMigration) and ends with RETURNED; A forwards nothing
// more after RETURN, so no request can run here on a key that went back.

import type { MigrationPlan } from '../../src/shared/control-messages.js';
import { PeerFrame } from '../../src/shared/peer-frames.js';
import type { ShardContext } from '../shard-context.js';
import { applyBatch, putAck, putNotice } from './batch.js';
import { BatchSender } from './sender.js';

export class IncomingMigration {
  keys = 0;
  batches = 0;

  constructor(
    private readonly shard: ShardContext,
    readonly migration: number,
    readonly slot: number,
    readonly source: number,
  ) {}

  /** Acknowledgements held back by the holdAcks fault: [batch, ok, received, apply ms]. */
  private readonly heldAcks: [number, boolean, number, number][] = [];

  onBatch(buf: Buffer, view: DataView, at: number, batch: number): void {
    const received = performance.now();
    const delayMs = this.shard.faults.applyDelayMs ?? 0;
    if (delayMs > 0) busyWait(delayMs);
    const applied = applyBatch(this.shard.keyspace, buf, view, at, this.slot);
    const receivedAbs = performance.timeOrigin + received;
    const applyMs = performance.now() - received;
    if (applied.refused !== undefined) {
      console.error(`slotdb: shard ${this.shard.id} refused batch ${batch} of slot ${this.slot}: ${applied.refused}`);
    } else {
      this.keys += applied.keys;
      this.batches++;
    }
    if (this.shard.faults.holdAcks) {
      this.heldAcks.push([batch, applied.refused === undefined, receivedAbs, applyMs]);
      return;
    }
    putAck(this.shard.peerWriter(this.source), this.slot, this.migration, batch, applied.refused === undefined, receivedAbs, applyMs);
    this.shard.flushPeer(this.source);
  }

  /** Sends the acknowledgements the holdAcks fault kept back. */
  releaseAcks(): void {
    for (const [batch, ok, receivedAbs, applyMs] of this.heldAcks.splice(0)) {
      putAck(this.shard.peerWriter(this.source), this.slot, this.migration, batch, ok, receivedAbs, applyMs);
    }
    this.shard.flushPeer(this.source);
  }

  /** The source flushed its keys: what came from it so far is gone too. */
  onDrop(): void {
    this.shard.keyspace.dropSlot(this.slot);
  }

  /** The source died: the slot's keys here belong to no one who serves them; free them. */
  onSourceDown(): void {
    this.shard.keyspace.dropSlot(this.slot);
    this.shard.finished(this.migration);
  }
}

/** After a cancel: sends the keys of S back to the source, then RETURNED. */
export class ReturnMigration {
  private readonly sender: BatchSender;
  private refused = false;

  constructor(
    private readonly shard: ShardContext,
    readonly migration: number,
    readonly slot: number,
    readonly source: number,
    limits: Pick<MigrationPlan, 'batchKeys' | 'batchBytes' | 'window'>,
  ) {
    this.sender = new BatchSender(shard, slot, source, migration, limits);
  }

  step(now: number): number {
    const sent = this.sender.sendBatch(now);
    if (sent === 0 && this.sender.done) {
      if (this.sender.keysLeft() > 0 && !this.refused) {
        this.sender.restart();
        return 0;
      }
      putNotice(this.shard.peerWriter(this.source), PeerFrame.Returned, this.slot, this.migration);
      this.shard.flushPeer(this.source);
      if (!this.refused) this.shard.keyspace.dropSlot(this.slot);
      this.shard.finished(this.migration);
      return 1;
    }
    return sent;
  }

  onAck(batch: number, ok: boolean, now: number, receivedAbs = 0, applyMs = 0): void {
    this.sender.onAck(batch, ok, now, receivedAbs, applyMs);
    if (!ok) {
      // Only a bug gets here (the source refuses keys it already has). Stop instead of resending
      // the same batch forever; what could not go back stays here, logged.
      console.error(`slotdb: shard ${this.source} refused returned batch ${batch} of slot ${this.slot}`);
      this.refused = true;
      this.sender.stop();
    }
  }

  /** FLUSHALL ran here while keys were going back: there is nothing left to return. */
  onFlush(): void {
    this.sender.restart();
  }

  /** The source died while keys were going back: they have no owner left; free them. */
  onSourceDown(): void {
    this.shard.keyspace.dropSlot(this.slot);
    this.shard.finished(this.migration);
  }
}

/** Keeps the thread busy for `ms` (the applyDelayMs fault: a slow apply, not an idle one). */
function busyWait(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until);
}
