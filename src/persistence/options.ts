// The options of a database kept on disk, checked at open against each other (an option that
// configures the data directory without `dir`, two that contradict each other, LZ4 that cannot be
// loaded): every clash is an OptionError at open that names both options, never a failure later.

import { createRequire } from 'node:module';
import { OptionError } from '../errors.js';
import type { PersistenceInit } from '../shared/persistence-messages.js';

export interface PersistenceOptions {
  /**
   * A directory to keep the data in (created if missing). Unset: the database lives in memory
   * only, as without persistence. Set: every shard appends its writes to a log there and writes
   * snapshots; opening the directory again recovers the data.
   */
  dir?: string;
  /**
   * When the log is fsynced (Redis's appendfsync): 'always' before any reply that acknowledges a
   * write (group commit: one fsync per batch), 'everysec' (default) once a second by a background
   * thread, 'no' never by slotdb (the kernel flushes; close() fsyncs).
   */
  appendfsync?: 'always' | 'everysec' | 'no';
  /** How snapshot blocks are stored: 'lz4' (default) or 'none'. Either can be read back. */
  snapshotCompression?: 'lz4' | 'none';
  /** A snapshot starts by itself once a shard's log holds this many bytes (default 64 MiB)... */
  autoAofRewriteMinSize?: number;
  /** ... and grew by this percentage of its size after the last snapshot (default 100; 0: never). */
  autoAofRewritePercentage?: number;
  /** A torn last record in a log is cut off with a warning (default true) or refused. */
  aofLoadTruncated?: boolean;
  /**
   * A corrupt record in the middle of a log refuses the open (default 'refuse'), or with
   * 'truncate' the log is cut before it (a copy of the file is kept) and the open goes on.
   */
  aofLoadCorrupt?: 'refuse' | 'truncate';
}

export const PERSISTENCE_OPTION_NAMES = [
  'dir',
  'appendfsync',
  'snapshotCompression',
  'autoAofRewriteMinSize',
  'autoAofRewritePercentage',
  'aofLoadTruncated',
  'aofLoadCorrupt',
] as const;

const AUTO_REWRITE_MIN_SIZE_DEFAULT = 64 * 1024 * 1024;

/** The settings of `options` (undefined without `dir`); OptionError on any clash. */
export function persistenceSettings(
  options: Record<string, unknown>,
): Omit<PersistenceInit, 'files'> | undefined {
  const dir = options.dir;
  if (dir === undefined) {
    for (const name of PERSISTENCE_OPTION_NAMES) {
      if (options[name] !== undefined) {
        throw new OptionError(
          name,
          "set only with option 'dir' (it configures the data directory)",
          options[name],
        );
      }
    }
    return undefined;
  }
  if (typeof dir !== 'string' || dir.length === 0 || dir.includes('\0')) {
    throw new OptionError('dir', 'a directory path (a non-empty string)', dir);
  }
  const appendfsync = oneOf(
    options,
    'appendfsync',
    ['always', 'everysec', 'no'] as const,
    'everysec',
  );
  const compression = oneOf(options, 'snapshotCompression', ['lz4', 'none'] as const, 'lz4');
  const loadCorrupt = oneOf(options, 'aofLoadCorrupt', ['refuse', 'truncate'] as const, 'refuse');
  const loadTruncated = options.aofLoadTruncated ?? true;
  if (typeof loadTruncated !== 'boolean') {
    throw new OptionError('aofLoadTruncated', 'a boolean', loadTruncated);
  }
  if (loadCorrupt === 'truncate' && !loadTruncated) {
    throw new OptionError(
      'aofLoadCorrupt',
      "'refuse' with aofLoadTruncated: false (a log cut at a corrupt record but refused for a torn last one contradicts itself)",
      loadCorrupt,
    );
  }
  const autoRewriteMinBytes = bytesOption(
    options,
    'autoAofRewriteMinSize',
    AUTO_REWRITE_MIN_SIZE_DEFAULT,
  );
  const autoRewritePercentage = bytesOption(options, 'autoAofRewritePercentage', 100);
  if (autoRewritePercentage === 0 && options.autoAofRewriteMinSize !== undefined) {
    throw new OptionError(
      'autoAofRewriteMinSize',
      'left unset with autoAofRewritePercentage: 0 (automatic snapshots are off)',
      options.autoAofRewriteMinSize,
    );
  }
  if (compression === 'lz4') checkLz4();
  return {
    dir,
    appendfsync,
    compression,
    loadTruncated,
    loadCorrupt,
    autoRewriteMinBytes,
    autoRewritePercentage,
  };
}

function oneOf<T extends string>(
  options: Record<string, unknown>,
  name: string,
  allowed: readonly T[],
  fallback: T,
): T {
  const value = options[name] ?? fallback;
  if (!allowed.includes(value as T)) {
    throw new OptionError(
      name,
      allowed
        .map((v) => `'${v}'`)
        .join(', ')
        .replace(/, ([^,]*)$/, ' or $1'),
      value,
    );
  }
  return value as T;
}

function bytesOption(options: Record<string, unknown>, name: string, fallback: number): number {
  const value = options[name] ?? fallback;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw new OptionError(name, 'an integer of 0 or more', value);
  }
  return value;
}

/** LZ4 comes from lz4-napi, a native module: a platform without its binary cannot compress. */
function checkLz4(): void {
  try {
    createRequire(import.meta.url)('lz4-napi');
  } catch (error) {
    throw new OptionError(
      'snapshotCompression',
      `'none' here: LZ4 (lz4-napi) does not load on this platform (${(error as Error).message})`,
      'lz4',
    );
  }
}
