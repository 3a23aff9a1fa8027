// The report's tables: causes, stalled keys and slots, lock waits, batch timings, the slowest
// operations and the slots moved, each with the note that goes above it.

import type { ProfileReport } from '../report/types.js';
import { SLOW_SEGMENTS } from '../slab.js';
import { escapeHtml, fmt } from './svg.js';

function table(id: string, headers: string[], rows: (string | number)[][]): string {
  if (rows.length === 0) return `<p class="empty" id="${id}">none</p>`;
  const head = headers.map((h) => `<th>${escapeHtml(h)}</th>`).join('');
  const cells = (row: (string | number)[]): string =>
    row.map((cell) => `<td>${escapeHtml(String(cell))}</td>`).join('');
  const body = rows.map((row) => `<tr>${cells(row)}</tr>`).join('');
  return `<table id="${id}"><thead><tr>${head}</tr></thead><tbody>${body}</tbody></table>`;
}

export function causesTable(report: ProfileReport): string {
  return table(
    'causes',
    ['cause', 'slow ops', 'time lost (ms)', 'share', 'meaning'],
    report.causes.map((c) => [
      c.cause,
      fmt(c.slowOps),
      fmt(c.lostMs, 1),
      `${(c.share * 100).toFixed(1)}%`,
      c.description,
    ]),
  );
}

export function stalledKeysTable(report: ProfileReport): string {
  return table(
    'stalled-keys',
    ['key', 'slot', 'slow ops', 'time lost (ms)', 'max (ms)', 'main cause'],
    report.stalledKeys
      .slice(0, 20)
      .map((k) => [k.key, k.slot ?? '–', k.slowOps, fmt(k.lostMs, 1), fmt(k.maxMs, 1), k.cause]),
  );
}

export function stalledSlotsTable(report: ProfileReport): string {
  return table(
    'stalled-slots',
    ['slot', 'slow ops', 'time lost (ms)', 'lock waits (ms)'],
    report.stalledSlots
      .slice(0, 20)
      .map((s) => [s.slot, s.slowOps, fmt(s.lostMs, 1), fmt(s.lockWaitMs, 1)]),
  );
}

export function lockWaitsSection(report: ProfileReport): string {
  const waits = report.lockWaits;
  return (
    `<p class="note">${fmt(waits.count)} requests waited at a migration source, ` +
    `${fmt(waits.totalMs, 1)} ms in all.</p>\n` +
    table(
      'lock-keys',
      ['key', 'slot', 'waits', 'total (ms)', 'max (ms)'],
      waits.keys
        .slice(0, 20)
        .map((k) => [k.key, k.slot, k.count, fmt(k.totalMs, 2), fmt(k.maxMs, 2)]),
    )
  );
}

export function batchesSection(report: ProfileReport): string {
  const b = report.batches;
  const dropped = b.dropped > 0 ? ` (${fmt(b.dropped)} beyond the kept timings)` : '';
  const phases = ['serializeMs', 'transferMs', 'applyMs', 'ackMs'] as const;
  return (
    `<p class="note">${fmt(b.count)} batches${dropped}.</p>\n` +
    table(
      'batch-timings',
      ['phase', 'p50 (ms)', 'p99 (ms)', 'max (ms)', 'total (ms)'],
      phases.map((key) => [
        key.replace('Ms', ''),
        fmt(b[key].p50, 3),
        fmt(b[key].p99, 3),
        fmt(b[key].max, 3),
        fmt(b[key].total, 1),
      ]),
    )
  );
}

/** The segments the table shows, in the order an operation went through them ('other' aside). */
const SLOW_OP_SEGMENTS = SLOW_SEGMENTS.filter((segment) => segment !== 'other');

export function slowOpsTable(report: ProfileReport): string {
  return table(
    'slow-ops',
    [
      'at (s)',
      'latency (ms)',
      'key',
      'slot',
      'cause',
      'fence',
      'queue',
      'lock wait',
      'redirect',
    ].concat(['execution', 'reply staged', 'reply read']),
    report.slowOps
      .slice(0, 25)
      .map((op) => [
        fmt(op.t / 1000, 3),
        fmt(op.latencyMs, 2),
        op.key,
        op.slot ?? '–',
        op.cause,
        ...SLOW_OP_SEGMENTS.map((segment) => fmt(op.segments[segment], 2)),
      ]),
  );
}

export function migrationsSection(report: ProfileReport): string {
  return (
    `<p class="note">${fmt(report.migrations.length)} slot moves; ` +
    `${fmt(report.summary.keysPerSecond)} keys/s over the migration.</p>\n` +
    table(
      'migrations',
      ['slot', 'from', 'to', 'lock', 'start (s)', 'end (s)', 'keys', 'batches', 'outcome'],
      report.migrations
        .slice(0, 30)
        .map((m) => [
          m.slot,
          m.source,
          m.target,
          m.lock,
          fmt(m.startMs / 1000, 3),
          fmt(m.endMs / 1000, 3),
          m.keys,
          m.batches,
          m.outcome,
        ]),
    )
  );
}

export function failoversTable(report: ProfileReport): string {
  return table(
    'failovers',
    ['shard', 'worker that died', 'took over', 'from (s)', 'to (s)', 'offset', 'planned'],
    report.failovers.map((f) => [
      f.shard,
      f.from,
      f.to < 0 ? 'none' : f.to,
      fmt(f.startMs / 1000, 3),
      fmt(f.endMs / 1000, 3),
      fmt(f.offset),
      f.planned ? 'yes' : 'no',
    ]),
  );
}
