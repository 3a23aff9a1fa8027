// A slot this shard took over in a failover while its old primary was moving it away: the move goes
// on from here once the opening thread sends its plan, marked `resumed` (durability.ts). Until then
// the slot's requests wait here: this shard holds the keys that had not moved, the target holds the
// others, and neither may serve the slot alone. It is made when the replica is promoted, before
// the slot map names it, so that no request for the slot runs here in between.
//
// It sits in the lost-keys table (a LostKeys whose requests wait instead of failing), so that the
// request router's migration path hands it the slot's requests. If no plan comes within
// HELD_MS_MAX (the opening thread sends it right after the promotion), the move cannot go on: the
// waiting requests and the later ones get the lost-keys treatment (lost-keys.ts).

import { frameKeys } from '../../src/commands/frame-keys.js';
import { commandByOp } from '../../src/commands/table.js';
import { REQ_OP } from '../../src/shared/codec.js';
import { WaitReason } from '../../src/shared/timing-layout.js';
import type { ShardContext } from '../shard-context.js';
import { admitWhereKeysLost, LostKeys } from './lost-keys.js';
import { type Waiting, WaitQueue } from './waiting.js';

/** How long a slot waits for its move's plan after a promotion before it gives up. */
const HELD_MS_MAX = 10_000;

export class HeldSlot extends LostKeys {
  private readonly waiting = new WaitQueue();
  private readonly since: number;
  private abandoned = false;
  /** FLUSHALL ran meanwhile: the target must drop what it got too, once the move goes on. */
  flushed = false;

  /** `slot` moved away from `oldPrimary`, the worker this one replaced, to `target`. */
  constructor(
    shard: ShardContext,
    slot: number,
    oldPrimary: number,
    readonly target: number,
  ) {
    // Not a migration id (those are positive): the plan's id comes with the plan.
    super(shard, -1 - slot, slot, oldPrimary);
    this.since = performance.now();
  }

  override admit(buf: Buffer, at: number): void {
    if (this.abandoned) {
      super.admit(buf, at);
      return;
    }
    const spec = commandByOp(buf[at + REQ_OP]!);
    const keys = spec.slotWide ? [] : frameKeys(buf, at, spec);
    this.waiting.add(buf, at, keys, spec.slotWide, WaitReason.KeyLock);
  }

  /** The plan came: the requests that waited, in arrival order, go to the move. */
  take(): Waiting[] {
    const requests = this.waiting.requests;
    this.waiting.requests = [];
    return requests;
  }

  override onFlush(now: number): void {
    if (this.abandoned) super.onFlush(now);
    else this.flushed = true;
  }

  override step(now: number): number {
    if (this.abandoned || now - this.since < HELD_MS_MAX) return 0;
    this.abandon('got no plan');
    return 1;
  }

  /** The move cannot go on from here: the slot is marked as having lost keys. */
  abandon(why: string): void {
    if (this.abandoned) return;
    this.abandoned = true;
    const { id } = this.shard;
    console.error(`slotdb: shard ${id} cannot go on moving slot ${this.slot}: ${why}`);
    for (const request of this.take()) {
      admitWhereKeysLost(this.shard, this.slot, request.frame, 0, this.reply);
    }
  }
}
