// The opening thread's side of a data directory: it locks the directory, reads or creates the
// manifest, tells each primary which files to recover from, commits the snapshots the shards
// write (fsync, rename, manifest), keeps the manifest's slot map current, runs the syncer thread
// for appendfsync 'everysec', and at close writes the final manifest and releases the lock.
//
// A commit, for a snapshot shard S's primary wrote (its records to a .tmp file, and a new log that
// starts at the snapshot's offset and takes every record since, as the old log does):
//   fsync the snapshot, rename it to its name, fsync the new log and the directory
//   write the manifest naming the new pair          <- from here a crash recovers from them
//   tell the primary (snapshot-commit): it closes the old log; the old pair is removed
// A failover of S waits for a commit under way, so the promoted replica takes over the log the
// manifest names (src/replication/replica-sets.ts).

import { open, rename, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { PersistenceError } from '../errors.js';
import { type ControlBlock, WorkerRole } from '../shared/control-block.js';
import type { Reply, ShardEvent, ShardRequest } from '../shared/control-messages.js';
import { SLOT_COUNT } from '../shared/limits.js';
import type {
  PersistenceInit,
  RecoveryReport,
  ShardFiles,
  SnapshotWritten,
} from '../shared/persistence-messages.js';
import { lockDirectory, removeUnnamed } from './directory.js';
import { fileHeader, LOG_MAGIC, logName } from './file-format.js';
import {
  type Manifest,
  newManifest,
  ownerRuns,
  ownersOf,
  readManifest,
  syncDirectory,
  writeManifest,
} from './manifest.js';
import { fixInterruptedMoves } from './open-fixes.js';

const SYNCER_SCRIPT = new URL('../../workers/persistence/syncer.js', import.meta.url);
const EVERYSEC_MS = 1000;
const SLOT_MAP_CHECK_MS = 1000;

/** What the store needs of the shard pool. */
export interface StorePool {
  readonly control: ControlBlock;
  /** The database is closing: a snapshot not committed yet is left (the next open removes it). */
  readonly stopping: boolean;
  request(seat: number, request: ShardRequest): Promise<Reply>;
  live(seat: number): boolean;
}

/** A snapshot committed, as db.stats() and the benchmarks report it. */
export interface SnapshotRecord {
  readonly shard: number;
  readonly keys: number;
  readonly bytes: number;
  readonly rawBytes: number;
  readonly ms: number;
  readonly at: number;
}

export class DataStore {
  readonly recoveries: (RecoveryReport | undefined)[] = [];
  readonly snapshots: SnapshotRecord[] = [];
  private commits = new Map<number, Promise<void>>();
  /** Per shard, the primary a failover replaces: a snapshot it wrote is not committed any more. */
  private replaced = new Map<number, number>();
  private manifestWrites: Promise<void> = Promise.resolve();
  private syncer: Worker | undefined;
  private timer: NodeJS.Timeout | undefined;
  private pool: StorePool | undefined;

  private constructor(
    readonly settings: Omit<PersistenceInit, 'files'>,
    private readonly manifest: Manifest,
    private readonly release: () => void,
  ) {}

  /** Locks `settings.dir` and reads its manifest, or starts a new directory of `shards` shards. */
  static async open(settings: Omit<PersistenceInit, 'files'>, shards: number): Promise<DataStore> {
    const dir = settings.dir;
    const release = await lockDirectory(dir);
    try {
      let manifest = await readManifest(dir);
      if (manifest === undefined) manifest = await createDirectory(dir, shards);
      else if (manifest.shards !== shards) {
        throw new PersistenceError(
          dir,
          `the data was written with shards: ${manifest.shards}, and the database is opened with shards: ${shards}; open it with shards: ${manifest.shards} (the shard count of a data directory cannot change)`,
        );
      }
      return new DataStore(settings, manifest, release);
    } catch (error) {
      release();
      throw error;
    }
  }

  /** The store of a database opened with `dir` (undefined without). */
  static openFor(options: {
    readonly persistence: Omit<PersistenceInit, 'files'> | undefined;
    readonly shards: number;
  }): Promise<DataStore | undefined> {
    const settings = options.persistence;
    return settings === undefined
      ? Promise.resolve(undefined)
      : DataStore.open(settings, options.shards);
  }

  /** The shard owning each slot, as the manifest says. */
  owners(): Uint16Array {
    return ownersOf(this.settings.dir, this.manifest);
  }

  /** The settings a worker starts with; a primary gets its shard's files to recover from. */
  initFor(shard: number, role: number): PersistenceInit {
    if (role !== WorkerRole.Primary) return this.settings;
    return { ...this.settings, files: this.manifest.files[shard]! };
  }

  /**
   * Every primary recovered: moves interrupted by a crash are settled (open-fixes.ts), the
   * numbers go on, the syncer starts and the manifest is written. Returns the warnings to show.
   */
  private async start(pool: StorePool, reports: readonly RecoveryReport[]): Promise<string[]> {
    this.pool = pool;
    const control = pool.control;
    reports.forEach((report, shard) => {
      this.recoveries[shard] = report;
    });
    let sequence = this.manifest.importSequence;
    for (const report of reports) sequence = Math.max(sequence, report.importSequence);
    control.logs.importSequence = sequence;
    control.logs.lastSave = this.manifest.savedAt;
    const warnings = reports.flatMap((report) => report.warnings);
    const known = this.manifest.importSequence;
    warnings.push(...(await fixInterruptedMoves(pool, this.owners(), reports, known)));
    await this.saveManifest();
    if (this.settings.appendfsync === 'everysec') {
      this.syncer = new Worker(SYNCER_SCRIPT, {
        workerData: { control: control.sab, intervalMs: EVERYSEC_MS },
        name: 'slotdb-syncer',
      });
      this.syncer.unref();
    }
    this.timer = setInterval(() => {
      if (control.epoch !== this.manifest.epoch) void this.saveManifest().catch(warn);
    }, SLOT_MAP_CHECK_MS);
    this.timer.unref();
    return warnings;
  }

  /** Checks the primaries' ready events (a failed recovery refuses the open), then starts. */
  async started(pool: StorePool, events: readonly ShardEvent[]): Promise<void> {
    const reports: RecoveryReport[] = [];
    for (const event of events) {
      if (event.type !== 'ready') continue;
      if (event.failed !== undefined) {
        const { file, offset, problem } = event.failed;
        throw new PersistenceError(file, problem, offset);
      }
      if (event.recovery !== undefined) reports.push(event.recovery);
    }
    // Only now that every shard read the files the manifest names: before, a file it does not
    // name may be the only copy of the data (a manifest naming a missing file is refused, and
    // must not cost the user the others).
    const named = new Set<string>();
    for (const files of this.manifest.files) {
      named.add(files.log);
      if (files.snapshot !== null) named.add(files.snapshot);
    }
    await removeUnnamed(this.settings.dir, named);
    for (const warning of await this.start(pool, reports)) console.warn(`slotdb: ${warning}`);
  }

  /** A snapshot event from a shard; returns whether it was one. */
  onEvent(seat: number, event: ShardEvent): boolean {
    if (event.type === 'snapshot-written') this.snapshotWritten(seat, event.snapshot);
    else if (event.type === 'snapshot-failed') warn(new Error(`a snapshot failed: ${event.error}`));
    else return false;
    return true;
  }

  /** The files a promoted replica of `shard` takes over, once a commit under way is done. */
  async filesForPromotion(shard: number): Promise<ShardFiles> {
    // The primary being replaced counts as live and primary until the promotion is done: a
    // snapshot event of it that arrives from now on must not name new files behind the new one.
    this.replaced.set(shard, this.pool!.control.primaryOf(shard));
    await this.commits.get(shard);
    return this.manifest.files[shard]!;
  }

  /** The promotion filesForPromotion was asked for ended, done or not: commits count again. */
  promotionEnded(shard: number): void {
    this.replaced.delete(shard);
  }

  /** A shard wrote a snapshot: commit it (in order with its shard's other commits). */
  snapshotWritten(seat: number, written: SnapshotWritten): void {
    const pool = this.pool;
    if (pool === undefined) return;
    const shard = pool.control.workerShard(seat);
    const previous = this.commits.get(shard) ?? Promise.resolve();
    const next = previous.then(() => this.commit(pool, seat, shard, written));
    this.commits.set(shard, next);
  }

  private async commit(
    pool: StorePool,
    seat: number,
    shard: number,
    w: SnapshotWritten,
  ): Promise<void> {
    const dir = this.settings.dir;
    const control = pool.control;
    const old = this.manifest.files[shard]!;
    let named = false;
    try {
      await fsyncFile(w.tmp);
      await rename(w.tmp, join(dir, w.snapshot));
      await fsyncFile(join(dir, w.log));
      await syncDirectory(dir);
      const replaced = this.replaced.get(shard) === seat;
      if (!pool.live(seat) || control.primaryOf(shard) !== seat || replaced) {
        throw new Error(`worker ${seat} is no longer the primary of shard ${shard}`);
      }
      this.manifest.files[shard] = { snapshot: w.snapshot, log: w.log, generation: w.generation };
      this.manifest.savedAt = Math.floor(Date.now() / 1000);
      named = true;
      await this.saveManifest();
    } catch (error) {
      if (named) {
        // The manifest on disk may name the new pair (a rename done, its directory fsync failed):
        // name the old pair again, or, failing that, keep the shard writing to both logs.
        this.manifest.files[shard] = old;
        const restored = await this.saveManifest().then(
          () => true,
          () => false,
        );
        if (!restored) {
          warn(new Error(`the manifest cannot be written: ${(error as Error).message}`));
          return;
        }
      }
      await removeQuietly(w.tmp, join(dir, w.snapshot), join(dir, w.log));
      // Not awaited (nor below): a worker that died never answers, and the failover of its shard
      // waits for this commit (filesForPromotion) before the worker is declared dead.
      void pool
        .request(seat, { type: 'snapshot-abandon', generation: w.generation })
        .catch(() => undefined);
      if (pool.stopping) return;
      warn(
        new Error(`the snapshot of shard ${shard} was not committed: ${(error as Error).message}`),
      );
      return;
    }
    control.logs.lastSave = this.manifest.savedAt;
    const { keys, bytes, rawBytes, ms } = w;
    this.snapshots.push({ shard, keys, bytes, rawBytes, ms, at: Date.now() });
    // A worker that died meanwhile: the manifest's new pair holds all it wrote (both logs got it).
    const gone = [old.log, ...(old.snapshot === null ? [] : [old.snapshot])];
    void pool
      .request(seat, { type: 'snapshot-commit', generation: w.generation })
      .catch(() => undefined)
      .then(() => removeQuietly(...gone.map((name) => join(dir, name))));
  }

  /** Writes the manifest with the slot map as it is now (writes are serialized). */
  saveManifest(): Promise<void> {
    const write = this.manifestWrites.then(() => {
      const control = this.pool?.control;
      if (control !== undefined) {
        this.manifest.epoch = control.epoch;
        this.manifest.importSequence = Math.max(
          this.manifest.importSequence,
          control.logs.importSequence,
        );
        this.manifest.owners = ownerRuns((slot) => control.workerShard(control.owner[slot]!));
      }
      return writeManifest(this.settings.dir, this.manifest);
    });
    this.manifestWrites = write.catch(() => undefined);
    return write;
  }

  /** The shards stopped (their logs fsynced and closed): the last manifest, then the lock. */
  async close(): Promise<void> {
    if (this.timer !== undefined) clearInterval(this.timer);
    const control = this.pool?.control;
    if (this.syncer !== undefined && control !== undefined) {
      control.logs.stopSyncer();
      await this.syncer.terminate();
    }
    try {
      await Promise.all(this.commits.values());
      if (this.pool !== undefined) await this.saveManifest();
    } finally {
      this.release();
    }
  }
}

/** A new directory: every shard's first log (empty, from offset 0), then the manifest. */
async function createDirectory(dir: string, shards: number): Promise<Manifest> {
  const files: ShardFiles[] = [];
  for (let shard = 0; shard < shards; shard++) {
    const name = logName(shard, 1);
    const file = await open(join(dir, name), 'w');
    try {
      await file.writeFile(fileHeader(LOG_MAGIC, shard, 0));
      await file.datasync();
    } finally {
      await file.close();
    }
    files.push({ snapshot: null, log: name, generation: 1 });
  }
  const owners = ownerRuns((slot) => Math.floor((slot * shards) / SLOT_COUNT));
  const manifest = newManifest(shards, files, owners);
  await writeManifest(dir, manifest);
  return manifest;
}

async function fsyncFile(path: string): Promise<void> {
  const file = await open(path, 'r');
  try {
    await file.datasync();
  } finally {
    await file.close();
  }
}

async function removeQuietly(...paths: string[]): Promise<void> {
  for (const path of paths) await unlink(path).catch(() => undefined);
}

function warn(error: unknown): void {
  console.warn(`slotdb: ${(error as Error).message}`);
}
