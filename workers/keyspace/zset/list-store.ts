// A small sorted set (Redis's listpack encoding: at most 128 members of at most 64 bytes) held as
// two parallel arrays in order, members and scores, as a listpack holds them in one buffer: a
// lookup scans at most 128 names, as Redis's does, and the set costs a few hundred bytes instead
// of the tree's fixed overhead (measured in docs/types/zsets.md).

import type { MemberVisitor } from './tree-store.js';

export class ListStore {
  /** Members in order of (score, member bytes)... */
  readonly members: string[] = [];
  /** ...and their scores (a packed double array: no object per score). */
  readonly scores: number[] = [];

  get size(): number {
    return this.members.length;
  }

  private indexOf(member: string): number {
    return this.members.indexOf(member);
  }

  score(member: string): number | undefined {
    const at = this.indexOf(member);
    return at < 0 ? undefined : this.scores[at];
  }

  /** The first index whose (score, member) is not before (score, member). */
  private lowerBound(score: number, member: string): number {
    let low = 0;
    let high = this.members.length;
    while (low < high) {
      const mid = (low + high) >>> 1;
      const s = this.scores[mid]!;
      if (s < score || (s === score && this.members[mid]! < member)) low = mid + 1;
      else high = mid;
    }
    return low;
  }

  set(member: string, score: number): void {
    const at = this.indexOf(member);
    if (at >= 0) {
      this.members.splice(at, 1);
      this.scores.splice(at, 1);
    }
    const to = this.lowerBound(score, member);
    this.members.splice(to, 0, member);
    this.scores.splice(to, 0, score);
  }

  remove(member: string): boolean {
    const at = this.indexOf(member);
    if (at < 0) return false;
    this.members.splice(at, 1);
    this.scores.splice(at, 1);
    return true;
  }

  /** Members before (score, member) in the set's order, whether or not it is a member. */
  countBefore(score: number, member: string): number {
    return this.lowerBound(score, member);
  }

  rank(member: string): number {
    return this.indexOf(member);
  }

  countByScore(score: number, inclusive: boolean): number {
    let low = 0;
    let high = this.scores.length;
    while (low < high) {
      const mid = (low + high) >>> 1;
      const s = this.scores[mid]!;
      if (s < score || (inclusive && s === score)) low = mid + 1;
      else high = mid;
    }
    return low;
  }

  countByMember(member: string, inclusive: boolean): number {
    let low = 0;
    let high = this.members.length;
    while (low < high) {
      const mid = (low + high) >>> 1;
      const m = this.members[mid]!;
      if (m < member || (inclusive && m === member)) low = mid + 1;
      else high = mid;
    }
    return low;
  }

  memberAt(rank: number): string {
    return this.members[rank]!;
  }

  scoreAt(rank: number): number {
    return this.scores[rank]!;
  }

  walk(from: number, count: number, reverse: boolean, visit: MemberVisitor): void {
    const step = reverse ? -1 : 1;
    for (let k = 0, at = from; k < count; k++, at += step) {
      visit(this.members[at]!, this.scores[at]!);
    }
  }
}
