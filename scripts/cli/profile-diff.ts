// `slotdb profile-diff a.json b.json`: prints what changed between two profile reports.

import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import type { ProfileReport } from '../../src/index.js';
import { compareReports } from '../../src/profiler/diff.js';
import { USAGE } from './flags.js';
import { fmt, printTable } from './output.js';

export function profileDiff(argv: string[]): void {
  let files: string[];
  try {
    files = parseArgs({
      args: argv,
      options: {},
      strict: true,
      allowPositionals: true,
    }).positionals;
  } catch {
    throw new Error(USAGE); // a flag: profile-diff takes none
  }
  if (files.length !== 2) throw new Error(USAGE);
  const [a, b] = files.map((file) => {
    try {
      return JSON.parse(readFileSync(file, 'utf8')) as ProfileReport;
    } catch (error) {
      throw new Error(`cannot read ${file} as a profile report: ${(error as Error).message}`);
    }
  });
  const rows = compareReports(a!, b!);
  printTable(
    ['measure', files[0]!, files[1]!, 'change', 'verdict'],
    rows.map((row) => [
      row.measure,
      fmt(row.before, row.digits),
      fmt(row.after, row.digits),
      row.change,
      row.verdict,
    ]),
  );
}
