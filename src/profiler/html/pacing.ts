// The pacing chart: the clients' throughput and the keys migrating per second (left axis, one
// scale), and each shard's adaptive pace, the share of a core its migration work may take (right
// axis), so that a reader sees the pace back off where the clients slow down and open up where
// they do not.

import type { ProfileReport } from '../report/types.js';
import {
  axisText,
  fmt,
  niceMax,
  PLOT_LEFT,
  PLOT_RIGHT,
  PLOT_TOP,
  path,
  shardColor,
  svg,
  timeChart,
  WIDTH,
} from './svg.js';

const HEIGHT = 220;

export function pacingSvg(report: ProfileReport): string {
  const { plotHeight, x } = timeChart(report, HEIGHT);
  const timeline = report.timeline;
  const rateMax = niceMax(
    Math.max(1, ...timeline.map((b) => Math.max(b.opsPerSecond, b.migratedKeysPerSecond ?? 0))),
  );
  const yRate = (rate: number): number => PLOT_TOP + plotHeight - (rate / rateMax) * plotHeight;
  const yDuty = (duty: number): number => PLOT_TOP + plotHeight - duty * plotHeight;
  const mid = (t: number): number => x(t + report.bucketMs / 2);
  const parts: string[] = [];
  const throughput = timeline.map((b) => [mid(b.t), yRate(b.opsPerSecond)] as [number, number]);
  parts.push(`<path class="throughput" d="${path(throughput)}"/>`);
  const migrated = timeline.map(
    (b) => [mid(b.t), yRate(b.migratedKeysPerSecond ?? 0)] as [number, number],
  );
  parts.push(`<path class="migrated" d="${path(migrated)}"/>`);
  for (let shard = 0; shard < report.shards; shard++) {
    const points = timeline.flatMap((b) => {
      const duty = b.paceDuty?.[shard];
      return duty === null || duty === undefined
        ? []
        : [[mid(b.t), yDuty(duty)] as [number, number]];
    });
    if (points.length === 0) continue;
    const color = shardColor(shard);
    parts.push(
      `<path class="pace" data-shard="${shard}" d="${path(points)}" stroke="${color}" ` +
        'stroke-dasharray="4 2"/>',
    );
    parts.push(
      axisText(PLOT_LEFT + 10 + shard * 90, HEIGHT - 6, `pace ${shard}`, ` fill="${color}"`),
    );
  }
  for (let i = 0; i <= 4; i++) {
    const rate = (rateMax * i) / 4;
    parts.push(
      axisText(PLOT_LEFT - 6, (yRate(rate) + 4).toFixed(1), fmt(rate), ' text-anchor="end"'),
    );
    const label = `${i * 25}%`;
    parts.push(axisText(WIDTH - PLOT_RIGHT + 6, (yDuty(i / 4) + 4).toFixed(1), label));
  }
  parts.push(axisText(PLOT_LEFT, 12, 'ops/s (black), keys migrated/s (orange)'));
  parts.push(axisText(WIDTH - PLOT_RIGHT, 12, 'pace: share of a core', ' text-anchor="end"'));
  return svg('pacing', HEIGHT, 'migration pace and client throughput', parts);
}
