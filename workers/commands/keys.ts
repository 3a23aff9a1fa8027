// Keyspace commands (db.c, cluster.c): DEL, UNLINK, EXISTS, TOUCH, TYPE, DBSIZE, FLUSHALL,
// FLUSHDB, KEYS, SCAN, CLUSTER COUNTKEYSINSLOT and CLUSTER GETKEYSINSLOT; RENAME, RENAMENX and
// COPY are in rename.ts. Multi-key commands reach a shard already split by slot (or in one slot):
// every key of one frame hashes to the frame's slot.

import type { ShardCommandName } from '../../src/commands/table.js';
import { SCAN_EMPTY_VISITS_PER_COUNT, SLOT_COUNT } from '../../src/shared/limits.js';
import { parseInt64 } from '../../src/shared/numbers.js';
import { INVALID_SLOT_OR_COUNT, NOT_INTEGER, SYNTAX } from '../../src/shared/reply-errors.js';
import { NO_TYPE_NAME, SCAN_TYPE_NAMES } from '../../src/shared/value-types.js';
import { globMatch } from '../keyspace/glob.js';
import { typeNameOf } from '../keyspace/value.js';
import { existingWatchTable } from '../transactions/watch-table.js';
import type { Call, CommandHandler } from './call.js';
import { copy, rename, renameNx } from './rename.js';

export function del(call: Call): void {
  const keyspace = call.keyspace;
  let deleted = 0;
  for (let i = 0; i < call.argc; i++) if (keyspace.delete(call.slot, call.arg(i))) deleted++;
  call.int(deleted);
}

/** EXISTS and TOUCH: counts the arguments that name an existing key (repeats count again). */
export function exists(call: Call): void {
  const keyspace = call.keyspace;
  let found = 0;
  for (let i = 0; i < call.argc; i++) if (keyspace.has(call.slot, call.arg(i))) found++;
  call.int(found);
}

export function type(call: Call): void {
  const value = call.keyspace.get(call.slot, call.arg(0));
  call.status(value === undefined ? NO_TYPE_NAME : typeNameOf(value));
}

export function dbSize(call: Call): void {
  call.int(call.keyspace.keyCount);
}

/** FLUSHALL and FLUSHDB [ASYNC|SYNC]: both drop every key (slotdb has one database). */
export function flushAll(call: Call): void {
  if (call.argc > 1 || (call.argc === 1 && !call.argIs(0, 'ASYNC') && !call.argIs(0, 'SYNC'))) {
    call.error(SYNTAX);
    return;
  }
  // WATCH: a watched key that exists now is changed by the flush (Redis's touchAllWatchedKeysInDb).
  existingWatchTable(call.keyspace)?.flushing();
  call.keyspace.flush();
  call.ok();
}

export function keys(call: Call): void {
  const pattern = call.arg(0);
  const matchAll = pattern === '*';
  const found: string[] = [];
  for (let slot = 0; slot < SLOT_COUNT; slot++) {
    if (!call.ownsSlot(slot)) continue;
    collectSlot(call, slot, matchAll ? undefined : pattern, found);
  }
  replyKeys(call, found);
}

/** Bytes of `keys` as an array reply of bulk strings: a u8 type and u32 length or count each. */
export function keysReplyBytes(keys: readonly string[]): number {
  let bytes = 5;
  for (let i = 0; i < keys.length; i++) bytes += 5 + keys[i]!.length;
  return bytes;
}

/** Replies `found` as an array, or the reply-limit error when it cannot fit in one frame. */
function replyKeys(call: Call, found: readonly string[]): void {
  if (!call.fitsReply(keysReplyBytes(found))) return;
  call.array(found.length);
  for (const key of found) call.bulk(key);
}

/**
 * Appends the live keys of `slot` that match `pattern` (all when undefined) and hold a value of
 * type `typeName` (any when undefined) to `found`. Returns how many live keys matched the pattern,
 * of any type: SCAN's COUNT counts those, as Redis filters by type only after the scan step.
 */
function collectSlot(
  call: Call,
  slot: number,
  pattern: string | undefined,
  found: string[],
  typeName?: string,
): number {
  const table = call.keyspace.table(slot);
  if (table === undefined) return 0;
  let matched = 0;
  for (const key of table.keys()) {
    if (pattern !== undefined && !globMatch(pattern, key)) continue;
    // get() expires the key lazily, as Redis's SCAN does, so an expired key is never listed.
    const value = call.keyspace.get(slot, key);
    if (value === undefined) continue;
    matched++;
    if (typeName === undefined || typeNameOf(value) === typeName) found.push(key);
  }
  return matched;
}

/**
 * SCAN cursor [MATCH pattern] [COUNT count] [TYPE type]. The cursor is the next slot to visit; this
 * shard visits the slots it owns from there on, whole slots at a time, until it has seen `count`
 * keys, has visited count*10 slots, or reaches a slot it does not own. A key present for the whole
 * iteration is therefore returned exactly once, unless its slot moves between calls. TYPE filters
 * the keys seen, as Redis does after a scan step: keys of other types still count towards `count`.
 */
export function scan(call: Call): void {
  const cursor = Number(call.arg(0));
  let count = 10;
  let pattern: string | undefined;
  let typeName: string | undefined;
  for (let j = 1; j < call.argc; j++) {
    if (j + 1 >= call.argc) {
      call.error(SYNTAX);
      return;
    }
    if (call.argIs(j, 'COUNT')) {
      const parsed = parseInt64(call.arg(j + 1));
      if (parsed === undefined) {
        call.error(NOT_INTEGER);
        return;
      }
      if (parsed < 1) {
        call.error(SYNTAX);
        return;
      }
      count = Number(parsed);
    } else if (call.argIs(j, 'MATCH')) {
      pattern = call.arg(j + 1);
      if (pattern === '*') pattern = undefined;
    } else if (call.argIs(j, 'TYPE')) {
      typeName = call.arg(j + 1).toLowerCase();
      if (!SCAN_TYPE_NAMES.has(typeName)) {
        call.error(`ERR unknown type name '${call.arg(j + 1)}'`);
        return;
      }
    } else {
      call.error(SYNTAX);
      return;
    }
    j++;
  }
  const found: string[] = [];
  const visitsMax = count * SCAN_EMPTY_VISITS_PER_COUNT;
  let slot = cursor;
  let matched = 0;
  for (let visits = 0; slot < SLOT_COUNT && call.ownsSlot(slot); slot++) {
    if (matched >= count || visits >= visitsMax) break;
    matched += collectSlot(call, slot, pattern, found, typeName);
    visits++;
  }
  const next = slot >= SLOT_COUNT ? '0' : String(slot);
  if (!call.fitsReply(5 + 5 + next.length + keysReplyBytes(found))) return;
  call.array(2);
  call.bulk(next);
  replyKeys(call, found);
}

export function countKeysInSlot(call: Call): void {
  call.int(call.keyspace.table(call.slot)?.size ?? 0);
}

export function getKeysInSlot(call: Call): void {
  const wanted = parseInt64(call.arg(1));
  if (wanted === undefined) {
    call.error(NOT_INTEGER);
    return;
  }
  if (wanted < 0) {
    call.error(INVALID_SLOT_OR_COUNT);
    return;
  }
  const found: string[] = [];
  const table = call.keyspace.table(call.slot);
  if (table !== undefined) {
    for (const key of table.keys()) {
      if (found.length >= wanted) break;
      found.push(key);
    }
  }
  replyKeys(call, found);
}

export const handlers = {
  del,
  unlink: del,
  exists,
  touch: exists,
  type,
  dbsize: dbSize,
  flushall: flushAll,
  flushdb: flushAll,
  keys,
  rename,
  renamenx: renameNx,
  copy,
  scan,
  'cluster|countkeysinslot': countKeysInSlot,
  'cluster|getkeysinslot': getKeysInSlot,
} satisfies Partial<Record<ShardCommandName, CommandHandler>>;
