// The two ends of a big collection that travels in pieces (docs/migration.md, "Big keys").
//
// At the source, a PieceSource walks the value with a cursor and is also its tracker: the value
// tells it of every change while it travels (value.ts, MemberTracker). Each piece carries first what
// changed behind the cursor (the current state of each member touched, or for a list the change
// at its ends), then the next members from the cursor. When the cursor reached the end and nothing
// is left to tell, the target's copy equals the value: the piece that says so is the final one.
//
// At the target, a StagedValue is the copy being built, outside the keyspace, so no request sees
// it; the final piece turns it into the value the keyspace then holds.

import type { CollectionValue, MemberTracker } from '../../keyspace/value.js';
import type { OpReader, OpWriter } from './piece-frame.js';

export abstract class PieceSource implements MemberTracker {
  /** Times the copy started over (a list changed other than at its ends). */
  restarts = 0;

  abstract readonly value: CollectionValue;

  /** What the target builds its copy with: a set's hash seed, a sorted set's handle epoch, or 0. */
  get seed(): number {
    return 0;
  }

  /**
   * Writes the next operations until they take at least `bytes` or nothing is left to send: the
   * changes behind the cursor first, then members from the cursor.
   */
  abstract write(ops: OpWriter, bytes: number): void;

  /** Whether the operations written so far bring the target's copy to the value as it is now. */
  abstract get caughtUp(): boolean;

  member(_name: string): void {}
  pushed(_head: boolean, _count: number): void {}
  popped(_head: boolean, _count: number): void {}
  rewritten(): void {}
}

/** The copy a target builds from pieces. */
export interface StagedValue {
  /** Applies the operation `code`, its operands read from `ops`; false for an unknown or bad one. */
  apply(code: number, ops: OpReader): boolean;
  /**
   * The value built, once the final piece was applied; undefined when it does not hold the
   * `members` members the source has (a transfer that went wrong: the piece is refused).
   */
  finish(members: number): CollectionValue | undefined;
}
