// The busy time chart: per shard, the fraction of each bucket its primary was awake, and (dashed,
// in the shard's colour) each of its replicas'.

import type { ProfileReport } from '../report/types.js';
import { axisText, PLOT_LEFT, PLOT_TOP, path, shardColor, svg, timeChart } from './svg.js';

const HEIGHT = 180;

export function busySvg(report: ProfileReport): string {
  const { plotHeight, x } = timeChart(report, HEIGHT);
  const y = (fraction: number): number => PLOT_TOP + plotHeight - fraction * plotHeight;
  const parts: string[] = [];
  for (let shard = 0; shard < report.shards; shard++) {
    const points = report.timeline.flatMap((b) => {
      const busy = b.shardBusy[shard];
      if (busy === null || busy === undefined) return [];
      return [[x(b.t + report.bucketMs / 2), y(busy)] as [number, number]];
    });
    if (points.length === 0) continue; // no record of this shard (it died or closed)
    const color = shardColor(shard);
    parts.push(`<path class="busy" data-shard="${shard}" d="${path(points)}" stroke="${color}"/>`);
    const label = `shard ${shard}`;
    parts.push(axisText(PLOT_LEFT + 10 + shard * 90, HEIGHT - 6, label, ` fill="${color}"`));
  }
  report.workers.forEach((worker, i) => {
    if (worker.role !== 'replica') return;
    const points = report.timeline.flatMap((b) => {
      const busy = b.workerBusy[i];
      if (busy === null || busy === undefined) return [];
      return [[x(b.t + report.bucketMs / 2), y(busy)] as [number, number]];
    });
    if (points.length === 0) return;
    parts.push(
      `<path class="busy replica" data-shard="${worker.shard}" data-worker="${worker.worker}" ` +
        `d="${path(points)}" stroke="${shardColor(worker.shard)}" stroke-dasharray="3 3"/>`,
    );
  });
  for (const share of [0, 0.5, 1]) {
    const label = `${share * 100}%`;
    parts.push(axisText(PLOT_LEFT - 6, (y(share) + 4).toFixed(1), label, ' text-anchor="end"'));
  }
  return svg('busy', HEIGHT, 'shard busy time', parts);
}
