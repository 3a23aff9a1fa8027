// The control block's words about the logs on disk (workers/persistence), shared by the shards, the
// syncer thread and the opening thread:
//
//   per seat, Float64: the journal offset written to its log (write(2), in the page cache), the
//   offset fsynced (on disk: what WAITAOF waits for), the log's file descriptor and its generation
//   (the syncer fsyncs that descriptor for appendfsync everysec, and publishes the offset only if
//   the generation did not change meanwhile: the file may have been replaced and the number reused)
//   Float64: when the last snapshot was committed (Unix seconds, LASTSAVE)
//   Int32: the import sequence (a migration's target journals the next number when it starts
//   importing, so recovery can tell which copy of an interrupted move is the newest), and the
//   syncer's doorbell
//   per seat, Float64: the bytes of its log and its state (LogState bits), as the primary last
//   published them (INFO persistence and db.stats() read them)

import { SHARDS_MAX } from './limits.js';

const PER_SEAT = 4;
const kWritten = 0;
const kSynced = 1;
const kFd = 2;
const kGeneration = 3;
const SEATS_BYTES = SHARDS_MAX * PER_SEAT * 8;
const kImportSequence = 0;
const kSyncerBell = 1;
const STATE_PER_SEAT = 2;
const kLogBytes = 0;
const kLogState = 1;
const STATE_OFFSET = SEATS_BYTES + 8 + 8;

export const LOG_WORDS_BYTES = STATE_OFFSET + SHARDS_MAX * STATE_PER_SEAT * 8;

/** A seat's log state, bits (0: it keeps no log). */
export const LogState = {
  /** It appends to a log (a primary of a database opened with `dir`). */
  Open: 1,
  /** A snapshot is being written or committed. */
  Saving: 2,
  /** The last write to the log failed: writes are refused (MISCONF). */
  WriteFailed: 4,
} as const;

export class LogWords {
  private readonly seats: Float64Array;
  private readonly lastSaveWord: Float64Array;
  private readonly sequences: Int32Array;
  private readonly states: Float64Array;

  constructor(sab: SharedArrayBuffer, offset: number) {
    this.seats = new Float64Array(sab, offset, SHARDS_MAX * PER_SEAT);
    this.lastSaveWord = new Float64Array(sab, offset + SEATS_BYTES, 1);
    this.sequences = new Int32Array(sab, offset + SEATS_BYTES + 8, 2);
    this.states = new Float64Array(sab, offset + STATE_OFFSET, SHARDS_MAX * STATE_PER_SEAT);
  }

  /** The journal offset `worker` wrote to its log (not yet on disk without an fsync). */
  written(worker: number): number {
    return this.seats[worker * PER_SEAT + kWritten]!;
  }

  setWritten(worker: number, offset: number): void {
    this.seats[worker * PER_SEAT + kWritten] = offset;
  }

  /** The journal offset `worker`'s log holds on disk (fsynced). */
  synced(worker: number): number {
    return this.seats[worker * PER_SEAT + kSynced]!;
  }

  setSynced(worker: number, offset: number): void {
    this.seats[worker * PER_SEAT + kSynced] = offset;
  }

  /** The descriptor of `worker`'s log (-1: none). */
  fd(worker: number): number {
    return this.seats[worker * PER_SEAT + kFd]!;
  }

  generation(worker: number): number {
    return this.seats[worker * PER_SEAT + kGeneration]!;
  }

  /** A new log file: the generation moves first, so a syncer that read the old fd publishes nothing. */
  setFd(worker: number, fd: number): void {
    const base = worker * PER_SEAT;
    this.seats[base + kGeneration] = this.seats[base + kGeneration]! + 1;
    this.seats[base + kFd] = fd;
  }

  /** Bytes of `worker`'s log file, as it last published them. */
  logBytes(worker: number): number {
    return this.states[worker * STATE_PER_SEAT + kLogBytes]!;
  }

  /** `worker`'s LogState bits (0: no log). */
  logState(worker: number): number {
    return this.states[worker * STATE_PER_SEAT + kLogState]!;
  }

  setLogState(worker: number, bytes: number, state: number): void {
    this.states[worker * STATE_PER_SEAT + kLogBytes] = bytes;
    this.states[worker * STATE_PER_SEAT + kLogState] = state;
  }

  /** Unix seconds of the last snapshot committed (LASTSAVE); 0 before any. */
  get lastSave(): number {
    return this.lastSaveWord[0]!;
  }

  set lastSave(seconds: number) {
    this.lastSaveWord[0] = seconds;
  }

  /** The next import sequence number. */
  nextImportSequence(): number {
    return Atomics.add(this.sequences, kImportSequence, 1) + 1;
  }

  get importSequence(): number {
    return Atomics.load(this.sequences, kImportSequence);
  }

  set importSequence(value: number) {
    Atomics.store(this.sequences, kImportSequence, value);
  }

  /** The syncer thread sleeps here between fsyncs, until `ms` pass or the database closes. */
  syncerSleep(ms: number): void {
    Atomics.wait(this.sequences, kSyncerBell, 0, ms);
  }

  get syncerStopped(): boolean {
    return Atomics.load(this.sequences, kSyncerBell) === 1;
  }

  stopSyncer(): void {
    Atomics.store(this.sequences, kSyncerBell, 1);
    Atomics.notify(this.sequences, kSyncerBell);
  }
}
