// Lint step: no source file outside test/ over FILE_LINES_MAX lines. A file that long usually
// holds two concepts; split it. (Function length is Biome's noExcessiveLinesPerFunction.)
// Exceptions are listed with their reason; the list is part of the review.

import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

const FILE_LINES_MAX = 400;

/** path -> why it may be longer. */
const EXCEPTIONS = new Map([]);

const files = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard'], {
  encoding: 'utf8',
})
  .split('\n')
  .filter((file) => /^(src|workers|scripts|bench)\/.*\.(ts|mjs)$/.test(file));

const failures = [];
for (const file of files) {
  let text;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    continue; // listed by git but deleted in the working tree
  }
  const lines = text.split('\n').length - (text.endsWith('\n') ? 1 : 0);
  if (lines > FILE_LINES_MAX && !EXCEPTIONS.has(file)) failures.push(`${file}: ${lines} lines`);
}
if (failures.length > 0) {
  console.error(`Files over ${FILE_LINES_MAX} lines (split them, or list the reason in`);
  console.error(`scripts/check-sizes.mjs):\n  ${failures.join('\n  ')}`);
  process.exit(1);
}
console.log(`check-sizes: ${files.length} files within ${FILE_LINES_MAX} lines`);
