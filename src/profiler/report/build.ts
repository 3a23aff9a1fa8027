// The migration stall profile report: built from every client thread's profile slab and every
// shard's dump when a profile stops. Its JSON shape is 'slotdb-profile/1' (types.ts), described
// field by field in docs/profile.md and checked by docs/profile.schema.json. Each section is
// built by its own part; this file puts them together in the order the JSON lists them.

import { round } from '../histogram.js';
import { timeFrame } from './frame.js';
import { phaseLatencies, summaryOf, totalsOf } from './latency.js';
import { mergeClients } from './merge.js';
import { migrationsOf, movesOf, phasesOf } from './moves.js';
import { batchesOf, lockWaitsOf } from './shards.js';
import { causesOf, slowestOf, stalledKeysOf, stalledSlotsOf } from './stalls.js';
import { timelineOf } from './timeline.js';
import { PROFILE_SCHEMA, type ProfileReport, type ReportInput } from './types.js';
import { failoversOf, workersOf } from './workers.js';

export function buildReport(input: ReportInput): ProfileReport {
  const frame = timeFrame(input);
  const merged = mergeClients(input.clients, frame.buckets);
  const moves = movesOf(input.dumps, frame.durationMs, input.shardOfWorker);
  const phases = phasesOf(frame, moves);
  const latencies = phaseLatencies(merged, phases);
  return {
    schema: PROFILE_SCHEMA,
    startedAt: new Date(input.startAbs).toISOString(),
    durationMs: round(frame.durationMs),
    bucketMs: input.bucketMs,
    thresholdMs: input.thresholdMs,
    machine: input.machine,
    shards: input.shards,
    clients: input.clients.length,
    workers: workersOf(input.dumps),
    totals: totalsOf(frame, merged),
    summary: summaryOf(frame, merged, input.dumps, moves, phases, latencies),
    timeline: timelineOf(frame, merged, input, moves),
    phases: latencies,
    migrations: migrationsOf(moves),
    failovers: failoversOf(input),
    batches: batchesOf(input.dumps, input.shardOfWorker),
    lockWaits: lockWaitsOf(input.dumps),
    causes: causesOf(merged),
    stalledSlots: stalledSlotsOf(merged.slowOps, input.dumps),
    stalledKeys: stalledKeysOf(merged.slowOps),
    slowOps: slowestOf(merged.slowOps),
  };
}
