#!/usr/bin/env node
// The slotdb command line (package.json's bin); each subcommand lives in scripts/cli/.
//
//   slotdb profile-migration [--shards 4] [--keys 1000000] [--migrate 25%] [--lock key|slot]
//                            [--throttle <keys/s per shard>] [--out report.html]
//       Runs the standard scenario (load keys, mixed load, move a share of the slots live, keep
//       the load running) under the profiler; writes report.html and report.json beside it.
//   slotdb profile-diff a.json b.json
//       Prints what changed between two profile reports.

import { USAGE } from './cli/flags.js';
import { profileDiff } from './cli/profile-diff.js';
import { profileMigration } from './cli/profile-migration.js';

async function main(): Promise<void> {
  const [command, ...argv] = process.argv.slice(2);
  switch (command) {
    case 'profile-migration':
      await profileMigration(argv);
      break;
    case 'profile-diff':
      profileDiff(argv);
      break;
    case undefined:
    case 'help':
    case '--help':
      console.log(USAGE);
      break;
    default:
      throw new Error(`unknown command ${command}\n${USAGE}`);
  }
}

// A mistake on the command line gets its message and exit code 1, never a stack trace.
main().catch((error: unknown) => {
  console.error((error as Error).message);
  process.exitCode = 1;
});
