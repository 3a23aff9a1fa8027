// A shard's log and snapshots without workers: commands run on a primary keyspace (JournalPair),
// its journal goes to an AppendLog on a temporary directory, snapshots are written with the
// shard's SnapshotWriter while more commands run between its steps, and recover() loads the files
// into a fresh keyspace as a shard does at open. The unit tests of the files on disk use it.

import { closeSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { logName, snapshotName } from '../../src/persistence/file-format.js';
import type { Argument } from '../../src/shared/codec.js';
import { SLOT_COUNT } from '../../src/shared/limits.js';
import type { RecoveryReport, ShardFiles } from '../../src/shared/persistence-messages.js';
import { Keyspace } from '../../workers/keyspace/keyspace.js';
import { AppendLog } from '../../workers/persistence/append-log.js';
import type { LoadPolicy } from '../../workers/persistence/log-reader.js';
import { createLog } from '../../workers/persistence/persistence.js';
import { recover } from '../../workers/persistence/recovery.js';
import { SnapshotWriter } from '../../workers/persistence/snapshot-writer.js';
import { dumpKeyspace, JournalPair } from './journal-pair.js';

export const T0 = 1_700_000_000_000;

export const DEFAULT_POLICY: LoadPolicy = { loadTruncated: true, loadCorrupt: 'refuse' };

/** The keys of `keyspace` not past their deadline at `now`, in canonical form. */
export function liveKeys(keyspace: Keyspace, now: number): string[] {
  return dumpKeyspace(keyspace).filter((line) => {
    const deadline = Number(line.slice(line.lastIndexOf(' ') + 1));
    return deadline === 0 || deadline > now;
  });
}

export class LogHarness {
  readonly dir = mkdtempSync(join(tmpdir(), 'slotdb-'));
  readonly pair = new JournalPair();
  log: AppendLog;
  files: ShardFiles = { snapshot: null, log: logName(0, 1), generation: 1 };

  constructor() {
    this.pair.setNow(T0);
    this.log = new AppendLog(createLog(this.path(this.files.log), 0, 0), 0);
    this.pair.journal.sinks.unshift(this.log);
  }

  path(name: string): string {
    return join(this.dir, name);
  }

  /** The log the files name. */
  get logPath(): string {
    return this.path(this.files.log);
  }

  /** Runs a command on the primary; its record is staged in the log. */
  run(args: readonly Argument[]): unknown {
    return this.pair.run(args);
  }

  /** Writes and fsyncs what is staged (a loop turn's end under appendfsync 'always'). */
  sync(): void {
    this.log.sync();
  }

  /**
   * Writes a snapshot of the primary, calling `between` after every step (commands run then go to
   * the log, and to the snapshot when their slot is written already); then the log follows a new
   * file from the snapshot's offset, `after` runs, and the files name the new pair, as a commit
   * does. Returns the snapshot's name.
   */
  snapshot(compress: boolean, between?: () => void, after?: () => void): string {
    const generation = this.files.generation + 1;
    const name = snapshotName(0, generation);
    const tmp = this.path(`${name}.tmp`);
    const journal = this.pair.journal;
    const writer = new SnapshotWriter(tmp, 0, this.pair.primary, journal, compress);
    journal.sinks.push(writer);
    while (!writer.done) {
      writer.step();
      between?.();
    }
    const result = writer.finish();
    journal.sinks.splice(journal.sinks.indexOf(writer), 1);
    this.log.follow(createLog(this.path(logName(0, generation)), 0, result.offset));
    after?.();
    this.log.sync();
    renameSync(tmp, this.path(name));
    this.log.switchToNext();
    this.files = { snapshot: name, log: logName(0, generation), generation };
    return name;
  }

  /** Loads the files into a new keyspace as a shard's recovery does (the log is closed after). */
  recover(policy: LoadPolicy = DEFAULT_POLICY): { keyspace: Keyspace; report: RecoveryReport } {
    const keyspace = new Keyspace();
    const owner = new Uint16Array(SLOT_COUNT);
    const { log, report } = recover(this.dir, 0, 0, this.files, keyspace, owner, policy);
    closeSync(log.fd);
    return { keyspace, report: { ...report, slots: [], importSequence: 0 } };
  }

  /** The primary's keys now, as a recovery must give them back. */
  expected(): string[] {
    return liveKeys(this.pair.primary, this.pair.primary.now);
  }

  read(name: string): Buffer {
    return readFileSync(this.path(name));
  }

  write(name: string, bytes: Buffer): void {
    writeFileSync(this.path(name), bytes);
  }

  close(): void {
    this.log.close();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
