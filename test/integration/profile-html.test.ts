// The HTML profile report, opened from disk in headless Chromium (Debian's `chromium`, which
// .ci/run installs): the charts must have rendered, nothing may be fetched from the network, and a
// screenshot is kept under test-output/ for a person to look at.

import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import type { ProfileReport } from '../../dist/src/index.js';
import { renderProfileHtml } from '../../dist/src/index.js';
import { setShardFaults } from '../../dist/src/testing.js';
import { withDb } from '../support/db.js';

const CHROMIUM = process.env.SLOTDB_CHROMIUM ?? '/usr/bin/chromium';
const required = process.env.SLOTDB_REQUIRE_CHROMIUM === '1';
const available = existsSync(CHROMIUM);
if (!available && required)
  throw new Error(`SLOTDB_REQUIRE_CHROMIUM=1 but there is no Chromium at ${CHROMIUM}`);
const OUTPUT = join(import.meta.dirname, '..', '..', 'test-output');
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** A real profile: four slots move while a loop reads and writes, with a slow apply on one batch. */
async function profileOfAMigration(): Promise<ProfileReport> {
  return withDb({ shards: 2 }, async (db) => {
    const keys = Array.from({ length: 4000 }, (_, i) => `key:${i}`);
    for (let i = 0; i < keys.length; i += 500)
      await db.mSet(keys.slice(i, i + 500).map((k) => [k, 'value'] as [string, string]));
    const slots = [
      ...new Set(
        keys.map((k) => db.sync.clusterKeySlot(k)).filter((slot) => db.slotOwner(slot) === 0),
      ),
    ].slice(0, 4);
    const profile = db.profile({ bucketMs: 20, thresholdMs: 5 });
    let done = false;
    const loading = (async () => {
      for (let i = 0; !done; i += 8)
        await Promise.all(
          keys.slice(i % 3992, (i % 3992) + 8).map((k, j) => (j % 2 ? db.get(k) : db.set(k, 'v'))),
        );
    })();
    await sleep(100);
    await setShardFaults(db, 1, { applyDelayMs: 30 });
    await db.migrateSlots(slots, 1, { batchKeys: 4 });
    await setShardFaults(db, 1, {});
    await sleep(100);
    done = true;
    await loading;
    return profile.stop();
  });
}

describe.skipIf(!available)('HTML profile report in Chromium', () => {
  it('renders the timeline, histogram, busy chart and tables from disk, fetching nothing', async () => {
    const report = await profileOfAMigration();
    expect(report.migrations.length).toBe(4);
    mkdirSync(OUTPUT, { recursive: true });
    const file = join(OUTPUT, 'profile.html');
    writeFileSync(file, renderProfileHtml(report));
    writeFileSync(join(OUTPUT, 'profile.json'), JSON.stringify(report, null, 2));

    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
      ],
    });
    try {
      const page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
      const requested: string[] = [];
      page.on('request', (request) => requested.push(request.url()));
      await page.goto(pathToFileURL(file).href);
      expect(requested.filter((url) => !url.startsWith('file:'))).toEqual([]);

      // The timeline: a throughput line and three latency lines with points, a band per moved slot.
      for (const line of ['path.throughput', 'path.p50', 'path.p99', 'path.max']) {
        const d = await page.locator(`svg#timeline ${line}`).first().getAttribute('d');
        expect(d?.match(/L/g)?.length ?? 0, line).toBeGreaterThan(3);
      }
      expect(await page.locator('svg#timeline rect.migration').count()).toBe(
        report.migrations.length,
      );
      const band = await page.locator('svg#timeline rect.migration').first().boundingBox();
      expect(band!.width).toBeGreaterThan(0);
      expect(band!.height).toBeGreaterThan(100);
      // The histogram has bars for every phase, with some height.
      for (const phase of ['before', 'during', 'after']) {
        const bars = page.locator(`svg#histogram rect.bar.${phase}`);
        expect(await bars.count(), phase).toBeGreaterThan(0);
        const heights = await bars.evaluateAll((rects) =>
          rects.map((rect) => Number(rect.getAttribute('height'))),
        );
        expect(Math.max(...heights), phase).toBeGreaterThan(0);
      }
      expect(await page.locator('svg#busy path.busy').count()).toBe(2);
      // The tables a person reads: causes ranked, the stalled keys, the batches, the moved slots.
      expect(await page.locator('table#causes tbody tr').count()).toBeGreaterThan(0);
      expect(
        await page.locator('table#causes tbody tr').first().locator('td').first().textContent(),
      ).toBe(report.causes[0]!.cause);
      expect(await page.locator('table#stalled-keys tbody tr').count()).toBeGreaterThan(0);
      expect(await page.locator('table#batch-timings tbody tr').count()).toBe(4);
      expect(await page.locator('table#migrations tbody tr').count()).toBe(4);
      const chart = await page.locator('svg#timeline').boundingBox();
      expect(chart!.width).toBeGreaterThan(500);
      await page.screenshot({ path: join(OUTPUT, 'profile.png'), fullPage: true });
    } finally {
      await browser.close();
    }
  }, 60_000);
});
