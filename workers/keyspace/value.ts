// What a key holds. A string value is a plain one-byte JS string whose chars are the bytes (the
// keyspace stores it as those bytes in the shard's arena, store/): it is by far the most common
// value and the one GET and SET touch, so it carries no wrapper. Values of the other types are
// objects that carry their kind, so `typeof value === 'string'` tells the two apart for the price
// of a type check.

import { VALUE_TYPE_NAMES, ValueKind } from '../../src/shared/value-types.js';

/** The kinds held as objects: every kind but strings. */
export type CollectionKind = Exclude<ValueKind, typeof ValueKind.String>;

/**
 * Told of every change to a collection while the collection migrates in pieces (a big key travels
 * in bounded pieces and stays writable meanwhile, docs/migration.md). Each collection class calls
 * its value's tracker, when one is set, from every method that changes it, after the change; with
 * no migration in progress the tracker is undefined and the cost is one field test.
 */
export interface MemberTracker {
  /** A hash field, set member or sorted-set member was added, changed or removed. */
  member(name: string): void;
  /** `count` elements were pushed at the head (`head`) or the tail of a list. */
  pushed(head: boolean, count: number): void;
  /** `count` elements were popped from the head (`head`) or the tail of a list. */
  popped(head: boolean, count: number): void;
  /** A list changed other than at its ends (LSET, LINSERT, LREM, LTRIM): a copy must restart. */
  rewritten(): void;
}

/**
 * A value of one of Redis's collection types (hash, list, set, sorted set). Each type extends this
 * class with its own storage (hash-value.ts, list-value.ts, set-value.ts, zset-value.ts). A
 * collection is never empty in the keyspace: a command that removes its last member deletes the
 * key, as Redis does.
 */
export abstract class CollectionValue {
  abstract readonly kind: CollectionKind;
  /** Members held: fields of a hash, elements of a list, members of a set or sorted set. */
  abstract get size(): number;
  /** Set by a migration while this value travels in pieces; see MemberTracker. */
  tracker: MemberTracker | undefined = undefined;
  /** A deep copy with no tracker (COPY; the copy shares nothing mutable with this value). */
  abstract clone(): CollectionValue;
}

export type StoredValue = string | CollectionValue;

/**
 * What a typed lookup returns when the key exists but holds another type; handlers answer it with
 * Redis's WRONGTYPE error. A symbol, so that it can never be mistaken for a stored value.
 */
export const WRONG_TYPE: unique symbol = Symbol('slotdb.wrongType');
export type WrongType = typeof WRONG_TYPE;

export function kindOf(value: StoredValue): ValueKind {
  return typeof value === 'string' ? ValueKind.String : value.kind;
}

/** Redis's TYPE name of a value ('string', 'hash', ...). */
export function typeNameOf(value: StoredValue): string {
  return VALUE_TYPE_NAMES[kindOf(value)];
}
