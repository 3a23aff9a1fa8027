// The shards' sections of a report: the timings of the batches they sent, and the requests that
// waited for locks at a migration source, by key.

import type { BatchTiming, ShardProfileDump } from '../../shared/timing-layout.js';
import { round } from '../histogram.js';
import { type Distribution, LISTED, type ProfileReport } from './types.js';

function distribution(values: number[]): Distribution {
  if (values.length === 0) return { p50: 0, p99: 0, max: 0, total: 0 };
  const sorted = [...values].sort((a, b) => a - b);
  const at = (p: number): number =>
    sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))]!;
  return {
    p50: round(at(0.5)),
    p99: round(at(0.99)),
    max: round(sorted.at(-1)!),
    total: round(values.reduce((a, b) => a + b, 0)),
  };
}

const batchMs = (b: BatchTiming): number => b.serializeMs + b.transferMs + b.applyMs + b.ackMs;

/** The batches the shards sent, their targets named by shard (workers record seats). */
export function batchesOf(
  dumps: readonly ShardProfileDump[],
  shardOfWorker: readonly number[],
): ProfileReport['batches'] {
  const timings = dumps.flatMap((dump) => dump.batches);
  const dropped = dumps.reduce((a, d) => a + d.batchesDropped, 0);
  return {
    count: timings.length + dropped,
    dropped,
    serializeMs: distribution(timings.map((b) => b.serializeMs)),
    transferMs: distribution(timings.map((b) => b.transferMs)),
    applyMs: distribution(timings.map((b) => b.applyMs)),
    ackMs: distribution(timings.map((b) => b.ackMs)),
    slowest: [...timings]
      .sort((a, b) => batchMs(b) - batchMs(a))
      .slice(0, LISTED)
      .map((b) => ({
        t: round(b.t),
        slot: b.slot,
        target: shardOfWorker[b.target] ?? b.target,
        keys: b.keys,
        bytes: b.bytes,
        serializeMs: round(b.serializeMs),
        transferMs: round(b.transferMs),
        applyMs: round(b.applyMs),
        ackMs: round(b.ackMs),
      })),
  };
}

export function lockWaitsOf(dumps: readonly ShardProfileDump[]): ProfileReport['lockWaits'] {
  const keys = dumps
    .flatMap((dump) => dump.lockKeys)
    .sort((a, b) => b.totalMs - a.totalMs)
    .slice(0, LISTED)
    .map((entry) => ({
      key: Buffer.from(entry.key, 'hex').toString('utf8'),
      keyHex: entry.key,
      slot: entry.slot,
      count: entry.count,
      totalMs: round(entry.totalMs),
      maxMs: round(entry.maxMs),
    }));
  return {
    count: dumps.reduce((a, d) => a + d.lockWaits.count, 0),
    totalMs: round(dumps.reduce((a, d) => a + d.lockWaits.totalMs, 0)),
    keys,
  };
}
