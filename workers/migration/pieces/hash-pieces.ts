// A big hash in pieces. Operations: PUT (u32 position, field, value), one pair at its position.
//
// The target builds the hash position by position, so that each pair lands where it is on the
// source and an HSCAN cursor (a position, hash-value.ts) stays valid across the move, as with the
// whole-value codec. Positions are stable enough for that in the large form, the only one that
// travels in pieces (PIECE_BYTES_MIN keeps small hashes whole): a new field goes to the end, and a
// delete moves the last pair into the hole and tells the tracker of the moved field. So:
//
// - the cursor sends positions 0, 1, 2... with the pair each holds when it is sent;
// - a field the tracker names is sent again at its current position if that is behind the cursor
//   (ahead of it, the cursor will send it), and not at all if it was deleted: its position then
//   holds another field, also named (the moved one), or lies past the end;
// - the final piece gives the hash's size, and the target cuts its copy there.
//
// The target keeps the pairs in an array and an index field → offset. Overwriting a position drops
// the index entry of the field that was there if it still points there; a field sent at a new
// position points there from then on. At the end every position below the size holds the source's
// pair, and the index has exactly one entry per position: the target checks that.

import { InvariantError } from '../../../src/errors.js';
import { PIECE_BYTES_MIN } from '../../../src/shared/limits.js';
import {
  HASH_SMALL_BYTES_MAX,
  HASH_SMALL_FIELDS_MAX,
  HashValue,
} from '../../keyspace/hash-value.js';
import type { CollectionValue } from '../../keyspace/value.js';
import { PieceSource, type StagedValue } from './piece.js';
import { type OpReader, type OpWriter, textBytes, U32_BYTES } from './piece-frame.js';

const Op = { Put: 1 } as const;

/** The most a small hash's byte form can take (every field and value at the small limit). */
const SMALL_HASH_BYTES_MAX = 4 + HASH_SMALL_FIELDS_MAX * 2 * (4 + HASH_SMALL_BYTES_MAX);
if (SMALL_HASH_BYTES_MAX >= PIECE_BYTES_MIN) {
  throw new InvariantError('a small hash must always travel whole (PIECE_BYTES_MIN)');
}

export class HashPieceSource extends PieceSource {
  /** Positions below it were sent. */
  private cursor = 0;
  /** Fields changed since they were last looked at. */
  private readonly touched = new Set<string>();

  constructor(readonly value: HashValue) {
    super();
    if (value.small) throw new InvariantError('a small hash travels whole');
  }

  override member(name: string): void {
    this.touched.add(name);
  }

  write(ops: OpWriter, bytes: number): void {
    const hash = this.value;
    for (const field of this.touched) {
      if (ops.bytes >= bytes) return;
      this.touched.delete(field);
      const position = hash.positionOf(field);
      if (position >= 0 && position < this.cursor)
        put(ops, position, field, hash.valueAt(position));
    }
    while (ops.bytes < bytes && this.cursor < hash.size) {
      const position = this.cursor++;
      put(ops, position, hash.fieldAt(position), hash.valueAt(position));
    }
  }

  get caughtUp(): boolean {
    return this.touched.size === 0 && this.cursor >= this.value.size;
  }
}

function put(ops: OpWriter, position: number, field: string, value: string): void {
  let at = ops.op(Op.Put, U32_BYTES + textBytes(field) + textBytes(value));
  at = ops.u32(at, position);
  at = ops.text(at, field);
  ops.text(at, value);
}

export class StagedHash implements StagedValue {
  private readonly pairs: string[] = [];
  private readonly index = new Map<string, number>();

  apply(code: number, ops: OpReader): boolean {
    if (code !== Op.Put) return false;
    const position = ops.u32();
    const field = ops.text();
    const value = ops.text();
    const pairs = this.pairs;
    const offset = position * 2;
    // Positions arrive in order from 0 (changes only behind the cursor): never a hole.
    if (ops.bad || offset > pairs.length) return false;
    const previous = pairs[offset];
    if (previous !== undefined && previous !== field && this.index.get(previous) === offset) {
      this.index.delete(previous);
    }
    pairs[offset] = field;
    pairs[offset + 1] = value;
    this.index.set(field, offset);
    return true;
  }

  finish(members: number): CollectionValue | undefined {
    const pairs = this.pairs;
    const index = this.index;
    if (members * 2 > pairs.length) return undefined;
    for (let offset = members * 2; offset < pairs.length; offset += 2) {
      const field = pairs[offset]!;
      if (index.get(field) === offset) index.delete(field);
    }
    pairs.length = members * 2;
    if (index.size !== members || members === 0) return undefined;
    return fitsSmall(pairs) ? rebuilt(pairs) : HashValue.ofLargeForm(pairs, index);
  }
}

/** Whether the pairs fit a small hash: it then comes back small, as from the whole-value codec. */
function fitsSmall(pairs: readonly string[]): boolean {
  if (pairs.length > HASH_SMALL_FIELDS_MAX * 2) return false;
  for (const text of pairs) if (text.length > HASH_SMALL_BYTES_MAX) return false;
  return true;
}

function rebuilt(pairs: readonly string[]): HashValue {
  const hash = new HashValue();
  for (let i = 0; i < pairs.length; i += 2) hash.set(pairs[i]!, pairs[i + 1]!);
  return hash;
}
