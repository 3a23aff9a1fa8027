// A big set in pieces. Operations: ADD (member) and REMOVE (member), both idempotent.
//
// The cursor walks the set's table slot by slot, in memory order: a tenth of the cost of an SSCAN
// cursor, whose reverse-binary order jumps across the table and hashes every member it meets.
// Members stay in their slots except when:
//
// - a member is added or removed: the tracker hears of it, and the next piece sends its state then
//   (ADD if present, REMOVE if not);
// - a removal shifts later members of its run back into the hole (set-value.ts): the tracker hears
//   of each one moved, which is sent again the same way;
// - the table is resized, or the set turns into its list form or back: every member may move, so
//   the cursor starts over (counted as a restart: see transfers.ts). So does any change while the
//   set is a list (at most 8 members), whose removal moves the last member into the hole untold.
//
// So when the cursor reaches the end of the table and nothing is left to tell, every member present
// was sent after its last change, and every member removed since it was sent was sent as removed.
//
// The target builds a SetValue with the source's seed, sized for the member count of the first
// piece: each member has the same home bucket as on the source, so an SSCAN begun before the move
// keeps its guarantee after it (as with the whole-value codec), and the table is not rehashed
// while it fills.

import { SetValue } from '../../keyspace/set-value.js';
import type { CollectionValue } from '../../keyspace/value.js';
import { PieceSource, type StagedValue } from './piece.js';
import { type OpReader, type OpWriter, textBytes } from './piece-frame.js';

const Op = { Add: 1, Remove: 2 } as const;

export class SetPieceSource extends PieceSource {
  /** Slots below it were sent, in a table of `capacity` slots (or a list, `table` false). */
  private cursor = 0;
  private capacity: number;
  private table: boolean;
  /** Members added, removed or moved since they were last looked at. */
  private readonly touched = new Set<string>();

  constructor(readonly value: SetValue) {
    super();
    this.capacity = value.capacity;
    this.table = value.isTable;
  }

  override get seed(): number {
    return this.value.seed;
  }

  override member(name: string): void {
    this.touched.add(name);
  }

  write(ops: OpWriter, bytes: number): void {
    const set = this.value;
    if (set.capacity !== this.capacity || set.isTable !== this.table || this.listChanged()) {
      this.cursor = 0;
      this.capacity = set.capacity;
      this.table = set.isTable;
      this.restarts++;
    }
    for (const member of this.touched) {
      if (ops.bytes >= bytes) return;
      this.touched.delete(member);
      put(ops, set.has(member) ? Op.Add : Op.Remove, member);
    }
    const capacity = set.capacity;
    while (ops.bytes < bytes && this.cursor < capacity) {
      const member = set.memberAt(this.cursor++);
      if (member !== undefined) put(ops, Op.Add, member);
    }
  }

  get caughtUp(): boolean {
    const set = this.value;
    return (
      this.touched.size === 0 &&
      this.cursor >= set.capacity &&
      set.capacity === this.capacity &&
      set.isTable === this.table
    );
  }

  /** A list-form set changed behind the cursor: the list may have moved a member untold. */
  private listChanged(): boolean {
    return !this.table && this.touched.size > 0 && this.cursor > 0;
  }
}

function put(ops: OpWriter, code: number, member: string): void {
  ops.text(ops.op(code, textBytes(member)), member);
}

export class StagedSet implements StagedValue {
  private readonly set: SetValue;

  constructor(seed: number, members: number) {
    this.set = new SetValue(seed, members);
  }

  apply(code: number, ops: OpReader): boolean {
    const member = ops.text();
    if (ops.bad) return false;
    if (code === Op.Add) this.set.add(member);
    else if (code === Op.Remove) this.set.remove(member);
    else return false;
    return true;
  }

  finish(members: number): CollectionValue | undefined {
    return this.set.size === members && members > 0 ? this.set : undefined;
  }
}
