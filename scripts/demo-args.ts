// The demo's command line: `npm start` runs it in memory; `npm start -- --dir ./data` keeps the
// database in a data directory, so a second run finds the keys of the first. `--keys` sets how
// many keys the story loads (the tests run it small).

import { parseArgs } from 'node:util';
import type { SlotDB } from '../src/index.js';

export interface DemoArgs {
  readonly dir: string | undefined;
  readonly keys: number;
}

const USAGE = 'usage: npm start [-- [--dir <path>] [--keys <count>]]';

/** The demo's arguments; prints the usage and exits on a bad one. */
export function demoArgs(argv: readonly string[], defaultKeys: number): DemoArgs {
  let values: { dir?: string; keys?: string };
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: { dir: { type: 'string' }, keys: { type: 'string' } },
      strict: true,
    }));
  } catch (error) {
    console.error(`${(error as Error).message}\n${USAGE}`);
    process.exit(2);
  }
  const keys = values.keys === undefined ? defaultKeys : Number(values.keys);
  if (!Number.isSafeInteger(keys) || keys < 1000) {
    console.error(`--keys must be an integer of at least 1000, got ${values.keys}\n${USAGE}`);
    process.exit(2);
  }
  return { dir: values.dir, keys };
}

/** With --dir: what the previous runs left in the directory, said before the story starts. */
export async function reportPreviousRun(db: SlotDB, dir: string, openMs: number): Promise<void> {
  const found = await db.dbSize();
  const runs = await db.incr('demo:runs');
  const previous = await db.getSet('demo:last-run', new Date().toISOString());
  console.log(`persistent run: data directory ${dir} (appendfsync everysec).`);
  if (found === 0) {
    console.log(
      `  a new directory: no keys from a previous run (opened in ${openMs.toFixed(0)} ms).`,
    );
  } else {
    console.log(
      `  found ${found.toLocaleString('en-US')} keys from the previous run (last run at ${previous}), ` +
        `opened and recovered in ${openMs.toFixed(0)} ms; this is run ${runs} on this directory.`,
    );
  }
  console.log('');
}

/** With --dir: where the data stays, said after the database closed. */
export function reportKept(dir: string, keys: number): void {
  console.log(
    `\nThe ${keys.toLocaleString('en-US')} keys are kept in ${dir}: run \`npm start -- --dir ${dir}\` ` +
      'again and it finds them.',
  );
}
