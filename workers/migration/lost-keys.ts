// A slot whose move ended with a shard's death: the surviving shard serves it, but some of its keys
// died with the other shard (the keys already moved when the target died; the keys not yet moved
// when the source died). A missing key and a lost key must never look the same, so until FLUSHALL
// empties the slot here, a request on the slot runs only when every key it names is here; any
// other request (a key this shard lacks, or a slot-wide command such as SCAN) is answered with a
// SHARDDOWN error naming the dead shard, which the client raises as a ShardDownError (Redis
// Cluster answers CLUSTERDOWN for a slot nobody serves whole).
//
// It is held as a role (docs/migration.md) so that the request router's fast path, taken only
// while this shard has no migration role at all, stays as it is: a lost slot sends its requests
// down the router's migration path, where this check is made. Such a slot does not move
// (MigrationOrders refuses it) for as long as the mark lasts (docs/migration.md, "Lost keys").

import { frameKeys } from '../../src/commands/frame-keys.js';
import { commandByOp } from '../../src/commands/table.js';
import { REQ_OP } from '../../src/shared/codec.js';
import { SlotState } from '../../src/shared/control-block.js';
import { SHARD_DOWN_PREFIX } from '../../src/shared/reply-errors.js';
import type { ShardContext } from '../shard-context.js';
import { RoleDefaults, RoleKind } from './role.js';

export class LostKeys extends RoleDefaults {
  readonly kind = RoleKind.LostKeys;
  /** The error reply for a request that may name a lost key. */
  readonly reply: string;

  /** `peer` died during migration `migration` of `slot`, holding some of its keys. */
  constructor(
    protected readonly shard: ShardContext,
    readonly migration: number,
    readonly slot: number,
    readonly peer: number,
  ) {
    super();
    this.reply = lostKeysReply(shard.id, slot, peer);
  }

  /** A request for the slot: runs if every key it names is here, else SHARDDOWN. */
  admit(buf: Buffer, at: number): void {
    admitWhereKeysLost(this.shard, this.slot, buf, at, this.reply);
  }

  /** FLUSHALL emptied the slot here: nothing of it is missing any more. */
  override onFlush(_now: number): void {
    this.shard.finished(this.migration);
  }
}

/**
 * The source died while `slot` moved here: this shard takes the slot (it holds the keys that had
 * moved; the source held the rest, and they are lost). The dead source wrote nothing more, so this
 * shard is the only writer of the slot's entry in the slot map.
 */
export function takeOverSlot(
  shard: ShardContext,
  migration: number,
  slot: number,
  source: number,
): void {
  const control = shard.control;
  Atomics.store(control.owner, slot, shard.id);
  Atomics.store(control.slotState, slot, SlotState.Stable);
  control.bumpEpoch();
  shard.lostKeys(migration, slot, source);
}

/** The SHARDDOWN reply for a request that may name a key lost with `peer`. */
export function lostKeysReply(shard: number, slot: number, peer: number): string {
  return (
    `${SHARD_DOWN_PREFIX}${peer} it died holding keys of slot ${slot} while the slot moved ` +
    `(shard ${shard} serves the keys it has)`
  );
}

/**
 * Runs the request frame at `at` if every key it names is still here; otherwise (a key that may
 * have died with the peer, or a slot-wide command) answers `reply`. A missing key and a lost key
 * must never look the same.
 */
export function admitWhereKeysLost(
  shard: ShardContext,
  slot: number,
  buf: Buffer,
  at: number,
  reply: string,
): void {
  const spec = commandByOp(buf[at + REQ_OP]!);
  if (!spec.slotWide) {
    const keys = frameKeys(buf, at, spec);
    let here = keys.length > 0;
    for (const key of keys) if (!shard.keyspace.has(slot, key)) here = false;
    if (here) {
      shard.execute(buf, at);
      return;
    }
  }
  shard.executeError(buf, at, reply);
}
