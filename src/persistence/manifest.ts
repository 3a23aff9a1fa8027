// The manifest of a data directory: which files make up each shard's data now, the slot map (the
// shard owning each slot) and the numbers a restart goes on from. It is small JSON, read at open
// and replaced atomically (a new file written and fsynced, renamed over the old one, the directory
// fsynced) whenever a snapshot is committed or slots changed owner, and at close.

import { open, readFile, rename } from 'node:fs/promises';
import { join } from 'node:path';
import { PersistenceError } from '../errors.js';
import { SLOT_COUNT } from '../shared/limits.js';
import type { ShardFiles } from '../shared/persistence-messages.js';
import { FORMAT_VERSION } from './file-format.js';

export const MANIFEST_NAME = 'MANIFEST';
const FORMAT = 'slotdb-manifest';

export interface Manifest {
  readonly format: typeof FORMAT;
  readonly version: number;
  readonly shards: number;
  /** The slot map's epoch when written. */
  epoch: number;
  /** The highest import sequence number handed out (log-words.ts). */
  importSequence: number;
  /** The shard owning each slot, as runs [first slot, last slot, shard]. */
  owners: [number, number, number][];
  /** Per shard (by index): its snapshot, log and their generation. */
  files: ShardFiles[];
  /** Unix seconds of the last snapshot committed (LASTSAVE); 0 before any. */
  savedAt: number;
}

/** Reads the manifest of `dir`; undefined when there is none (a new directory). */
export async function readManifest(dir: string): Promise<Manifest | undefined> {
  const path = join(dir, MANIFEST_NAME);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new PersistenceError(path, `cannot read the manifest: ${(error as Error).message}`);
  }
  let manifest: unknown;
  try {
    manifest = JSON.parse(text);
  } catch {
    throw new PersistenceError(path, 'not a slotdb manifest (not JSON)');
  }
  return checkManifest(path, manifest);
}

function checkManifest(path: string, value: unknown): Manifest {
  const m = value as Partial<Manifest> | null;
  if (m === null || typeof m !== 'object' || m.format !== FORMAT) {
    throw new PersistenceError(path, 'not a slotdb manifest');
  }
  if (typeof m.version !== 'number' || m.version > FORMAT_VERSION) {
    throw new PersistenceError(
      path,
      `written by a newer slotdb (format version ${m.version}; this one reads up to ${FORMAT_VERSION})`,
    );
  }
  const shards = m.shards;
  const good =
    typeof shards === 'number' &&
    Number.isInteger(shards) &&
    shards > 0 &&
    Array.isArray(m.files) &&
    m.files.length === shards &&
    m.files.every(goodFiles) &&
    Array.isArray(m.owners) &&
    typeof m.epoch === 'number' &&
    typeof m.importSequence === 'number' &&
    typeof m.savedAt === 'number';
  if (!good)
    throw new PersistenceError(path, 'the manifest is damaged (a field is missing or wrong)');
  ownersOf(path, m as Manifest);
  return m as Manifest;
}

function goodFiles(files: ShardFiles): boolean {
  return (
    files !== null &&
    typeof files === 'object' &&
    typeof files.log === 'string' &&
    (files.snapshot === null || typeof files.snapshot === 'string') &&
    Number.isInteger(files.generation)
  );
}

/** The owner of every slot, from the manifest's runs; throws when they do not cover each once. */
export function ownersOf(path: string, manifest: Manifest): Uint16Array {
  const owner = new Uint16Array(SLOT_COUNT);
  let next = 0;
  for (const run of manifest.owners) {
    const [first, last, shard] = run;
    if (
      first !== next ||
      last < first ||
      last >= SLOT_COUNT ||
      !(shard >= 0 && shard < manifest.shards)
    ) {
      throw new PersistenceError(path, `the manifest's slot map is damaged near slot ${next}`);
    }
    owner.fill(shard, first, last + 1);
    next = last + 1;
  }
  if (next !== SLOT_COUNT) throw new PersistenceError(path, "the manifest's slot map misses slots");
  return owner;
}

/** Runs [first, last, shard] of a slot map given as the shard of each slot. */
export function ownerRuns(shardOf: (slot: number) => number): [number, number, number][] {
  const runs: [number, number, number][] = [];
  for (let slot = 0; slot < SLOT_COUNT; slot++) {
    const shard = shardOf(slot);
    const last = runs[runs.length - 1];
    if (last !== undefined && last[2] === shard && last[1] === slot - 1) last[1] = slot;
    else runs.push([slot, slot, shard]);
  }
  return runs;
}

/** A manifest for a new directory of `shards` shards (their first logs) and slot map `owners`. */
export function newManifest(
  shards: number,
  files: ShardFiles[],
  owners: [number, number, number][],
): Manifest {
  return {
    format: FORMAT,
    version: FORMAT_VERSION,
    shards,
    epoch: 0,
    importSequence: 0,
    owners,
    files,
    savedAt: 0,
  };
}

/** Replaces the manifest of `dir` atomically. */
export async function writeManifest(dir: string, manifest: Manifest): Promise<void> {
  const path = join(dir, MANIFEST_NAME);
  const tmp = `${path}.tmp`;
  try {
    const file = await open(tmp, 'w');
    try {
      await file.writeFile(`${JSON.stringify(manifest)}\n`);
      await file.datasync();
    } finally {
      await file.close();
    }
    await rename(tmp, path);
    await syncDirectory(dir);
  } catch (error) {
    throw new PersistenceError(path, `cannot write the manifest: ${(error as Error).message}`);
  }
}

/** fsyncs a directory, so a rename or a new file in it survives a crash. */
export async function syncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
