// The event-loop benchmark's report: one row a measure, one column a store, as a Markdown table
// (printed, written to bench/results/event-loop.txt, and pasted into the README as it is).

import type { LoadFigures, ServerFigures, ServerReady, StoreName } from './event-loop-protocol.js';
import { type Figures, formatFigure } from './figures.js';

const MIB = 2 ** 20;

/** The measures in report order: a row's label and how one run's figures give it. */
interface Measure {
  readonly label: string;
  readonly of: (ready: ServerReady, server: ServerFigures, load: LoadFigures) => number;
}

const MEASURES: readonly Measure[] = [
  { label: 'load time (s)', of: (ready) => ready.loadMs / 1000 },
  { label: 'GC pause total while loading (ms)', of: (ready) => ready.loadGc.totalMs },
  { label: 'longest GC pause while loading (ms)', of: (ready) => ready.loadGc.maxMs },
  { label: 'a forced full GC after the load (ms)', of: (ready) => ready.fullGcMs },
  {
    label: 'main-thread heap used after load (MiB)',
    of: (ready) => ready.heapAfterLoadBytes / MIB,
  },
  { label: 'main-thread heap used at the end (MiB)', of: (_r, s) => s.heapAtEndBytes / MIB },
  { label: 'process RSS at the end (MiB)', of: (_r, s) => s.rssAtEndBytes / MIB },
  { label: 'event-loop delay p50 (ms)', of: (_r, s) => s.delayP50Ms },
  { label: 'event-loop delay p99 (ms)', of: (_r, s) => s.delayP99Ms },
  { label: 'event-loop delay max (ms)', of: (_r, s) => s.delayMaxMs },
  { label: 'request latency p50 (ms)', of: (_r, _s, l) => l.latencyP50Ms },
  { label: 'request latency p99 (ms)', of: (_r, _s, l) => l.latencyP99Ms },
  { label: 'request latency max (ms)', of: (_r, _s, l) => l.latencyMaxMs },
  { label: 'requests/s', of: (_r, _s, l) => l.requests / l.seconds },
  { label: 'requests skipped (server behind)', of: (_r, _s, l) => l.skipped },
  { label: 'main thread busy (event-loop utilization)', of: (_r, s) => s.loopBusyShare },
  { label: 'process CPU, all threads (cores)', of: (_r, s) => s.processCores },
  { label: 'GC pauses in the steady phase', of: (_r, s) => s.gc.count },
  { label: 'GC pause total in the steady phase (ms)', of: (_r, s) => s.gc.totalMs },
  { label: 'longest GC pause in the steady phase (ms)', of: (_r, s) => s.gc.maxMs },
  { label: 'of the pauses, mark-compact ones and steps', of: (_r, s) => s.gc.markCompactCount },
  { label: 'of the total, mark-compact (ms)', of: (_r, s) => s.gc.markCompactMs },
];

const STORE_TITLES: Record<StoreName, string> = {
  none: 'no cache (floor)',
  map: 'Map (main thread)',
  'lru-cache': 'lru-cache (main thread)',
  slotdb: 'slotdb (default shards)',
};

/** Records one run's figures under `store`. */
export function recordRun(
  figures: Figures,
  store: StoreName,
  ready: ServerReady,
  server: ServerFigures,
  load: LoadFigures,
): void {
  for (const measure of MEASURES)
    figures.record(`${store}: ${measure.label}`, measure.of(ready, server, load));
}

/** The medians as a Markdown table, columns padded to line up in plain text too. */
export function reportTable(figures: Figures, stores: readonly StoreName[]): string[] {
  const medians = figures.medians();
  const rows = [
    ['measure (median of rounds)', ...stores.map((store) => STORE_TITLES[store])],
    ...MEASURES.map((measure) => [
      measure.label,
      ...stores.map((store) => formatFigure(medians[`${store}: ${measure.label}`]!)),
    ]),
  ];
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
  const line = (cells: string[]): string =>
    `| ${cells.map((cell, column) => cell.padEnd(widths[column]!)).join(' | ')} |`;
  return [
    line(rows[0]!),
    line(widths.map((width) => '-'.repeat(width))),
    ...rows.slice(1).map(line),
  ];
}
