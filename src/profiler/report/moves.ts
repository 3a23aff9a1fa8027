// Slot moves in a report: the moves every shard recorded, the buckets each overlaps, and the
// phases they cut the profile into (before the first move, while any moves, after the last).

import type { ShardProfileDump, SlotMove } from '../../shared/timing-layout.js';
import { round } from '../histogram.js';
import { type TimeFrame, widthOf } from './frame.js';
import type { ProfileReport } from './types.js';

/**
 * Every shard's moves, their source and target named by shard (workers record seats); one still
 * running when the profile stopped ends at its end.
 */
export function movesOf(
  dumps: readonly ShardProfileDump[],
  durationMs: number,
  shardOfWorker: readonly number[],
): SlotMove[] {
  const shardOf = (seat: number): number => shardOfWorker[seat] ?? seat;
  return dumps
    .flatMap((dump) => dump.moves)
    .map((move) => ({
      ...move,
      source: shardOf(move.source),
      target: shardOf(move.target),
      endMs: move.endMs < 0 ? durationMs : move.endMs,
    }));
}

/** Slots moving during bucket `b`. */
export function movingIn(frame: TimeFrame, moves: readonly SlotMove[], b: number): number {
  const from = b * frame.bucketMs;
  const to = from + widthOf(frame, b);
  return moves.filter((move) => move.startMs < to && move.endMs >= from).length;
}

export interface Phases {
  readonly before: number[];
  readonly during: number[];
  readonly after: number[];
  /** When the first move started and the last ended, ms (±Infinity without moves). */
  readonly firstStart: number;
  readonly lastEnd: number;
}

/** Buckets before the first move, while any moves, after the last. */
export function phasesOf(frame: TimeFrame, moves: readonly SlotMove[]): Phases {
  const firstStart = moves.length === 0 ? Infinity : Math.min(...moves.map((move) => move.startMs));
  const lastEnd = moves.length === 0 ? -Infinity : Math.max(...moves.map((move) => move.endMs));
  const before: number[] = [];
  const during: number[] = [];
  const after: number[] = [];
  for (let b = 0; b < frame.buckets; b++) {
    const from = b * frame.bucketMs;
    const to = from + widthOf(frame, b);
    if (to <= firstStart) before.push(b);
    else if (from > lastEnd) after.push(b);
    else during.push(b);
  }
  return { before, during, after, firstStart, lastEnd };
}

export function migrationsOf(moves: readonly SlotMove[]): ProfileReport['migrations'] {
  return moves
    .map((move) => ({
      slot: move.slot,
      source: move.source,
      target: move.target,
      lock: move.lock,
      startMs: round(move.startMs),
      endMs: round(move.endMs),
      keys: move.keys,
      bytes: move.bytes,
      batches: move.batches,
      outcome: move.outcome,
    }))
    .sort((a, b) => a.startMs - b.startMs);
}
