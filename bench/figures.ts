// The figures of a benchmark run: every measure by name with its value from each round (the report
// gives the median), and percentiles of latency samples taken within a round.

import { median } from './machine.js';

export class Figures {
  readonly rounds: Record<string, number[]> = {};

  record(name: string, value: number): void {
    this.rounds[name] ??= [];
    this.rounds[name].push(value);
  }

  /** The median over rounds of each measure, in the order the measures were first recorded. */
  medians(): Record<string, number> {
    return Object.fromEntries(
      Object.entries(this.rounds).map(([name, values]) => [name, median(values)]),
    );
  }
}

/** The q-quantile (0..1) of `sorted` (ascending), nearest rank. */
export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[rank]!;
}

/** A number as the reports print it: integers with separators from 100 up, else two decimals. */
export function formatFigure(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  return Math.abs(n) >= 100 ? Math.round(n).toLocaleString('en-US') : n.toFixed(2);
}
