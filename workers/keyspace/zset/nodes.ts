// The nodes of a sorted set's order index (order-index.ts), a B+tree over member handles ordered by
// (score, member). A leaf keeps up to LEAF_CAPACITY handles with their scores side by side in typed
// arrays, so that a member costs 12 bytes there and no object; a branch keeps up to
// BRANCH_CAPACITY children with the number of members under each (for ranks) and a separator per
// child. Separators are bounds, not copies kept in step: separator i is at most every key of child
// i and above every key of child i - 1, which stays true when keys are removed, so a removal never
// has to touch them. A separator names its member by string (not by handle): a handle is reused by
// another member once its member is removed, a string stays what it was.

/** Members a leaf holds at most; a full leaf splits in two halves. */
export const LEAF_CAPACITY = 128;
/** A leaf (other than the root) with fewer members merges with or borrows from a sibling. */
export const LEAF_MIN = LEAF_CAPACITY / 4;
/** Children a branch holds at most. */
export const BRANCH_CAPACITY = 64;
/** A branch (other than the root) with fewer children merges with or borrows from a sibling. */
export const BRANCH_MIN = BRANCH_CAPACITY / 4;
/** A new leaf's arrays start this small and double as they fill: small sets stay small. */
const LEAF_INITIAL_SLOTS = 4;

export class Leaf {
  count = 0;
  /** Member handles in order; room for one more than the capacity, before a split. */
  ids: Int32Array;
  /** Their scores, kept here too so that a search reads no other memory. */
  scores: Float64Array;
  next: Leaf | null = null;
  prev: Leaf | null = null;

  constructor(slots = LEAF_INITIAL_SLOTS) {
    this.ids = new Int32Array(slots);
    this.scores = new Float64Array(slots);
  }

  /** Inserts (id, score) at `at`, growing the arrays up to LEAF_CAPACITY + 1 slots. */
  insertAt(at: number, id: number, score: number): void {
    if (this.count === this.ids.length) this.grow();
    const count = this.count;
    if (at < count) {
      this.ids.copyWithin(at + 1, at, count);
      this.scores.copyWithin(at + 1, at, count);
    }
    this.ids[at] = id;
    this.scores[at] = score;
    this.count = count + 1;
  }

  removeAt(at: number): void {
    const count = this.count;
    this.ids.copyWithin(at, at + 1, count);
    this.scores.copyWithin(at, at + 1, count);
    this.count = count - 1;
  }

  private grow(): void {
    const slots = Math.min(this.ids.length * 2, LEAF_CAPACITY + 1);
    const ids = new Int32Array(slots);
    const scores = new Float64Array(slots);
    ids.set(this.ids.subarray(0, this.count));
    scores.set(this.scores.subarray(0, this.count));
    this.ids = ids;
    this.scores = scores;
  }

  /** Moves entries [from, count) to the end of `target` (a leaf with room for them). */
  moveTailTo(from: number, target: Leaf): void {
    const moved = this.count - from;
    target.reserve(target.count + moved);
    target.ids.set(this.ids.subarray(from, this.count), target.count);
    target.scores.set(this.scores.subarray(from, this.count), target.count);
    target.count += moved;
    this.count = from;
  }

  /** Moves the first `moved` entries to the end of `target`. */
  moveHeadTo(moved: number, target: Leaf): void {
    target.reserve(target.count + moved);
    target.ids.set(this.ids.subarray(0, moved), target.count);
    target.scores.set(this.scores.subarray(0, moved), target.count);
    target.count += moved;
    this.ids.copyWithin(0, moved, this.count);
    this.scores.copyWithin(0, moved, this.count);
    this.count -= moved;
  }

  /** Moves the last `moved` entries to the front of `target`. */
  moveEndToFront(moved: number, target: Leaf): void {
    target.reserve(target.count + moved);
    target.ids.copyWithin(moved, 0, target.count);
    target.scores.copyWithin(moved, 0, target.count);
    target.ids.set(this.ids.subarray(this.count - moved, this.count), 0);
    target.scores.set(this.scores.subarray(this.count - moved, this.count), 0);
    target.count += moved;
    this.count -= moved;
  }

  /** Makes room for `slots` entries. */
  reserve(slots: number): void {
    while (this.ids.length < slots) this.grow();
  }
}

export class Branch {
  count = 0;
  readonly children: Node[] = [];
  /** Members under each child. */
  readonly sizes = new Float64Array(BRANCH_CAPACITY + 1);
  /** Separator of each child (index 0 unused): its score... */
  readonly lowScores = new Float64Array(BRANCH_CAPACITY + 1);
  /** ...and its member. */
  readonly lowMembers: string[] = [];

  /** Inserts a child at `at` with its size and separator. */
  insertChild(at: number, child: Node, size: number, lowScore: number, lowMember: string): void {
    const count = this.count;
    this.children.splice(at, 0, child);
    this.lowMembers.splice(at, 0, lowMember);
    this.sizes.copyWithin(at + 1, at, count);
    this.lowScores.copyWithin(at + 1, at, count);
    this.sizes[at] = size;
    this.lowScores[at] = lowScore;
    this.count = count + 1;
  }

  removeChild(at: number): void {
    const count = this.count;
    this.children.splice(at, 1);
    this.lowMembers.splice(at, 1);
    this.sizes.copyWithin(at, at + 1, count);
    this.lowScores.copyWithin(at, at + 1, count);
    this.count = count - 1;
  }

  /** Members under this branch. */
  total(): number {
    let sum = 0;
    for (let i = 0; i < this.count; i++) sum += this.sizes[i]!;
    return sum;
  }

  /** Moves children [from, count) to the end of `target`; child `from` gets separator (s, m). */
  moveTailTo(from: number, target: Branch, lowScore: number, lowMember: string): void {
    for (let i = from; i < this.count; i++) {
      const score = i === from ? lowScore : this.lowScores[i]!;
      const member = i === from ? lowMember : this.lowMembers[i]!;
      target.insertChild(target.count, this.children[i]!, this.sizes[i]!, score, member);
    }
    this.children.length = from;
    this.lowMembers.length = from;
    this.count = from;
  }
}

export type Node = Leaf | Branch;
