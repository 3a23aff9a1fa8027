// The types a key's value can have, as both sides name them: shards tag stored values and batch
// entries with a ValueKind, and TYPE and SCAN ... TYPE answer with Redis's name for it.
//
// Only strings exist so far; the other kinds are listed now so that the keyspace, the migration
// batch format and TYPE have their place ready when hashes, lists, sets and sorted sets land.

export const ValueKind = { String: 0, Hash: 1, List: 2, Set: 3, ZSet: 4 } as const;
export type ValueKind = (typeof ValueKind)[keyof typeof ValueKind];

/** How many kinds there are; a kind byte at or above this is not a kind. */
export const VALUE_KIND_COUNT = 5;

/** Redis's TYPE name of each kind, indexed by ValueKind. */
export const VALUE_TYPE_NAMES = ['string', 'hash', 'list', 'set', 'zset'] as const satisfies Record<
  ValueKind,
  string
>;

/** What TYPE answers for a key that does not exist. */
export const NO_TYPE_NAME = 'none';

/**
 * Type names SCAN ... TYPE accepts. Redis knows streams too: asking for them is not an error, it
 * just matches no key here (slotdb has no streams).
 */
export const SCAN_TYPE_NAMES: ReadonlySet<string> = new Set<string>([
  ...VALUE_TYPE_NAMES,
  'stream',
]);

/** Whether `byte` (read from a frame) names a kind. */
export function isValueKind(byte: number): byte is ValueKind {
  return Number.isInteger(byte) && byte >= 0 && byte < VALUE_KIND_COUNT;
}
