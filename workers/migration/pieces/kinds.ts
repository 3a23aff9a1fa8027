// Which kinds of value travel in pieces, and how: the two ends of each, by kind.

import { ValueKind } from '../../../src/shared/value-types.js';
import type { HashValue } from '../../keyspace/hash-value.js';
import type { ListValue } from '../../keyspace/list-value.js';
import type { SetValue } from '../../keyspace/set-value.js';
import type { CollectionValue } from '../../keyspace/value.js';
import type { ZSetValue } from '../../keyspace/zset-value.js';
import { HashPieceSource, StagedHash } from './hash-pieces.js';
import { ListPieceSource, StagedList } from './list-pieces.js';
import type { PieceSource, StagedValue } from './piece.js';
import { SetPieceSource, StagedSet } from './set-pieces.js';
import { StagedZSet, ZSetPieceSource } from './zset-pieces.js';

/** The source end for `value`, or undefined for a value that must travel whole. */
export function pieceSourceFor(value: CollectionValue): PieceSource | undefined {
  switch (value.kind) {
    case ValueKind.Hash: {
      const hash = value as HashValue;
      return hash.small ? undefined : new HashPieceSource(hash);
    }
    case ValueKind.List:
      return new ListPieceSource(value as ListValue);
    case ValueKind.Set:
      return new SetPieceSource(value as SetValue);
    case ValueKind.ZSet: {
      const zset = value as ZSetValue;
      return zset.compact ? undefined : new ZSetPieceSource(zset);
    }
    default:
      return undefined;
  }
}

/**
 * The most members a first piece may have the target size its copy for: the count only avoids
 * regrowing the copy while it fills, and must not let a bad frame allocate without bound.
 */
const PRESIZE_MEMBERS_MAX = 1 << 22;

/**
 * The target end for a value of `kind` announced with `seed` (a set's hash seed, a sorted set's
 * handle epoch) and `members` in its first piece, or
 * undefined for a kind that never travels in pieces (the piece is refused).
 */
export function stagedValueFor(
  kind: number,
  seed: number,
  members: number,
): StagedValue | undefined {
  const presize = Math.min(members, PRESIZE_MEMBERS_MAX);
  switch (kind) {
    case ValueKind.Hash:
      return new StagedHash();
    case ValueKind.List:
      return new StagedList(presize);
    case ValueKind.Set:
      return new StagedSet(seed, presize);
    case ValueKind.ZSet:
      return new StagedZSet(seed);
    default:
      return undefined;
  }
}
