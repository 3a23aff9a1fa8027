// What the opening thread and a shard tell each other about the data directory (beside the control
// messages of src/shared/control-messages.ts): the settings a shard starts with, what its recovery
// found, and a snapshot's life (written by the shard, committed by the opening thread).

/** How a shard keeps its log and snapshots; every worker gets it, only a primary writes. */
export interface PersistenceInit {
  readonly dir: string;
  readonly appendfsync: 'always' | 'everysec' | 'no';
  readonly compression: 'lz4' | 'none';
  readonly loadTruncated: boolean;
  readonly loadCorrupt: 'refuse' | 'truncate';
  /** Auto rewrite: a snapshot starts once the log has this many bytes and ... */
  readonly autoRewriteMinBytes: number;
  /** ... has grown by this percentage of the last snapshot's size (0: never on its own). */
  readonly autoRewritePercentage: number;
  /** The files the manifest names for this worker's shard (a primary at open). */
  readonly files?: ShardFiles;
}

/** The files the manifest names for a shard (names within the data directory). */
export interface ShardFiles {
  readonly snapshot: string | null;
  readonly log: string;
  /** The generation of these files: the next snapshot takes the one after. */
  readonly generation: number;
}

/** What a primary's recovery found (in its ready event). */
export interface RecoveryReport {
  readonly offset: number;
  readonly keys: number;
  readonly snapshotKeys: number;
  readonly logRecords: number;
  readonly ms: number;
  readonly warnings: readonly string[];
  /** Slots holding keys or an import mark: [slot, mark (0: none), keys]. */
  readonly slots: readonly (readonly [number, number, number])[];
  /** The highest import sequence number found. */
  readonly importSequence: number;
}

/** A recovery that failed: the PersistenceError's parts. */
export interface RecoveryFailure {
  readonly file: string;
  readonly offset: number;
  readonly problem: string;
}

/** A snapshot the shard wrote; the opening thread commits it (fsync, rename, manifest). */
export interface SnapshotWritten {
  readonly generation: number;
  /** The file as written (a .tmp name) and the names the manifest will give. */
  readonly tmp: string;
  readonly snapshot: string;
  readonly log: string;
  readonly offset: number;
  readonly keys: number;
  readonly bytes: number;
  readonly rawBytes: number;
  readonly ms: number;
}
