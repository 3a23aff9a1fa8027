// RENAME, RENAMENX and COPY (db.c): a value moves or is copied to another key of the same slot
// (the client refuses keys in two slots with CROSSSLOT), its deadline with it, as Redis carries
// the TTL. Any type: a string value is shared (strings are immutable), a collection is moved as
// it is by RENAME and deep-copied by COPY (CollectionValue.clone).

import { parseInt64 } from '../../src/shared/numbers.js';
import {
  DB_INDEX_RANGE,
  NO_SUCH_KEY,
  NOT_INTEGER,
  SAME_OBJECT,
  SYNTAX,
} from '../../src/shared/reply-errors.js';
import type { StoredValue } from '../keyspace/value.js';
import type { Call } from './call.js';

/** Redis reads COPY's DB index as a C int. */
const INT32_MAX = 2 ** 31 - 1;
const INT32_MIN = -(2 ** 31);

/** Stores `value` at `key` with the deadline `deadline` (undefined: none). */
function store(call: Call, key: string, value: StoredValue, deadline: number | undefined): void {
  call.keyspace.set(call.slot, key, value);
  if (deadline !== undefined) call.keyspace.setDeadline(call.slot, key, deadline);
}

/** RENAME key newkey, and RENAMENX key newkey (`nx`). */
function renameGeneric(call: Call, nx: boolean): void {
  const keyspace = call.keyspace;
  const slot = call.slot;
  const source = call.arg(0);
  const destination = call.arg(1);
  let value = keyspace.get(slot, source);
  if (value === undefined) {
    call.error(NO_SUCH_KEY);
    return;
  }
  // The same key: nothing changes, and nothing is signalled to WATCH (as Redis).
  if (source === destination) {
    if (nx) call.int(0);
    else call.ok();
    return;
  }
  if (keyspace.get(slot, destination) !== undefined) {
    if (nx) {
      call.int(0);
      return;
    }
    keyspace.delete(slot, destination);
  }
  const deadline = keyspace.deadline(slot, source);
  // A collection a migration is copying in pieces reports its changes to that copy under its old
  // key: the new key gets a copy of its own, and the tracked value leaves with the old key.
  if (typeof value !== 'string' && value.tracker !== undefined) value = value.clone();
  keyspace.delete(slot, source);
  store(call, destination, value, deadline);
  if (nx) call.int(1);
  else call.ok();
}

export function rename(call: Call): void {
  renameGeneric(call, false);
}

export function renameNx(call: Call): void {
  renameGeneric(call, true);
}

/**
 * COPY's options from argument 2 on: whether REPLACE was given, or undefined after answering an
 * error. DB must name database 0, the only one slotdb has (another index answers as Redis does
 * for a database it does not have).
 */
function copyReplace(call: Call): boolean | undefined {
  let replace = false;
  for (let i = 2; i < call.argc; i++) {
    if (call.argIs(i, 'REPLACE')) {
      replace = true;
    } else if (call.argIs(i, 'DB') && i + 1 < call.argc) {
      const index = parseInt64(call.arg(i + 1));
      if (index === undefined || index > INT32_MAX || index < INT32_MIN) {
        call.error(NOT_INTEGER);
        return undefined;
      }
      if (index !== 0) {
        call.error(DB_INDEX_RANGE);
        return undefined;
      }
      i++;
    } else {
      call.error(SYNTAX);
      return undefined;
    }
  }
  return replace;
}

/** COPY source destination [DB index] [REPLACE]. */
export function copy(call: Call): void {
  const replace = copyReplace(call);
  if (replace === undefined) return;
  const keyspace = call.keyspace;
  const slot = call.slot;
  const source = call.arg(0);
  const destination = call.arg(1);
  if (source === destination) {
    call.error(SAME_OBJECT);
    return;
  }
  const value = keyspace.get(slot, source);
  if (value === undefined) {
    call.int(0);
    return;
  }
  if (keyspace.get(slot, destination) !== undefined) {
    if (!replace) {
      call.int(0);
      return;
    }
    keyspace.delete(slot, destination);
  }
  const copied = typeof value === 'string' ? value : value.clone();
  store(call, destination, copied, keyspace.deadline(slot, source));
  call.int(1);
}
