// What the report's charts share: their size and colours, number formats, and the SVG pieces
// they are drawn with. Everything is generated here as text: no script, nothing fetched.

import type { ProfileReport } from '../report/types.js';

export const WIDTH = 960;
export const PLOT_LEFT = 70;
export const PLOT_RIGHT = 70;
export const PLOT_TOP = 20;
export const PLOT_BOTTOM = 40;
export const SHARD_COLORS = [
  '#4e79a7',
  '#f28e2b',
  '#59a14f',
  '#e15759',
  '#76b7b2',
  '#edc948',
  '#b07aa1',
  '#ff9da7',
];

export const shardColor = (shard: number): string => SHARD_COLORS[shard % SHARD_COLORS.length]!;

export function escapeHtml(text: string): string {
  const entities: Record<string, string> = {
    '&': '&amp;',
    '<': '&lt;',
    '>': '&gt;',
    '"': '&quot;',
    "'": '&#39;',
  };
  return text.replace(/[&<>"']/g, (c) => entities[c]!);
}

export const fmt = (n: number | null, digits = 0): string =>
  n === null
    ? '–'
    : n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });

/** A power of ten `e` as an axis label: `1,000 ms`, `0.01 ms`. */
export const decadeLabel = (e: number): string =>
  `${10 ** e >= 1 ? fmt(10 ** e) : (10 ** e).toString()} ms`;

export function niceMax(value: number): number {
  if (value <= 0) return 1;
  const power = 10 ** Math.floor(Math.log10(value));
  for (const step of [1, 2, 2.5, 5, 10]) if (value <= step * power) return step * power;
  return 10 * power;
}

export function path(points: [number, number][]): string {
  return points
    .map(([x, y], i) => `${i === 0 ? 'M' : 'L'}${x.toFixed(1)},${y.toFixed(1)}`)
    .join('');
}

/** An axis label at (x, y); `attributes` follow them (` text-anchor="end"`). */
export function axisText(
  x: number | string,
  y: number | string,
  text: string,
  attributes = '',
): string {
  return `<text class="axis" x="${x}" y="${y}"${attributes}>${text}</text>`;
}

/** A chart: an <svg> the page's width, `height` px high. */
export function svg(id: string, height: number, label: string, parts: string[]): string {
  const size = `viewBox="0 0 ${WIDTH} ${height}" width="${WIDTH}" height="${height}"`;
  return `<svg id="${id}" ${size} role="img" aria-label="${label}">${parts.join('')}</svg>`;
}

export interface TimeChart {
  readonly plotHeight: number;
  /** The profile's duration, ms (at least a bucket). */
  readonly duration: number;
  /** The x of a time, ms since the profile started. */
  readonly x: (ms: number) => number;
}

/** A chart `height` px high over the profile's time. */
export function timeChart(report: ProfileReport, height: number): TimeChart {
  const plotWidth = WIDTH - PLOT_LEFT - PLOT_RIGHT;
  const plotHeight = height - PLOT_TOP - PLOT_BOTTOM;
  const duration = Math.max(report.durationMs, report.bucketMs);
  return {
    plotHeight,
    duration,
    x: (ms) => PLOT_LEFT + (Math.min(ms, duration) / duration) * plotWidth,
  };
}
