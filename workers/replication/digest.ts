// A canonical listing of a keyspace, for checking that a replica holds what its primary holds:
// every key with its slot, type, value and deadline, in an order and a form that do not depend on
// how the value is laid out in memory (a hash's pair order, a set's seed and table, a list's ring),
// since a replica that got a key by a full copy and one that built it command by command hold the
// same data in different layouts.
//
// Keys past their deadline are listed as they are: a replica never expires keys on its own, it
// waits for its primary's DEL, so a primary and a replica at the same journal offset hold the same
// keys, expired or not. Reading the tables directly expires nothing.

import { SLOT_COUNT } from '../../src/shared/limits.js';
import { VALUE_TYPE_NAMES, ValueKind } from '../../src/shared/value-types.js';
import type { HashValue } from '../keyspace/hash-value.js';
import type { Keyspace } from '../keyspace/keyspace.js';
import type { ListValue } from '../keyspace/list-value.js';
import type { SetValue } from '../keyspace/set-value.js';
import type { StoredValue } from '../keyspace/value.js';
import type { ZSetValue } from '../keyspace/zset-value.js';

/**
 * One line per key, sorted: `slot key type value deadline` (key and value as JSON). Keys whose
 * deadline is at or before `expiredBy` (Unix ms; 0 lists every key) are left out.
 */
export function keyspaceLines(keyspace: Keyspace, expiredBy = 0): string[] {
  const lines: string[] = [];
  for (let slot = 0; slot < SLOT_COUNT; slot++) {
    const table = keyspace.table(slot);
    if (table === undefined) continue;
    for (const [key, value] of table) {
      const type = VALUE_TYPE_NAMES[typeof value === 'string' ? ValueKind.String : value.kind];
      const deadline = keyspace.deadline(slot, key) ?? 0;
      if (deadline !== 0 && deadline <= expiredBy) continue;
      lines.push(`${slot} ${JSON.stringify(key)} ${type} ${canonicalValue(value)} ${deadline}`);
    }
  }
  return lines.sort();
}

function canonicalValue(value: StoredValue): string {
  if (typeof value === 'string') return JSON.stringify(value);
  switch (value.kind) {
    case ValueKind.List:
      return JSON.stringify((value as ListValue).toArray());
    case ValueKind.Set:
      return JSON.stringify((value as SetValue).members().sort());
    case ValueKind.Hash: {
      const hash = value as HashValue;
      const pairs: [string, string][] = [];
      for (let i = 0; i < hash.size; i++) pairs.push([hash.fieldAt(i), hash.valueAt(i)]);
      return JSON.stringify(pairs.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)));
    }
    default: {
      // Members in score order; a score as text that tells -0 from 0.
      const zset = value as ZSetValue;
      const members: string[] = [];
      zset.walk(0, zset.size, false, (member, score) => {
        members.push(member, Object.is(score, -0) ? '-0' : String(score));
      });
      return JSON.stringify(members);
    }
  }
}
