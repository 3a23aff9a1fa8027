// The timeline chart: throughput (left axis), and p50/p99/max latency on a log scale (right
// axis), with each moving slot's interval shaded.

import type { ProfileReport } from '../report/types.js';
import {
  axisText,
  decadeLabel,
  fmt,
  niceMax,
  PLOT_BOTTOM,
  PLOT_LEFT,
  PLOT_RIGHT,
  PLOT_TOP,
  path,
  shardColor,
  svg,
  type TimeChart,
  timeChart,
  WIDTH,
} from './svg.js';

const HEIGHT = 320;

type Bucket = ProfileReport['timeline'][number];

export function timelineSvg(report: ProfileReport): string {
  const chart = timeChart(report, HEIGHT);
  const { plotHeight } = chart;
  const rateMax = niceMax(Math.max(...report.timeline.map((b) => b.opsPerSecond), 1));
  const yRate = (rate: number): number => PLOT_TOP + plotHeight - (rate / rateMax) * plotHeight;
  const latencies = report.timeline
    .flatMap((b) => [b.p50Ms, b.p99Ms, b.maxMs])
    .filter((v): v is number => v !== null && v > 0);
  const logMin = Math.floor(Math.log10(Math.max(Math.min(...latencies, 1), 0.001)));
  const logMax = Math.ceil(Math.log10(Math.max(...latencies, 1)));
  const logSpan = Math.max(logMax - logMin, 1);
  const yLatency = (ms: number): number =>
    PLOT_TOP +
    plotHeight -
    ((Math.log10(Math.max(ms, 10 ** logMin)) - logMin) / logSpan) * plotHeight;
  const mid = (t: number): number => chart.x(t + report.bucketMs / 2);
  const series = (pick: (b: Bucket) => number | null, scale: (v: number) => number): string =>
    path(report.timeline.flatMap((b) => (pick(b) === null ? [] : [[mid(b.t), scale(pick(b)!)]])));

  const parts = [...migrationBands(report, chart), ...failoverBands(report, chart)];
  // Axes and grid.
  for (let i = 0; i <= 4; i++) {
    const rate = (rateMax * i) / 4;
    const y = yRate(rate).toFixed(1);
    const right = WIDTH - PLOT_RIGHT;
    parts.push(`<line class="grid" x1="${PLOT_LEFT}" x2="${right}" y1="${y}" y2="${y}"/>`);
    const labelY = (yRate(rate) + 4).toFixed(1);
    parts.push(axisText(PLOT_LEFT - 6, labelY, fmt(rate), ' text-anchor="end"'));
  }
  for (let e = logMin; e <= logMax; e++) {
    const labelY = (yLatency(10 ** e) + 4).toFixed(1);
    parts.push(axisText(WIDTH - PLOT_RIGHT + 6, labelY, decadeLabel(e)));
  }
  parts.push(...timeTicks(chart));
  parts.push(axisText(PLOT_LEFT, 12, 'ops/s'));
  parts.push(axisText(WIDTH - PLOT_RIGHT, 12, 'latency (log)', ' text-anchor="end"'));
  parts.push(`<path class="throughput" d="${series((b) => b.opsPerSecond, yRate)}"/>`);
  parts.push(`<path class="latency p50" d="${series((b) => b.p50Ms, yLatency)}"/>`);
  parts.push(`<path class="latency p99" d="${series((b) => b.p99Ms, yLatency)}"/>`);
  parts.push(`<path class="latency max" d="${series((b) => b.maxMs, yLatency)}"/>`);
  parts.push(...legend());
  return svg('timeline', HEIGHT, 'throughput and latency over time', parts);
}

/** Migration intervals, one translucent band per moving slot, coloured by target shard. */
function migrationBands(report: ProfileReport, chart: TimeChart): string[] {
  return report.migrations.map((move) => {
    const left = chart.x(move.startMs);
    const right = Math.max(chart.x(move.endMs), left + 1);
    const title =
      `slot ${move.slot}: shard ${move.source} → ${move.target}, ` +
      `${move.keys} keys, ${move.outcome}`;
    return (
      `<rect class="migration" data-slot="${move.slot}" x="${left.toFixed(1)}" y="${PLOT_TOP}" ` +
      `width="${(right - left).toFixed(1)}" height="${chart.plotHeight}" ` +
      `fill="${shardColor(move.target)}" fill-opacity="0.12"><title>${title}</title></rect>`
    );
  });
}

/** Failover windows: from a primary's death to its replica's takeover, one red band each. */
function failoverBands(report: ProfileReport, chart: TimeChart): string[] {
  return report.failovers.map((failover) => {
    const left = chart.x(failover.startMs);
    const right = Math.max(chart.x(failover.endMs), left + 2);
    const title =
      `shard ${failover.shard} failed over: worker ${failover.from} died, ` +
      (failover.to < 0 ? 'no replica could take over' : `worker ${failover.to} took over`);
    return (
      `<rect class="failover" data-shard="${failover.shard}" x="${left.toFixed(1)}" ` +
      `y="${PLOT_TOP}" width="${(right - left).toFixed(1)}" height="${chart.plotHeight}" ` +
      `fill="#e15759" fill-opacity="0.3"><title>${title}</title></rect>`
    );
  });
}

/** Seconds along the time axis. */
function timeTicks(chart: TimeChart): string[] {
  const ticks = 8;
  const parts: string[] = [];
  for (let i = 0; i <= ticks; i++) {
    const ms = (chart.duration * i) / ticks;
    const digits = chart.duration < 2_000 ? 2 : chart.duration < 20_000 ? 1 : 0;
    const label = `${(ms / 1000).toFixed(digits)} s`;
    const y = HEIGHT - PLOT_BOTTOM + 16;
    parts.push(axisText(chart.x(ms).toFixed(1), y, label, ' text-anchor="middle"'));
  }
  return parts;
}

function legend(): string[] {
  const entries = [
    ['throughput (ops/s, left)', 'throughput'],
    ['p50', 'p50'],
    ['p99', 'p99'],
    ['max', 'max'],
  ];
  const parts: string[] = [];
  entries.forEach(([label, cls], i) => {
    const lx = PLOT_LEFT + 10 + i * 170;
    const y = HEIGHT - 10;
    parts.push(`<line class="legend ${cls}" x1="${lx}" x2="${lx + 24}" y1="${y}" y2="${y}"/>`);
    parts.push(axisText(lx + 30, HEIGHT - 6, label!));
  });
  parts.push(axisText(PLOT_LEFT + 4 * 170, HEIGHT - 6, 'shaded: a slot moving (red: a failover)'));
  return parts;
}
