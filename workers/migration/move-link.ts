// The source's end of one move's link to its target: where its frames go, the requests it
// forwarded there (the source answers those the target never ran, if the target dies), and the
// switch to a promoted replica of the target when the target fails over.

import type { MigrationPlan } from '../../src/shared/control-messages.js';
import type { PeerFrame } from '../../src/shared/peer-frames.js';
import { failedOver } from '../../src/shared/reply-errors.js';
import type { ShardContext } from '../shard-context.js';
import { putImport, putNotice } from './control-frames.js';
import { ForwardLog } from './forward-log.js';

export class MoveLink {
  /** The target's worker seat. */
  target: number;
  plan: MigrationPlan;
  forwarded: ForwardLog;
  /** Requests handed to the target (or to the new owner). */
  redirections = 0;

  /** IMPORT goes first on the ring: the target knows the migration before any batch or forward. */
  constructor(
    private readonly shard: ShardContext,
    plan: MigrationPlan,
  ) {
    this.plan = plan;
    this.target = plan.target;
    this.forwarded = new ForwardLog(shard, plan.target);
    this.open(plan);
  }

  private open(plan: MigrationPlan): void {
    putImport(this.shard.peerWriter(plan.target), plan);
    this.shard.flushPeer(plan.target);
    Atomics.store(this.shard.control.migrationTarget, plan.slot, plan.target);
  }

  /** Forwards a request to the target, remembered until the target reports it done. */
  forward(buf: Buffer, at: number): void {
    this.redirections++;
    this.forwarded.forward(buf, at);
  }

  /** A notice frame (FLIP, RETURN, DROP) to the target. */
  notice(kind: PeerFrame): void {
    putNotice(this.shard.peerWriter(this.target), kind, this.plan.slot, this.plan.migration);
    this.shard.flushPeer(this.target);
  }

  /**
   * The target failed over to `to`: forwards it did not report executed are answered with a
   * FailoverError (they may or may not have run), and `to` gets IMPORT, marked resumed.
   */
  failover(to: number): void {
    const control = this.shard.control;
    const dead = this.target;
    const code = control.shardExitCode(dead);
    this.forwarded.answerUnexecuted(failedOver(control.workerShard(dead), dead, to, code));
    this.forwarded = new ForwardLog(this.shard, to);
    this.target = to;
    this.plan = { ...this.plan, target: to };
    this.open({ ...this.plan, resumed: true });
  }
}
