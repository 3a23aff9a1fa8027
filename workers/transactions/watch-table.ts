// What WATCH keeps on a shard: per isolated client (its token), the keys it watches here and
// whether one of them changed since. Redis keeps this per connection (multi.c watchedKey); slotdb
// keeps it on the shard that owns the watched keys' slot, where every change to them happens.
//
// A change is whatever the keyspace signals to its `watcher` (writes, deletes, deadlines set or
// removed, expiry, and keys leaving for another shard in a migration): the watcher is installed
// only while some record here is still clean and watches a key, so a shard where nobody watches
// pays one field test per write (keyspace.ts). A change makes every record watching the key
// dirty, and a dirty record stops watching (as Redis's touchWatchedKey, which unwatches the
// client). FLUSHALL is told apart: it makes dirty the records whose keys exist when it runs.
//
// EXEC takes its record: it runs only if the record is here, clean, and counts every WATCH frame
// its client sent in the session (a WATCH that ran on another shard, because the slot moved or a
// migration forwarded it, leaves this shard's record short: EXEC then answers null, which is
// conservative and never wrong).

import type { Keyspace } from '../keyspace/keyspace.js';

interface WatchRecord {
  readonly token: string;
  readonly slot: number;
  /** WATCH frames of the session this shard recorded. */
  frames: number;
  /** A watched key changed (or the record was refused): EXEC answers null. */
  dirty: boolean;
  /** The keys watched here, while clean; emptied when the record turns dirty or leaves. */
  readonly keys: string[];
}

export class WatchTable {
  private readonly records = new Map<string, WatchRecord>();
  /** Clean records by slot, then by watched key. */
  private readonly bySlot = new Map<number, Map<string, WatchRecord[]>>();
  /** Keys indexed in bySlot, over all slots: the watcher is installed while this is above 0. */
  private indexed = 0;

  constructor(private readonly keyspace: Keyspace) {}

  /** Records that `token` watches `keys` of `slot` (one WATCH frame). */
  watch(token: string, slot: number, keys: readonly string[]): void {
    let record = this.records.get(token);
    if (record === undefined) {
      record = { token, slot, frames: 0, dirty: false, keys: [] };
      this.records.set(token, record);
    }
    record.frames++;
    // A session's keys share one slot (the client checks); a frame that says otherwise spoils it.
    if (record.slot !== slot) this.spoil(record);
    for (const key of keys) {
      // A key already past its deadline is expired now, before it is watched, so its removal is
      // not a change (Redis watches such a key as expired and ignores its deletion).
      this.keyspace.get(slot, key);
      if (!record.dirty) this.index(record, key);
    }
  }

  /**
   * EXEC: whether `token`'s watch holds (its record is here, clean, and recorded `frames` WATCH
   * frames). The record leaves the table either way. `slotMapChanged`: a slot changed owner since
   * the client's first WATCH; a watched key missing now may then have been written (and removed
   * again) on another shard while its slot was away, so the watch is broken (conservative).
   */
  take(token: string, slot: number, frames: number, slotMapChanged: boolean): boolean {
    const record = this.records.get(token);
    if (record === undefined) return false;
    if (record.slot !== slot) this.spoil(record);
    // Redis answers null for a watched key that expired since WATCH: reading each key here
    // expires it now, which the watcher reports.
    for (let i = 0; i < record.keys.length && !record.dirty; i++) {
      const present = this.keyspace.get(slot, record.keys[i]!) !== undefined;
      if (!present && slotMapChanged) this.spoil(record);
    }
    const holds = !record.dirty && record.frames === frames;
    this.drop(token);
    return holds;
  }

  /** UNWATCH (and the end of a session): forgets `token`. */
  drop(token: string): void {
    const record = this.records.get(token);
    if (record === undefined) return;
    this.unindex(record);
    this.records.delete(token);
  }

  /** Before FLUSHALL: every record watching a key that exists now turns dirty. */
  flushing(): void {
    for (const [slot, keys] of this.bySlot) {
      const table = this.keyspace.table(slot);
      if (table === undefined) continue;
      for (const [key, records] of keys) {
        if (table.has(key)) for (const record of [...records]) this.spoil(record);
      }
    }
  }

  /** Records held (clean or dirty): for tests. */
  get size(): number {
    return this.records.size;
  }

  /** The keyspace's watcher: `key` of `slot` changed. */
  private readonly changed = (slot: number, key: string): void => {
    const records = this.bySlot.get(slot)?.get(key);
    if (records === undefined) return;
    // spoil() removes each record from this very list: walk a copy.
    for (const record of [...records]) this.spoil(record);
  };

  private spoil(record: WatchRecord): void {
    if (record.dirty) return;
    record.dirty = true;
    this.unindex(record);
  }

  private index(record: WatchRecord, key: string): void {
    let keys = this.bySlot.get(record.slot);
    if (keys === undefined) {
      keys = new Map();
      this.bySlot.set(record.slot, keys);
    }
    const records = keys.get(key);
    if (records === undefined) keys.set(key, [record]);
    else if (records.includes(record)) return;
    else records.push(record);
    record.keys.push(key);
    if (this.indexed++ === 0) this.keyspace.watcher = this.changed;
  }

  private unindex(record: WatchRecord): void {
    const keys = this.bySlot.get(record.slot);
    for (const key of record.keys) {
      const records = keys?.get(key);
      if (records === undefined) continue;
      records.splice(records.indexOf(record), 1);
      if (records.length === 0) keys!.delete(key);
      if (--this.indexed === 0) this.keyspace.watcher = undefined;
    }
    if (keys !== undefined && keys.size === 0) this.bySlot.delete(record.slot);
    record.keys.length = 0;
  }
}

const TABLES = new WeakMap<Keyspace, WatchTable>();

/** The watch table of a keyspace (one per shard), made on first use. */
export function watchTable(keyspace: Keyspace): WatchTable {
  let table = TABLES.get(keyspace);
  if (table === undefined) {
    table = new WatchTable(keyspace);
    TABLES.set(keyspace, table);
  }
  return table;
}

/** The watch table of a keyspace if anyone ever watched there, else undefined (FLUSHALL asks). */
export function existingWatchTable(keyspace: Keyspace): WatchTable | undefined {
  return TABLES.get(keyspace);
}
