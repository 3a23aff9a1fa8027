// The latency histogram chart: the share of operations per latency bin before, during and after
// migration, side by side on a log scale of ms.

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
  svg,
  WIDTH,
} from './svg.js';

const HEIGHT = 260;
/** Histogram bars per octave of latency in the chart. */
const CHART_BINS_PER_OCTAVE = 4;
const PHASE_COLORS = { before: '#4e79a7', during: '#e15759', after: '#59a14f' } as const;
const PHASE_NAMES = ['before', 'during', 'after'] as const;

interface PhaseBars {
  readonly name: (typeof PHASE_NAMES)[number];
  readonly bins: { readonly upToMs: number; readonly share: number }[];
}

/** A phase's histogram as the chart's bars. */
function phaseBars(report: ProfileReport, name: PhaseBars['name']): PhaseBars {
  const phase = report.phases[name];
  const total = Math.max(phase.ops, 1);
  // The report's bins are 16 per octave; the chart groups them 4 per octave to stay readable.
  const grouped = new Map<number, number>();
  for (const bin of phase.histogram) {
    const group = Math.ceil(Math.log2(bin.upToMs * 1000) * CHART_BINS_PER_OCTAVE - 1e-9);
    grouped.set(group, (grouped.get(group) ?? 0) + bin.count);
  }
  const upToMs = (group: number): number =>
    Number((2 ** (group / CHART_BINS_PER_OCTAVE) / 1000).toPrecision(3));
  return {
    name,
    bins: [...grouped].map(([group, count]) => ({ upToMs: upToMs(group), share: count / total })),
  };
}

export function histogramSvg(report: ProfileReport): string {
  const plotWidth = WIDTH - PLOT_LEFT - PLOT_RIGHT;
  const plotHeight = HEIGHT - PLOT_TOP - PLOT_BOTTOM;
  const phases = PHASE_NAMES.map((name) => phaseBars(report, name));
  const edges = phases.flatMap((p) => p.bins.map((b) => b.upToMs));
  const logMin = Math.floor(Math.log10(Math.max(Math.min(...edges, 1), 0.001)));
  const logMax = Math.ceil(Math.log10(Math.max(...edges, 1)));
  const x = (ms: number): number =>
    PLOT_LEFT + ((Math.log10(ms) - logMin) / Math.max(logMax - logMin, 1)) * plotWidth;
  const shareMax = niceMax(Math.max(...phases.flatMap((p) => p.bins.map((b) => b.share)), 0.01));
  const y = (share: number): number => PLOT_TOP + plotHeight - (share / shareMax) * plotHeight;
  const parts: string[] = [];
  const barWidth = Math.max(2, plotWidth / ((logMax - logMin) * CHART_BINS_PER_OCTAVE * 3.5));
  phases.forEach((phase, p) => {
    for (const bin of phase.bins) {
      const left = x(bin.upToMs) - barWidth * 1.5 + p * barWidth;
      const title = `${phase.name}: ${(bin.share * 100).toFixed(2)}% up to ${bin.upToMs} ms`;
      parts.push(
        `<rect class="bar ${phase.name}" x="${left.toFixed(1)}" y="${y(bin.share).toFixed(1)}" ` +
          `width="${barWidth.toFixed(1)}" ` +
          `height="${(PLOT_TOP + plotHeight - y(bin.share)).toFixed(1)}" ` +
          `fill="${PHASE_COLORS[phase.name]}"><title>${title}</title></rect>`,
      );
    }
  });
  for (let e = logMin; e <= logMax; e++) {
    const labelY = HEIGHT - PLOT_BOTTOM + 16;
    parts.push(axisText(x(10 ** e).toFixed(1), labelY, decadeLabel(e), ' text-anchor="middle"'));
  }
  for (let i = 0; i <= 4; i++) {
    const share = (shareMax * i) / 4;
    const label = `${(share * 100).toFixed(0)}%`;
    parts.push(axisText(PLOT_LEFT - 6, (y(share) + 4).toFixed(1), label, ' text-anchor="end"'));
  }
  phases.forEach((phase, i) => {
    const lx = PLOT_LEFT + 10 + i * 220;
    const color = PHASE_COLORS[phase.name];
    parts.push(`<rect x="${lx}" y="${HEIGHT - 16}" width="14" height="10" fill="${color}"/>`);
    const ops = fmt(report.phases[phase.name].ops);
    parts.push(axisText(lx + 20, HEIGHT - 6, `${phase.name} migration (${ops} ops)`));
  });
  const label = 'latency histogram before, during and after migration';
  return svg('histogram', HEIGHT, label, parts);
}
