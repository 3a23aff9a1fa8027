// The profile report as one self-contained HTML page: inline CSS and inline SVG charts generated
// here, no script and nothing fetched, so it opens from disk anywhere. A timeline (throughput, and
// p50/p99/max latency on a log scale, with each moving slot's interval shaded), the latency
// histogram before, during and after migration, each shard's busy time, and tables of causes,
// stalled keys and slots, batch timings and the slowest operations.

import type { ProfileReport } from '../report/types.js';

const WIDTH = 960;
const PLOT_LEFT = 70;
const PLOT_RIGHT = 70;
const PLOT_TOP = 20;
const PLOT_BOTTOM = 40;
const SHARD_COLORS = ['#4e79a7', '#f28e2b', '#59a14f', '#e15759', '#76b7b2', '#edc948', '#b07aa1', '#ff9da7'];
/** Histogram bars per octave of latency in the chart. */
const CHART_BINS_PER_OCTAVE = 4;
const PHASE_COLORS = { before: '#4e79a7', during: '#e15759', after: '#59a14f' } as const;

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

const fmt = (n: number | null, digits = 0): string =>
  n === null ? '–' : n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });

function niceMax(value: number): number {
  if (value <= 0) return 1;
  const power = 10 ** Math.floor(Math.log10(value));
  for (const step of [1, 2, 2.5, 5, 10]) if (value <= step * power) return step * power;
  return 10 * power;
}

function path(points: [number, number][]): string {
  return points.map(([x, y], i) => `${i === 0 ? 'M' : 'L'}${x.toFixed(1)},${y.toFixed(1)}`).join('');
}

/** A chart `height` px high over the profile's time: its plot height, duration, and the x of a time (ms). */
function timeChart(report: ProfileReport, height: number): { plotHeight: number; duration: number; x: (ms: number) => number } {
  const plotWidth = WIDTH - PLOT_LEFT - PLOT_RIGHT;
  const plotHeight = height - PLOT_TOP - PLOT_BOTTOM;
  const duration = Math.max(report.durationMs, report.bucketMs);
  return { plotHeight, duration, x: (ms) => PLOT_LEFT + (Math.min(ms, duration) / duration) * plotWidth };
}

function timelineSvg(report: ProfileReport): string {
  const height = 320;
  const { plotHeight, duration, x } = timeChart(report, height);
  const rateMax = niceMax(Math.max(...report.timeline.map((b) => b.opsPerSecond), 1));
  const yRate = (rate: number): number => PLOT_TOP + plotHeight - (rate / rateMax) * plotHeight;
  const latencies = report.timeline.flatMap((b) => [b.p50Ms, b.p99Ms, b.maxMs]).filter((v): v is number => v !== null && v > 0);
  const logMin = Math.floor(Math.log10(Math.max(Math.min(...latencies, 1), 0.001)));
  const logMax = Math.ceil(Math.log10(Math.max(...latencies, 1)));
  const yLatency = (ms: number): number => PLOT_TOP + plotHeight - ((Math.log10(Math.max(ms, 10 ** logMin)) - logMin) / Math.max(logMax - logMin, 1)) * plotHeight;
  const mid = (t: number): number => x(t + report.bucketMs / 2);
  const series = (pick: (b: ProfileReport['timeline'][number]) => number | null, scale: (v: number) => number): string =>
    path(report.timeline.flatMap((b) => (pick(b) === null ? [] : [[mid(b.t), scale(pick(b)!)] as [number, number]])));

  const parts: string[] = [];
  // Migration intervals, one translucent band per moving slot, coloured by target shard.
  for (const move of report.migrations) {
    const left = x(move.startMs);
    const right = Math.max(x(move.endMs), left + 1);
    parts.push(
      `<rect class="migration" data-slot="${move.slot}" x="${left.toFixed(1)}" y="${PLOT_TOP}" width="${(right - left).toFixed(1)}" height="${plotHeight}" fill="${SHARD_COLORS[move.target % SHARD_COLORS.length]}" fill-opacity="0.12"><title>slot ${move.slot}: shard ${move.source} → ${move.target}, ${move.keys} keys, ${move.outcome}</title></rect>`,
    );
  }
  // Axes and grid.
  for (let i = 0; i <= 4; i++) {
    const rate = (rateMax * i) / 4;
    const y = yRate(rate);
    parts.push(`<line class="grid" x1="${PLOT_LEFT}" x2="${WIDTH - PLOT_RIGHT}" y1="${y.toFixed(1)}" y2="${y.toFixed(1)}"/>`);
    parts.push(`<text class="axis" x="${PLOT_LEFT - 6}" y="${(y + 4).toFixed(1)}" text-anchor="end">${fmt(rate)}</text>`);
  }
  for (let e = logMin; e <= logMax; e++) {
    parts.push(`<text class="axis" x="${WIDTH - PLOT_RIGHT + 6}" y="${(yLatency(10 ** e) + 4).toFixed(1)}">${10 ** e >= 1 ? fmt(10 ** e) : (10 ** e).toString()} ms</text>`);
  }
  const ticks = 8;
  for (let i = 0; i <= ticks; i++) {
    const ms = (duration * i) / ticks;
    const digits = duration < 2_000 ? 2 : duration < 20_000 ? 1 : 0;
    parts.push(`<text class="axis" x="${x(ms).toFixed(1)}" y="${height - PLOT_BOTTOM + 16}" text-anchor="middle">${(ms / 1000).toFixed(digits)} s</text>`);
  }
  parts.push(`<text class="axis" x="${PLOT_LEFT}" y="12">ops/s</text>`);
  parts.push(`<text class="axis" x="${WIDTH - PLOT_RIGHT}" y="12" text-anchor="end">latency (log)</text>`);
  parts.push(`<path class="throughput" d="${series((b) => b.opsPerSecond, yRate)}"/>`);
  parts.push(`<path class="latency p50" d="${series((b) => b.p50Ms, yLatency)}"/>`);
  parts.push(`<path class="latency p99" d="${series((b) => b.p99Ms, yLatency)}"/>`);
  parts.push(`<path class="latency max" d="${series((b) => b.maxMs, yLatency)}"/>`);
  const legend = [
    ['throughput (ops/s, left)', 'throughput'],
    ['p50', 'p50'],
    ['p99', 'p99'],
    ['max', 'max'],
  ];
  legend.forEach(([label, cls], i) => {
    const lx = PLOT_LEFT + 10 + i * 170;
    parts.push(`<line class="legend ${cls}" x1="${lx}" x2="${lx + 24}" y1="${height - 10}" y2="${height - 10}"/>`);
    parts.push(`<text class="axis" x="${lx + 30}" y="${height - 6}">${label}</text>`);
  });
  parts.push(`<text class="axis" x="${PLOT_LEFT + 4 * 170}" y="${height - 6}">shaded: a slot moving</text>`);
  return `<svg id="timeline" viewBox="0 0 ${WIDTH} ${height}" width="${WIDTH}" height="${height}" role="img" aria-label="throughput and latency over time">${parts.join('')}</svg>`;
}

function histogramSvg(report: ProfileReport): string {
  const height = 260;
  const plotWidth = WIDTH - PLOT_LEFT - PLOT_RIGHT;
  const plotHeight = height - PLOT_TOP - PLOT_BOTTOM;
  const phases = (['before', 'during', 'after'] as const).map((name) => {
    const phase = report.phases[name];
    const total = Math.max(phase.ops, 1);
    // The report's bins are 16 per octave; the chart groups them 4 per octave to stay readable.
    const grouped = new Map<number, number>();
    for (const bin of phase.histogram) {
      const group = Math.ceil(Math.log2(bin.upToMs * 1000) * CHART_BINS_PER_OCTAVE - 1e-9);
      grouped.set(group, (grouped.get(group) ?? 0) + bin.count);
    }
    return {
      name,
      bins: [...grouped].map(([group, count]) => ({ upToMs: Number((2 ** (group / CHART_BINS_PER_OCTAVE) / 1000).toPrecision(3)), share: count / total })),
    };
  });
  const edges = phases.flatMap((p) => p.bins.map((b) => b.upToMs));
  const logMin = Math.floor(Math.log10(Math.max(Math.min(...edges, 1), 0.001)));
  const logMax = Math.ceil(Math.log10(Math.max(...edges, 1)));
  const x = (ms: number): number => PLOT_LEFT + ((Math.log10(ms) - logMin) / Math.max(logMax - logMin, 1)) * plotWidth;
  const shareMax = niceMax(Math.max(...phases.flatMap((p) => p.bins.map((b) => b.share)), 0.01));
  const y = (share: number): number => PLOT_TOP + plotHeight - (share / shareMax) * plotHeight;
  const parts: string[] = [];
  const barWidth = Math.max(2, plotWidth / ((logMax - logMin) * CHART_BINS_PER_OCTAVE * 3.5));
  phases.forEach((phase, p) => {
    for (const bin of phase.bins) {
      const left = x(bin.upToMs) - barWidth * 1.5 + p * barWidth;
      parts.push(
        `<rect class="bar ${phase.name}" x="${left.toFixed(1)}" y="${y(bin.share).toFixed(1)}" width="${barWidth.toFixed(1)}" height="${(PLOT_TOP + plotHeight - y(bin.share)).toFixed(1)}" fill="${PHASE_COLORS[phase.name]}"><title>${phase.name}: ${(bin.share * 100).toFixed(2)}% up to ${bin.upToMs} ms</title></rect>`,
      );
    }
  });
  for (let e = logMin; e <= logMax; e++) {
    parts.push(`<text class="axis" x="${x(10 ** e).toFixed(1)}" y="${height - PLOT_BOTTOM + 16}" text-anchor="middle">${10 ** e >= 1 ? fmt(10 ** e) : (10 ** e).toString()} ms</text>`);
  }
  for (let i = 0; i <= 4; i++) {
    const share = (shareMax * i) / 4;
    parts.push(`<text class="axis" x="${PLOT_LEFT - 6}" y="${(y(share) + 4).toFixed(1)}" text-anchor="end">${(share * 100).toFixed(0)}%</text>`);
  }
  phases.forEach((phase, i) => {
    const lx = PLOT_LEFT + 10 + i * 220;
    parts.push(`<rect x="${lx}" y="${height - 16}" width="14" height="10" fill="${PHASE_COLORS[phase.name]}"/>`);
    parts.push(`<text class="axis" x="${lx + 20}" y="${height - 6}">${phase.name} migration (${fmt(report.phases[phase.name].ops)} ops)</text>`);
  });
  return `<svg id="histogram" viewBox="0 0 ${WIDTH} ${height}" width="${WIDTH}" height="${height}" role="img" aria-label="latency histogram before, during and after migration">${parts.join('')}</svg>`;
}

function busySvg(report: ProfileReport): string {
  const height = 180;
  const { plotHeight, x } = timeChart(report, height);
  const y = (fraction: number): number => PLOT_TOP + plotHeight - fraction * plotHeight;
  const parts: string[] = [];
  for (let shard = 0; shard < report.shards; shard++) {
    const points = report.timeline.flatMap((b) => {
      const busy = b.shardBusy[shard];
      return busy === null || busy === undefined ? [] : [[x(b.t + report.bucketMs / 2), y(busy)] as [number, number]];
    });
    if (points.length === 0) continue; // no record of this shard (it died or closed)
    parts.push(`<path class="busy" data-shard="${shard}" d="${path(points)}" stroke="${SHARD_COLORS[shard % SHARD_COLORS.length]}"/>`);
    parts.push(`<text class="axis" x="${PLOT_LEFT + 10 + shard * 90}" y="${height - 6}" fill="${SHARD_COLORS[shard % SHARD_COLORS.length]}">shard ${shard}</text>`);
  }
  for (const share of [0, 0.5, 1]) parts.push(`<text class="axis" x="${PLOT_LEFT - 6}" y="${(y(share) + 4).toFixed(1)}" text-anchor="end">${share * 100}%</text>`);
  return `<svg id="busy" viewBox="0 0 ${WIDTH} ${height}" width="${WIDTH}" height="${height}" role="img" aria-label="shard busy time">${parts.join('')}</svg>`;
}

function table(id: string, headers: string[], rows: (string | number)[][]): string {
  if (rows.length === 0) return `<p class="empty" id="${id}">none</p>`;
  const head = headers.map((h) => `<th>${escapeHtml(h)}</th>`).join('');
  const body = rows.map((row) => `<tr>${row.map((cell) => `<td>${escapeHtml(String(cell))}</td>`).join('')}</tr>`).join('');
  return `<table id="${id}"><thead><tr>${head}</tr></thead><tbody>${body}</tbody></table>`;
}

export function renderProfileHtml(report: ProfileReport): string {
  const s = report.summary;
  const tiles = [
    ['throughput before', `${fmt(s.opsPerSecondBefore)} ops/s`],
    ['throughput during migration', `${fmt(s.opsPerSecondDuring)} ops/s`],
    ['throughput after', `${fmt(s.opsPerSecondAfter)} ops/s`],
    ['p99 during migration', `${fmt(s.p99DuringMs, 2)} ms`],
    ['max during migration', `${fmt(s.maxDuringMs, 2)} ms`],
    ['longest lock wait', `${fmt(s.lockWaitMaxMs, 2)} ms`],
    ['slots moved', `${fmt(s.migratedSlots)} (${fmt(s.migratedKeys)} keys in ${fmt(s.migrationMs / 1000, 2)} s)`],
    ['slow operations', `${fmt(report.totals.slowOps)} of ${fmt(report.totals.ops)} (≥ ${report.thresholdMs} ms)`],
  ];
  const b = report.batches;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>slotdb migration profile</title>
<style>
body { font: 14px/1.4 system-ui, sans-serif; margin: 24px; color: #222; max-width: 1000px; }
h1 { font-size: 20px; } h2 { font-size: 16px; margin-top: 28px; }
.tiles { display: grid; grid-template-columns: repeat(4, 1fr); gap: 8px; }
.tile { background: #f4f6f8; border-radius: 6px; padding: 8px 10px; }
.tile .label { font-size: 12px; color: #555; } .tile .value { font-size: 16px; font-weight: 600; }
svg { background: #fff; border: 1px solid #ddd; border-radius: 4px; }
.axis { font-size: 11px; fill: #555; } .grid { stroke: #eee; }
.throughput { fill: none; stroke: #222; stroke-width: 2; }
.latency { fill: none; stroke-width: 1.5; } .p50 { stroke: #4e79a7; } .p99 { stroke: #f28e2b; } .max { stroke: #e15759; stroke-dasharray: 4 3; }
.legend { stroke-width: 3; } .legend.throughput { stroke: #222; }
.busy { fill: none; stroke-width: 1.5; }
table { border-collapse: collapse; margin: 6px 0; font-size: 13px; } th, td { border-bottom: 1px solid #e4e4e4; padding: 3px 8px; text-align: right; }
th:first-child, td:first-child { text-align: left; } th { background: #f4f6f8; }
.note { color: #555; font-size: 12px; }
</style></head><body>
<h1>slotdb migration stall profile</h1>
<p class="note">${escapeHtml(report.startedAt)} · ${fmt(report.durationMs / 1000, 1)} s in ${report.bucketMs} ms buckets · ${report.shards} shards, ${report.clients} client thread(s) · ${report.machine.cores} cores (${escapeHtml(report.machine.cpu)}), Node ${escapeHtml(report.machine.node)}</p>
<div class="tiles">${tiles.map(([label, value]) => `<div class="tile"><div class="label">${escapeHtml(label!)}</div><div class="value">${escapeHtml(value!)}</div></div>`).join('')}</div>
<h2>Throughput and latency over time</h2>
${timelineSvg(report)}
<h2>Latency before, during and after migration</h2>
${histogramSvg(report)}
<h2>Shard busy time</h2>
${busySvg(report)}
<h2>Causes of slow operations (ranked by time lost)</h2>
${table('causes', ['cause', 'slow ops', 'time lost (ms)', 'share', 'meaning'], report.causes.map((c) => [c.cause, fmt(c.slowOps), fmt(c.lostMs, 1), `${(c.share * 100).toFixed(1)}%`, c.description]))}
<h2>Most stalled keys</h2>
${table('stalled-keys', ['key', 'slot', 'slow ops', 'time lost (ms)', 'max (ms)', 'main cause'], report.stalledKeys.slice(0, 20).map((k) => [k.key, k.slot ?? '–', k.slowOps, fmt(k.lostMs, 1), fmt(k.maxMs, 1), k.cause]))}
<h2>Most stalled slots</h2>
${table('stalled-slots', ['slot', 'slow ops', 'time lost (ms)', 'lock waits (ms)'], report.stalledSlots.slice(0, 20).map((s) => [s.slot, s.slowOps, fmt(s.lostMs, 1), fmt(s.lockWaitMs, 1)]))}
<h2>Key-lock waits</h2>
<p class="note">${fmt(report.lockWaits.count)} requests waited at a migration source, ${fmt(report.lockWaits.totalMs, 1)} ms in all.</p>
${table('lock-keys', ['key', 'slot', 'waits', 'total (ms)', 'max (ms)'], report.lockWaits.keys.slice(0, 20).map((k) => [k.key, k.slot, k.count, fmt(k.totalMs, 2), fmt(k.maxMs, 2)]))}
<h2>Batches</h2>
<p class="note">${fmt(b.count)} batches${b.dropped > 0 ? ` (${fmt(b.dropped)} beyond the kept timings)` : ''}.</p>
${table('batch-timings', ['phase', 'p50 (ms)', 'p99 (ms)', 'max (ms)', 'total (ms)'], (['serializeMs', 'transferMs', 'applyMs', 'ackMs'] as const).map((key) => [key.replace('Ms', ''), fmt(b[key].p50, 3), fmt(b[key].p99, 3), fmt(b[key].max, 3), fmt(b[key].total, 1)]))}
<h2>Slowest operations</h2>
${table(
  'slow-ops',
  ['at (s)', 'latency (ms)', 'key', 'slot', 'cause', 'fence', 'queue', 'lock wait', 'redirect', 'execution', 'reply staged', 'reply read'],
  report.slowOps.slice(0, 25).map((op) => [
    fmt(op.t / 1000, 3),
    fmt(op.latencyMs, 2),
    op.key,
    op.slot ?? '–',
    op.cause,
    ...(['fence', 'queue', 'wait', 'redirect', 'execution', 'staged', 'reply'] as const).map((segment) => fmt(op.segments[segment], 2)),
  ]),
)}
<h2>Slots moved</h2>
<p class="note">${fmt(report.migrations.length)} slot moves; ${fmt(s.keysPerSecond)} keys/s over the migration.</p>
${table('migrations', ['slot', 'from', 'to', 'lock', 'start (s)', 'end (s)', 'keys', 'batches', 'outcome'], report.migrations.slice(0, 30).map((m) => [m.slot, m.source, m.target, m.lock, fmt(m.startMs / 1000, 3), fmt(m.endMs / 1000, 3), m.keys, m.batches, m.outcome]))}
</body></html>
`;
}
