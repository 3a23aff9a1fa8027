// The places the event-loop benchmark keeps its entries: a Map in the main thread, lru-cache in the
// main thread, and slotdb (its shards in worker threads); and none at all, the floor. Each is loaded
// with `keys` keys of version-0 values and then read and written one key a request.

import { LRUCache } from 'lru-cache';
import { SlotDB } from '../src/index.js';
import { indexOfKey, keyOf, type StoreName, valueAt } from './event-loop-protocol.js';

/** A store as the server uses it: a Map and lru-cache answer at once, slotdb with a promise. */
export interface Store {
  get(key: string): string | null | undefined | Promise<string | null>;
  set(key: string, value: string): unknown;
  close(): Promise<void>;
}

/** Pairs in one mSet while slotdb loads, and mSets in flight at once. */
const LOAD_CHUNK_KEYS = 10_000;
const LOAD_CHUNKS_IN_FLIGHT = 4;

/** Keys read back after the load, spread over the key space, before any figure is taken. */
const CHECK_KEYS = 1000;

/** No cache: only the keys written during the run are kept (a few thousand). */
function noStore(): Store {
  const writes = new Map<string, string>();
  return {
    get: (key) => writes.get(key) ?? valueAt(indexOfKey(key), 0),
    set: (key, value) => writes.set(key, value),
    close: async () => undefined,
  };
}

function mapStore(keys: number): Store {
  const map = new Map<string, string>();
  for (let i = 0; i < keys; i++) map.set(keyOf(i), valueAt(i, 0));
  return {
    get: (key) => map.get(key),
    set: (key, value) => map.set(key, value),
    close: async () => undefined,
  };
}

function lruStore(keys: number): Store {
  // max is the key count: every key fits, so a read never misses and a write never evicts; what is
  // measured is the cache's bookkeeping, not its eviction.
  const cache = new LRUCache<string, string>({ max: keys });
  for (let i = 0; i < keys; i++) cache.set(keyOf(i), valueAt(i, 0));
  return {
    get: (key) => cache.get(key),
    set: (key, value) => cache.set(key, value),
    close: async () => undefined,
  };
}

async function slotdbStore(keys: number): Promise<Store> {
  const db = await SlotDB.open();
  const inFlight: Promise<unknown>[] = [];
  for (let from = 0; from < keys; from += LOAD_CHUNK_KEYS) {
    const pairs: [string, string][] = [];
    for (let i = from; i < Math.min(keys, from + LOAD_CHUNK_KEYS); i++)
      pairs.push([keyOf(i), valueAt(i, 0)]);
    inFlight.push(db.mSet(pairs));
    if (inFlight.length === LOAD_CHUNKS_IN_FLIGHT) await inFlight.shift();
  }
  await Promise.all(inFlight);
  return {
    get: (key) => db.get(key),
    set: (key, value) => db.set(key, value),
    close: () => db.close(),
  };
}

const STORE_LOADERS = {
  none: noStore,
  map: mapStore,
  'lru-cache': lruStore,
  slotdb: slotdbStore,
} satisfies Record<StoreName, (keys: number) => Store | Promise<Store>>;

/** A store of `name` holding keys 0..keys-1 at version 0, checked on a sample of them. */
export async function loadedStore(name: StoreName, keys: number): Promise<Store> {
  const store = await STORE_LOADERS[name](keys);
  const step = Math.max(1, Math.floor(keys / CHECK_KEYS));
  for (let i = 0; i < keys; i += step) {
    const value = await store.get(keyOf(i));
    if (value !== valueAt(i, 0))
      throw new Error(`${name} holds ${JSON.stringify(value)} for ${keyOf(i)} after the load`);
  }
  return store;
}
