// The shard's log on disk: a sink of its journal (workers/replication/journal.ts). Each record is
// copied into a staging buffer, and before each write the records staged since the last one get
// their XXH64 checksums in one call (record-checksums.ts; the format: src/persistence/
// file-format.ts); what a loop turn staged goes out as one write(2) per file, and, for appendfsync 'always', one fdatasync
// before any reply of that turn leaves the shard (group commit). For 'everysec' the syncer thread
// fsyncs (workers/persistence/syncer.ts); for 'no' the kernel decides.
//
// While a snapshot is being committed the log has two files: the one the manifest names and the
// one that starts at the snapshot's offset. Records go to both until the manifest names the new
// pair, so a crash at any point finds a complete log beside whichever snapshot the manifest names.

import { closeSync, fdatasyncSync, writeSync } from 'node:fs';
import { InvariantError, PersistenceError } from '../../src/errors.js';
import { REC_OFFSET } from '../../src/shared/journal-format.js';
import { growTo } from '../../src/shared/ring.js';
import type { JournalSink } from '../replication/journal.js';
import { copyBytes } from '../replication/journal.js';
import { RecordChecksums } from './record-checksums.js';

/** One log file open for appending. */
export interface LogFile {
  readonly path: string;
  readonly fd: number;
  /** Bytes in the file before the records staged now. */
  size: number;
  /** Bytes of the records staged now already in this file (a write that failed part-way). */
  done?: number;
}

const STAGING_BYTES_MIN = 256 * 1024;

export class AppendLog implements JournalSink {
  /** The file the manifest names, then (while a snapshot is committed) the one that follows it. */
  readonly files: LogFile[];
  /** The journal offset past the last record staged, written, and fsynced. */
  staged = 0;
  written = 0;
  synced = 0;
  /** An injected write error (ShardFaults.logWriteError): every write fails with it while set. */
  fault: string | undefined;
  /** The staging buffer: records in buf[0, bytes), checksummed in buf[0, stamped). */
  private readonly staging = new RecordChecksums(STAGING_BYTES_MIN);
  private bytes = 0;
  private stamped = 0;

  constructor(file: LogFile, offset: number) {
    this.files = [file];
    this.staged = this.written = this.synced = offset;
  }

  record(buf: Buffer, length: number, _slot: number): void {
    const at = this.bytes;
    const staging = this.staging;
    if (at + length > staging.buf.length) staging.reserve(growTo(staging.buf.length, at + length));
    copyBytes(buf, 0, length, staging.buf, at);
    this.bytes = at + length;
    this.staged = staging.view.getFloat64(at + REC_OFFSET, true);
  }

  /** Whether records were staged or written that are not on disk yet. */
  get unsynced(): boolean {
    return this.synced < this.staged;
  }

  /** Bytes of the current log file (the one the manifest names). */
  get size(): number {
    return this.files[0]!.size + this.bytes;
  }

  /** Writes what is staged to every file. Throws a PersistenceError when a write fails. */
  write(): void {
    if (this.fault !== undefined && this.bytes > 0) {
      throw new PersistenceError(this.files[0]!.path, `write failed: ${this.fault}`);
    }
    const bytes = this.bytes;
    if (bytes === 0) return;
    if (this.stamped < bytes) {
      this.stamped = this.staging.stamp(this.stamped, bytes);
      if (this.stamped !== bytes) {
        throw new InvariantError(`a log record at staging byte ${this.stamped} has a bad length`);
      }
    }
    const buf = this.staging.buf;
    // Positional writes: a write that failed part-way is retried from where it stopped, in each
    // file, and no file's size moves until every file has the bytes.
    for (const file of this.files) {
      let done = file.done ?? 0;
      try {
        while (done < bytes) {
          done += writeSync(file.fd, buf, done, bytes - done, file.size + done);
          file.done = done;
        }
      } catch (error) {
        throw new PersistenceError(file.path, `write failed: ${(error as Error).message}`);
      }
    }
    for (const file of this.files) {
      file.size += bytes;
      file.done = 0;
    }
    this.bytes = 0;
    this.stamped = 0;
    this.written = this.staged;
  }

  /** Writes what is staged and fsyncs every file (appendfsync always, or on request). */
  sync(): void {
    this.write();
    if (this.synced === this.written) return;
    for (const file of this.files) {
      try {
        fdatasyncSync(file.fd);
      } catch (error) {
        throw new PersistenceError(file.path, `fsync failed: ${(error as Error).message}`);
      }
    }
    this.synced = this.written;
  }

  /**
   * A snapshot was written: records go to `next` as well, until the manifest names it. Records
   * staged now precede the snapshot's offset (`next` starts there): they go to the old file only.
   */
  follow(next: LogFile): void {
    this.write();
    this.files.push(next);
  }

  /** The manifest names the new log: the old file, named by nothing now, is closed. Returns it. */
  switchToNext(): LogFile {
    // The manifest names the new file already: the switch happens whatever the disk says. Records
    // a failed write left staged are retried into the new file (its own progress is kept).
    let ok = true;
    try {
      this.write();
    } catch {
      ok = false;
    }
    const old = this.files.shift()!;
    closeSync(old.fd);
    // Everything written is fsynced in the file that is now the log: an offset published as on
    // disk must be on disk in the file the manifest names.
    try {
      fdatasyncSync(this.files[0]!.fd);
      if (ok) this.synced = this.written;
    } catch {
      // The next sync (or the syncer) tries again.
    }
    return old;
  }

  /** The snapshot was abandoned: its log file is closed and forgotten. */
  dropNext(): LogFile | undefined {
    const next = this.files.length > 1 ? this.files.pop() : undefined;
    if (next !== undefined) closeSync(next.fd);
    return next;
  }

  close(): void {
    for (const file of this.files.splice(0)) closeSync(file.fd);
  }
}
