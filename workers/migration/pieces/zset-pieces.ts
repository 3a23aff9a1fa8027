// A big sorted set in pieces. Operations: ADD (member, f64 score) and REMOVE (member), both
// idempotent. Only the tree form travels in pieces (PIECE_BYTES_MIN keeps every compact set,
// at most 128 members of 64 bytes, whole).
//
// The cursor is the (score, member) of the last member the walk sent: each piece resumes the walk
// at the first member after it, in the set's order, so the target receives the set mostly in
// order and inserts at the end of its tree, twice as fast as in any other order. A member the
// walk has not passed keeps its place in that order unless it changes; a member added, removed or
// re-scored is named to the tracker and sent again with its state then (its score, or REMOVE).
// So when the walk has passed the last member and nothing is left to tell, every member present
// was sent with its score after its last change, and every member removed since it was sent was
// sent as removed.
//
// The target builds a tree from the start (as the source's is) and sets each member as it comes.

import { InvariantError } from '../../../src/errors.js';
import type { CollectionValue } from '../../keyspace/value.js';
import { nextEpoch } from '../../keyspace/zset/tree-store.js';
import { ZSetValue } from '../../keyspace/zset-value.js';
import { PieceSource, type StagedValue } from './piece.js';
import { F64_BYTES, type OpReader, type OpWriter, textBytes } from './piece-frame.js';

const Op = { Add: 1, Remove: 2 } as const;

/** Members one walk step visits: a seek costs O(log n), so a step takes a run of them. */
const WALK_MEMBERS = 64;

export class ZSetPieceSource extends PieceSource {
  /** The last member the walk sent, and its score then; undefined before the first. */
  private afterMember: string | undefined = undefined;
  private afterScore = 0;
  private walked = false;
  /** Members added, removed or re-scored since they were last looked at. */
  private readonly touched = new Set<string>();

  constructor(readonly value: ZSetValue) {
    super();
    if (value.compact) throw new InvariantError('a compact sorted set travels whole');
  }

  /** The source's handle epoch: the copy takes the next one, so a ZSCAN cursor restarts there. */
  override get seed(): number {
    return this.value.epoch;
  }

  override member(name: string): void {
    this.touched.add(name);
  }

  write(ops: OpWriter, bytes: number): void {
    const zset = this.value;
    for (const member of this.touched) {
      if (ops.bytes >= bytes) return;
      this.touched.delete(member);
      const score = zset.score(member);
      if (score === undefined) ops.text(ops.op(Op.Remove, textBytes(member)), member);
      else add(ops, member, score);
    }
    const visit = (member: string, score: number): void => {
      add(ops, member, score);
      this.afterMember = member;
      this.afterScore = score;
    };
    while (ops.bytes < bytes && !this.walked) {
      const from = this.resumeRank();
      const count = Math.min(WALK_MEMBERS, zset.size - from);
      if (count <= 0) this.walked = true;
      else zset.walk(from, count, false, visit);
    }
  }

  get caughtUp(): boolean {
    return this.walked && this.touched.size === 0;
  }

  /** The rank of the first member after the last one sent. */
  private resumeRank(): number {
    const member = this.afterMember;
    if (member === undefined) return 0;
    const score = this.afterScore;
    const before = this.value.countBefore(score, member);
    // The last member sent still at its place: it is at rank `before`, the walk resumes after it.
    return this.value.score(member) === score ? before + 1 : before;
  }
}

function add(ops: OpWriter, member: string, score: number): void {
  ops.f64(ops.text(ops.op(Op.Add, textBytes(member) + F64_BYTES), member), score);
}

export class StagedZSet implements StagedValue {
  /**
   * A tree from the start, as the source's, numbering its handles in the epoch after the source's
   * (`sourceEpoch`): a ZSCAN cursor begun on the source restarts here rather than resume on a
   * numbering it does not know, as after a whole-value move (zset-codec.ts).
   */
  private readonly zset: ZSetValue;

  constructor(sourceEpoch: number) {
    this.zset = ZSetValue.fromSorted([], [], false, nextEpoch(sourceEpoch));
  }

  apply(code: number, ops: OpReader): boolean {
    const member = ops.text();
    if (code === Op.Add) {
      const score = ops.f64();
      if (ops.bad || Number.isNaN(score)) return false;
      this.zset.set(member, score);
      return true;
    }
    if (code !== Op.Remove || ops.bad) return false;
    this.zset.remove(member);
    return true;
  }

  finish(members: number): CollectionValue | undefined {
    return this.zset.size === members && members > 0 ? this.zset : undefined;
  }
}
