// What explains the slow operations in a report: the causes ranked by the time they lost, the
// slots and keys that stalled most, and the slowest operations themselves.

import type { ShardProfileDump } from '../../shared/timing-layout.js';
import { CAUSE_COUNT, CAUSE_DESCRIPTIONS, CAUSE_NAMES } from '../causes.js';
import { round } from '../histogram.js';
import type { SlowOp } from '../slab.js';
import type { MergedClients } from './merge.js';
import { LISTED, type ProfileReport } from './types.js';

/** Hash slots; a command without a key (PING, DBSIZE) has none, and is reported with slot null. */
const SLOTS = 16384;
const slotOrNull = (slot: number): number | null => (slot < SLOTS ? slot : null);

function keyText(key: Buffer): string {
  return key.toString('utf8');
}

export function causesOf(merged: MergedClients): ProfileReport['causes'] {
  const totalLost = merged.causeMs.reduce((a, b) => a + b, 0);
  return CAUSE_NAMES.map((cause, c) => ({
    cause,
    description: CAUSE_DESCRIPTIONS[cause],
    slowOps: merged.causeCounts[c]!,
    lostMs: round(merged.causeMs[c]!),
    share: totalLost === 0 ? 0 : round(merged.causeMs[c]! / totalLost),
  }))
    .filter((entry) => entry.slowOps > 0)
    .sort((a, b) => b.lostMs - a.lostMs);
}

export function stalledSlotsOf(
  slowOps: readonly SlowOp[],
  dumps: readonly ShardProfileDump[],
): ProfileReport['stalledSlots'] {
  const bySlot = new Map<number, { slowOps: number; lostMs: number }>();
  for (const op of slowOps) {
    const entry = bySlot.get(op.slot) ?? { slowOps: 0, lostMs: 0 };
    entry.slowOps++;
    entry.lostMs += op.latencyMs;
    bySlot.set(op.slot, entry);
  }
  const lockWaitMsBySlot = new Map<number, number>();
  for (const entry of dumps.flatMap((dump) => dump.lockKeys)) {
    lockWaitMsBySlot.set(entry.slot, (lockWaitMsBySlot.get(entry.slot) ?? 0) + entry.totalMs);
  }
  const slots = new Set(
    [...bySlot.keys(), ...lockWaitMsBySlot.keys()].filter((slot) => slot < SLOTS),
  );
  return [...slots]
    .map((slot) => ({
      slot,
      slowOps: bySlot.get(slot)?.slowOps ?? 0,
      lostMs: round(bySlot.get(slot)?.lostMs ?? 0),
      lockWaitMs: round(lockWaitMsBySlot.get(slot) ?? 0),
    }))
    .sort((a, b) => b.lostMs + b.lockWaitMs - (a.lostMs + a.lockWaitMs))
    .slice(0, LISTED);
}

interface KeyStalls {
  readonly key: Buffer;
  readonly slot: number;
  slowOps: number;
  lostMs: number;
  maxMs: number;
  /** Ms lost, by cause. */
  readonly causes: number[];
}

export function stalledKeysOf(slowOps: readonly SlowOp[]): ProfileReport['stalledKeys'] {
  const byKey = new Map<string, KeyStalls>();
  for (const op of slowOps) {
    const id = op.key.toString('hex');
    let entry = byKey.get(id);
    if (entry === undefined) {
      const causes = new Array<number>(CAUSE_COUNT).fill(0);
      entry = { key: op.key, slot: op.slot, slowOps: 0, lostMs: 0, maxMs: 0, causes };
      byKey.set(id, entry);
    }
    entry.slowOps++;
    entry.lostMs += op.latencyMs;
    entry.maxMs = Math.max(entry.maxMs, op.latencyMs);
    entry.causes[op.cause]! += op.latencyMs;
  }
  return [...byKey.values()]
    .sort((a, b) => b.lostMs - a.lostMs)
    .slice(0, LISTED)
    .map((entry) => ({
      key: keyText(entry.key),
      keyHex: entry.key.toString('hex'),
      slot: slotOrNull(entry.slot),
      slowOps: entry.slowOps,
      lostMs: round(entry.lostMs),
      maxMs: round(entry.maxMs),
      cause: CAUSE_NAMES[entry.causes.indexOf(Math.max(...entry.causes))]!,
    }));
}

export function slowestOf(slowOps: readonly SlowOp[]): ProfileReport['slowOps'] {
  return [...slowOps]
    .sort((a, b) => b.latencyMs - a.latencyMs)
    .slice(0, LISTED)
    .map((op) => ({
      t: round(op.t),
      latencyMs: round(op.latencyMs),
      key: keyText(op.key),
      keyHex: op.key.toString('hex'),
      slot: slotOrNull(op.slot),
      cause: CAUSE_NAMES[op.cause]!,
      segments: Object.fromEntries(
        Object.entries(op.segments).map(([k, v]) => [k, round(v)]),
      ) as SlowOp['segments'],
    }));
}
