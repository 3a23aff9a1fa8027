// What the source of a move tells the opening thread: progress while the slot moves, and the
// report of the move when it ends (docs/migration.md).

import type {
  MigrationPlan,
  MigrationReport,
  ShardEvent,
} from '../../src/shared/control-messages.js';
import type { BatchSender } from './sender.js';
import type { WaitStats } from './waiting.js';

/** How far the move of migration `migration` got (keys acknowledged, bytes, batches, keys left). */
export function progressEvent(migration: number, sender: BatchSender): ShardEvent {
  const { keys, bytes, batches } = sender.counts();
  return {
    type: 'migration-progress',
    migration,
    keys,
    bytes,
    batches,
    keysLeft: sender.keysLeft(),
  };
}

/** The report of a move from `source` that took `durationMs`. */
export function moveReport(
  plan: MigrationPlan,
  source: number,
  sender: BatchSender,
  durationMs: number,
  redirections: number,
  waits: WaitStats,
): MigrationReport {
  return {
    slot: plan.slot,
    source,
    target: plan.target,
    lock: plan.lock,
    ...sender.counts(),
    durationMs,
    redirections,
    waits: waits.summary(),
  };
}
