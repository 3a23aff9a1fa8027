// The shard's part in persistence, on a primary of a database opened with `dir`: recovery at start,
// the log its journal is written to, snapshots, and the refusal of writes after a failed write.
//
// A loop turn, as the shard runs it:
//   the turn's writes are journaled; the journal hands each record to the log (staged)
//   appendfsync 'always': before any reply, forward or acknowledgement leaves the shard, what is
//     staged is written and fsynced (beforeOutput): one write and one fsync per batch of requests
//   end of the turn (step): what is staged is written (one write(2)); a snapshot under way writes
//     its next slots; a log past the auto-rewrite size starts a snapshot
//
// A snapshot ends with its file written; the shard then writes its records to a second log that
// starts at the snapshot's offset too, and tells the opening thread, which fsyncs the snapshot,
// renames it, writes the manifest naming the new pair and sends 'snapshot-commit': from then on
// the old log and snapshot are no longer needed (the opening thread removes them).

import { closeSync, openSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { PersistenceError } from '../../src/errors.js';
import { fileHeader, LOG_MAGIC, logName, snapshotName } from '../../src/persistence/file-format.js';
import { SLOT_COUNT } from '../../src/shared/limits.js';
import type {
  PersistenceInit,
  RecoveryReport,
  ShardFiles,
} from '../../src/shared/persistence-messages.js';
import { RecordApplier } from '../replication/apply.js';
import type { Journal } from '../replication/journal.js';
import type { Shard } from '../shard.js';
import { AppendLog, type LogFile } from './append-log.js';
import { replayLog } from './log-reader.js';
import { openLogFile, readLogStart, recover } from './recovery.js';
import { SnapshotWriter } from './snapshot-writer.js';

export const MISCONF = 'MISCONF Errors writing to the AOF file: ';

export class Persistence {
  log: AppendLog | undefined;
  /** Why writes are refused now (a log write failed: MISCONF), or undefined. */
  refusal: string | undefined;
  private snapshot: SnapshotWriter | undefined;
  private snapshotStarted = 0;
  /** A snapshot written and not yet committed by the opening thread. */
  private pending: number | undefined;
  private generation = 0;
  /** The log's size right after the last snapshot (auto rewrite compares with it). */
  private baseBytes = 0;
  private readonly always: boolean;
  /**
   * Callbacks waiting for the next commit (SAVE's replies): called with true once the opening
   * thread committed the snapshot, with false and the reason when it was not written or committed.
   */
  readonly onCommit: ((ok: boolean, error?: string) => void)[] = [];

  constructor(
    private readonly shard: Shard,
    readonly settings: PersistenceInit,
  ) {
    this.always = settings.appendfsync === 'always';
  }

  /** Loads the files the manifest names into the keyspace; the log stays open for appending. */
  recover(files: ShardFiles, seat = this.shard.id): RecoveryReport {
    const { shard, settings } = this;
    const policy = { loadTruncated: settings.loadTruncated, loadCorrupt: settings.loadCorrupt };
    const { log, report } = recover(
      settings.dir,
      shard.control.workerShard(shard.id),
      seat,
      files,
      shard.keyspace,
      shard.control.owner,
      policy,
    );
    this.generation = files.generation;
    this.open(log, report.offset);
    const slots: [number, number, number][] = [];
    let importSequence = 0;
    const keyspace = shard.keyspace;
    for (let slot = 0; slot < SLOT_COUNT; slot++) {
      const mark = keyspace.importMarks.get(slot) ?? 0;
      const keys = keyspace.table(slot)?.size ?? 0;
      if (mark > importSequence) importSequence = mark;
      if (keys > 0 || mark > 0) slots.push([slot, mark, keys]);
    }
    return { ...report, slots, importSequence };
  }

  /**
   * A promoted replica takes over its shard's log: it applies the records the old primary wrote
   * past `offset` (they were written before they were streamed, so the log holds at least what
   * the replica does), or, when the log starts past `offset` (a snapshot was committed since),
   * loads the shard's files instead. Returns the journal offset it then holds.
   */
  takeOver(files: ShardFiles, offset: number, oldPrimary: number): number {
    const { shard, settings } = this;
    const number = shard.control.workerShard(shard.id);
    const path = join(settings.dir, files.log);
    const fd = openLogFile(path);
    const start = readLogStart(path, fd, number);
    if (offset < start) {
      closeSync(fd);
      shard.keyspace.flush();
      shard.keyspace.importMarks.clear();
      return this.recover(files, oldPrimary).offset;
    }
    // Records run as the old primary ran them: the slot map still names its seat.
    const applier = new RecordApplier(shard.keyspace, oldPrimary, shard.control.owner);
    const policy = { loadTruncated: true, loadCorrupt: 'truncate' as const };
    const replay = replayLog(
      path,
      fd,
      start,
      (b, v, at) => applier.apply(b, v, at),
      policy,
      offset,
    );
    for (const warning of replay.warnings) console.warn(`slotdb: ${warning}`);
    this.generation = files.generation;
    this.open({ path, fd, size: replay.size }, replay.offset);
    return replay.offset;
  }

  /** Appends from now on to `file`, which holds the journal up to `offset`. */
  private open(file: LogFile, offset: number): void {
    this.log = new AppendLog(file, offset);
    this.baseBytes = file.size;
    const { control, id } = this.shard;
    control.logs.setWritten(id, offset);
    control.logs.setSynced(id, offset);
    control.logs.setFd(id, file.fd);
  }

  /** The journal records go to the log (a primary's journal, made at start or at promotion). */
  attach(journal: Journal): void {
    const log = this.log;
    if (log === undefined) return;
    if (!journal.sinks.includes(log)) journal.sinks.unshift(log);
  }

  /** Records were journaled that the log could not write yet (a write failed). */
  get logBehind(): boolean {
    const log = this.log;
    return log !== undefined && log.written < log.staged;
  }

  /** appendfsync 'always' with a log: a turn's replies go out together after one fsync. */
  get groupCommit(): boolean {
    return this.always && this.log !== undefined;
  }

  /** With appendfsync 'always', the journal offset on disk; Infinity otherwise. */
  get durableOffset(): number {
    return this.always && this.log !== undefined ? this.log.synced : Number.POSITIVE_INFINITY;
  }

  /** appendfsync 'always': what the shard journaled is on disk before anything leaves it. */
  beforeOutput(): void {
    const log = this.log;
    if (log === undefined) return;
    if (this.always) {
      if (!log.unsynced) return;
      log.sync();
      this.publish(log);
    } else if (log.staged !== log.written) {
      // The records go to the file before the replies leave, as Redis writes its log before it
      // replies: a reply never stands for a write that only this thread's memory holds.
      this.writeStaged(log);
    }
  }

  /** End of a loop turn: write what is staged, go on with a snapshot. Returns the work done. */
  step(): number {
    const log = this.log;
    if (log === undefined) return 0;
    let work = 0;
    if (log.staged !== log.written) work += this.writeStaged(log);
    // A primary handing its shard over finishes no snapshot: the new primary takes over the log
    // the manifest names when the hand-over began.
    if (this.shard.router.handOver?.isHolding) return work;
    if (this.snapshot !== undefined) work += this.snapshotStep();
    else if (this.pending === undefined && this.rewriteDue(log)) this.autoRewrite();
    return work;
  }

  /** Writes (and under 'always' fsyncs) what is staged. Returns 1 if it did, 0 if it failed. */
  private writeStaged(log: AppendLog): number {
    let work = 0;
    try {
      if (this.always) log.sync();
      else log.write();
      this.refusal = undefined;
      work = 1;
    } catch (error) {
      // Redis exits when a write fails under 'always' (an acknowledged write would be lost);
      // otherwise it refuses writes until the disk takes them again, retrying each turn. A
      // failed write is no work done: the shard parks between retries instead of spinning.
      if (this.always) throw error;
      this.refusal = MISCONF + (error as Error).message;
    }
    this.publish(log);
    return work;
  }

  /** The log passed its rewrite size: a snapshot starts (a file that cannot be made is reported). */
  private autoRewrite(): void {
    try {
      this.startSnapshot();
    } catch (error) {
      this.shard.post({ type: 'snapshot-failed', error: (error as Error).message });
      // Not again before the log has grown as much once more.
      this.baseBytes = this.log?.size ?? 0;
    }
  }

  private publish(log: AppendLog): void {
    const { control, id } = this.shard;
    control.logs.setWritten(id, log.written);
    if (this.always) control.logs.setSynced(id, log.synced);
  }

  private rewriteDue(log: AppendLog): boolean {
    const { autoRewriteMinBytes, autoRewritePercentage } = this.settings;
    if (autoRewritePercentage === 0 || log.size < autoRewriteMinBytes) return false;
    return log.size - this.baseBytes >= (this.baseBytes * autoRewritePercentage) / 100;
  }

  /** Whether a snapshot is being written or committed. */
  get saving(): boolean {
    return this.snapshot !== undefined || this.pending !== undefined;
  }

  /** Starts a snapshot (BGSAVE, BGREWRITEAOF, auto rewrite); false if one is under way. */
  startSnapshot(): boolean {
    const journal = this.shard.replication.journal;
    if (this.saving || journal === undefined || this.log === undefined) return false;
    const shard = this.shard.control.workerShard(this.shard.id);
    const generation = this.generation + 1;
    const path = join(this.settings.dir, `${snapshotName(shard, generation)}.tmp`);
    this.snapshot = new SnapshotWriter(
      path,
      shard,
      this.shard.keyspace,
      journal,
      this.settings.compression === 'lz4',
    );
    journal.sinks.push(this.snapshot);
    this.snapshotStarted = performance.now();
    return true;
  }

  /** Writes a snapshot to its end now, in this turn (SAVE). */
  saveNow(): boolean {
    if (this.snapshot === undefined && !this.startSnapshot()) return false;
    while (this.snapshot !== undefined) this.snapshotStep();
    return true;
  }

  private snapshotStep(): number {
    const writer = this.snapshot!;
    let keys: number;
    try {
      keys = writer.step();
      if (writer.done) this.snapshotWritten(writer);
    } catch (error) {
      this.dropWriter(writer);
      this.shard.post({ type: 'snapshot-failed', error: (error as Error).message });
      this.commitFailed(`the snapshot failed: ${(error as Error).message}`);
      return 1;
    }
    return keys + 1;
  }

  private snapshotWritten(writer: SnapshotWriter): void {
    // The new log starts at the snapshot's offset: the records staged so far (a SAVE in the middle
    // of a turn) go to the old log first; if they cannot be written, the snapshot is given up (the
    // old log keeps everything).
    this.log!.write();
    const result = writer.finish();
    this.dropWriter(writer);
    const shard = this.shard.control.workerShard(this.shard.id);
    const generation = this.generation + 1;
    const log = join(this.settings.dir, logName(shard, generation));
    this.log!.follow(createLog(log, shard, result.offset));
    // While two logs are written the syncer fsyncs neither: it could fsync only the old one, and
    // the manifest may name the new one before the commit reaches this shard. WAITAOF waits for
    // the commit, which fsyncs the new log (AppendLog.switchToNext).
    this.shard.control.logs.setFd(this.shard.id, -1);
    this.pending = generation;
    this.shard.post({
      type: 'snapshot-written',
      snapshot: {
        generation,
        tmp: result.path,
        snapshot: snapshotName(shard, generation),
        log: logName(shard, generation),
        offset: result.offset,
        keys: result.keys,
        bytes: result.bytes,
        rawBytes: result.rawBytes,
        ms: performance.now() - this.snapshotStarted,
      },
    });
  }

  private dropWriter(writer: SnapshotWriter): void {
    writer.abandon();
    const sinks = this.shard.replication.journal?.sinks;
    const index = sinks?.indexOf(writer) ?? -1;
    if (index >= 0) sinks!.splice(index, 1);
    this.snapshot = undefined;
  }

  /** The manifest names snapshot `generation` and its log: the old log is closed. */
  committed(generation: number): void {
    const log = this.log;
    if (this.pending !== generation || log === undefined) {
      throw new Error(`no snapshot ${generation} waits for its commit`);
    }
    log.switchToNext();
    // The syncer fsyncs the new log from now on (it left the two files alone meanwhile).
    const { control, id } = this.shard;
    control.logs.setFd(id, log.files[0]!.fd);
    control.logs.setSynced(id, Math.max(control.logs.synced(id), log.synced));
    this.generation = generation;
    this.pending = undefined;
    this.baseBytes = log.size;
    for (const done of this.onCommit.splice(0)) done(true);
  }

  private commitFailed(error: string): void {
    // An automatic snapshot waits for the log to grow as much again before it tries once more.
    this.baseBytes = this.log?.size ?? 0;
    for (const done of this.onCommit.splice(0)) done(false, error);
  }

  /** The opening thread could not commit snapshot `generation`: the old pair stays. */
  abandoned(generation: number): void {
    if (this.pending !== generation) return;
    this.log?.dropNext();
    this.pending = undefined;
    const first = this.log?.files[0];
    if (first !== undefined) this.shard.control.logs.setFd(this.shard.id, first.fd);
    this.commitFailed('the snapshot was not committed (the database printed why)');
  }

  /** Writes and fsyncs the log now (close, and the slot fixes of an open). */
  syncNow(): void {
    const log = this.log;
    if (log === undefined) return;
    log.sync();
    const { control, id } = this.shard;
    control.logs.setWritten(id, log.written);
    control.logs.setSynced(id, log.synced);
  }

  /** This worker stops being its shard's primary: the log is left, on disk, to the next one. */
  leave(): void {
    if (this.log === undefined) return;
    this.close();
    this.pending = undefined;
    this.shard.control.logs.setFd(this.shard.id, -1);
  }

  /** The shard stops: what it journaled goes to disk (as Redis fsyncs its log at shutdown). */
  close(): void {
    if (this.snapshot !== undefined) this.dropWriter(this.snapshot);
    try {
      this.syncNow();
    } finally {
      this.log?.close();
      this.log = undefined;
    }
  }
}

/** Creates a log file that starts at journal offset `start`, replacing a leftover of that name. */
export function createLog(path: string, shard: number, start: number): LogFile {
  try {
    const fd = openSync(path, 'w+');
    const header = fileHeader(LOG_MAGIC, shard, start);
    writeSync(fd, header, 0, header.length, 0);
    return { path, fd, size: header.length };
  } catch (error) {
    throw new PersistenceError(path, `cannot create the log: ${(error as Error).message}`);
  }
}
