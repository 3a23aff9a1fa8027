// The profile report as one self-contained HTML page: inline CSS and inline SVG charts generated
// here, no script and nothing fetched, so it opens from disk anywhere. A timeline (throughput, and
// p50/p99/max latency on a log scale, with each moving slot's interval shaded), the latency
// histogram before, during and after migration, each shard's busy time, and tables of causes,
// stalled keys and slots, batch timings and the slowest operations.

import type { ProfileReport } from '../report/types.js';
import { busySvg } from './busy.js';
import { histogramSvg } from './histogram.js';
import { pacingSvg } from './pacing.js';
import { escapeHtml, fmt } from './svg.js';
import {
  batchesSection,
  causesTable,
  failoversTable,
  lockWaitsSection,
  migrationsSection,
  slowOpsTable,
  stalledKeysTable,
  stalledSlotsTable,
} from './tables.js';
import { timelineSvg } from './timeline.js';

const STYLE = [
  'body { font: 14px/1.4 system-ui, sans-serif; margin: 24px; color: #222; max-width: 1000px; }',
  'h1 { font-size: 20px; } h2 { font-size: 16px; margin-top: 28px; }',
  '.tiles { display: grid; grid-template-columns: repeat(4, 1fr); gap: 8px; }',
  '.tile { background: #f4f6f8; border-radius: 6px; padding: 8px 10px; }',
  '.tile .label { font-size: 12px; color: #555; } ' +
    '.tile .value { font-size: 16px; font-weight: 600; }',
  'svg { background: #fff; border: 1px solid #ddd; border-radius: 4px; }',
  '.axis { font-size: 11px; fill: #555; } .grid { stroke: #eee; }',
  '.throughput { fill: none; stroke: #222; stroke-width: 2; }',
  '.latency { fill: none; stroke-width: 1.5; } .p50 { stroke: #4e79a7; } ' +
    '.p99 { stroke: #f28e2b; } .max { stroke: #e15759; stroke-dasharray: 4 3; }',
  '.legend { stroke-width: 3; } .legend.throughput { stroke: #222; }',
  '.migrated { fill: none; stroke: #f28e2b; stroke-width: 1.5; } .pace { fill: none; stroke-width: 1.5; }',
  '.busy { fill: none; stroke-width: 1.5; }',
  'table { border-collapse: collapse; margin: 6px 0; font-size: 13px; } ' +
    'th, td { border-bottom: 1px solid #e4e4e4; padding: 3px 8px; text-align: right; }',
  'th:first-child, td:first-child { text-align: left; } th { background: #f4f6f8; }',
  '.note { color: #555; font-size: 12px; }',
].join('\n');

/** The headline figures, as tiles at the top of the page. */
function tiles(report: ProfileReport): string {
  const s = report.summary;
  const moved = `${fmt(s.migratedKeys)} keys in ${fmt(s.migrationMs / 1000, 2)} s`;
  const slow = `${fmt(report.totals.slowOps)} of ${fmt(report.totals.ops)}`;
  const entries = [
    ['throughput before', `${fmt(s.opsPerSecondBefore)} ops/s`],
    ['throughput during migration', `${fmt(s.opsPerSecondDuring)} ops/s`],
    ['throughput after', `${fmt(s.opsPerSecondAfter)} ops/s`],
    ['p99 during migration', `${fmt(s.p99DuringMs, 2)} ms`],
    ['max during migration', `${fmt(s.maxDuringMs, 2)} ms`],
    ['longest lock wait', `${fmt(s.lockWaitMaxMs, 2)} ms`],
    ['slots moved', `${fmt(s.migratedSlots)} (${moved})`],
    ['slow operations', `${slow} (≥ ${report.thresholdMs} ms)`],
  ];
  const tile = ([label, value]: string[]): string =>
    `<div class="tile"><div class="label">${escapeHtml(label!)}</div>` +
    `<div class="value">${escapeHtml(value!)}</div></div>`;
  return `<div class="tiles">${entries.map(tile).join('')}</div>`;
}

/** When and where the profile ran. */
function note(report: ProfileReport): string {
  const m = report.machine;
  return (
    `<p class="note">${escapeHtml(report.startedAt)} · ${fmt(report.durationMs / 1000, 1)} s in ` +
    `${report.bucketMs} ms buckets · ${report.shards} shards, ${report.clients} client ` +
    `thread(s) · ${m.cores} cores (${escapeHtml(m.cpu)}), Node ${escapeHtml(m.node)}</p>`
  );
}

export function renderProfileHtml(report: ProfileReport): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>slotdb migration profile</title>
<style>
${STYLE}
</style></head><body>
<h1>slotdb migration stall profile</h1>
${note(report)}
${tiles(report)}
<h2>Throughput and latency over time</h2>
${timelineSvg(report)}
<h2>Migration pace (dashed: each shard's share of a core for migration work; 100%: unpaced)</h2>
${pacingSvg(report)}
<h2>Latency before, during and after migration</h2>
${histogramSvg(report)}
<h2>Shard busy time (dashed: replicas)</h2>
${busySvg(report)}
<h2>Causes of slow operations (ranked by time lost)</h2>
${causesTable(report)}
<h2>Most stalled keys</h2>
${stalledKeysTable(report)}
<h2>Most stalled slots</h2>
${stalledSlotsTable(report)}
<h2>Key-lock waits</h2>
${lockWaitsSection(report)}
<h2>Batches</h2>
${batchesSection(report)}
<h2>Slowest operations</h2>
${slowOpsTable(report)}
<h2>Slots moved</h2>
${migrationsSection(report)}
<h2>Failovers</h2>
${failoversTable(report)}
</body></html>
`;
}
