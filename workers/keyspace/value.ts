// What a key holds. A string value is a plain one-byte JS string whose chars are the bytes: it is
// by far the most common value and the one GET and SET touch, so it carries no wrapper (a wrapper
// object would cost memory per key and a pointer chase per read). Values of the other types are
// objects that carry their kind, so `typeof value === 'string'` tells the two apart for the price
// of a type check.

import { VALUE_TYPE_NAMES, ValueKind } from '../../src/shared/value-types.js';

/** The kinds held as objects: every kind but strings. */
export type CollectionKind = Exclude<ValueKind, typeof ValueKind.String>;

/**
 * A value of one of Redis's collection types (hash, list, set, sorted set). None is implemented
 * yet; each will extend this class with its own storage and name its kind.
 */
export abstract class CollectionValue {
  abstract readonly kind: CollectionKind;
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
