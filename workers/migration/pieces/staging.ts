// The target's side of big keys in pieces: the copies being built, by key, outside the keyspace
// (no request can see them), and the one place a PIECE frame is checked and applied.
//
// A piece is refused (acknowledged with ok = 0; the source then cancels the move, as for a refused
// batch) when its checksum fails, its key belongs to another slot, it starts a copy of a key the
// keyspace already holds or continues one this side does not have, an operation does not read, or
// the final copy does not hold the member count the source sent. A refused piece drops the copy.
// Nothing reaches the keyspace before the final piece: a cancel, a DROP, or the death of either
// shard just drops the copies (clear).

import { keySlotOfLatin1 } from '../../../src/shared/key-slot.js';
import { PieceFlag } from '../../../src/shared/peer-frames.js';
import type { Keyspace } from '../../keyspace/keyspace.js';
import { type ApplyOptions, Present } from '../batch.js';
import { stagedValueFor } from './kinds.js';
import type { StagedValue } from './piece.js';
import { OpReader, type PieceHeader, readPiece } from './piece-frame.js';

export interface AppliedPiece {
  /** The piece's number, for its ACK (0 when the header could not be read). */
  readonly number: number;
  /** Why it was refused; undefined when it was applied. */
  readonly refused?: string;
}

export class Staging {
  private readonly copies = new Map<string, StagedValue>();
  /**
   * Copies built only to be dropped (Present.Skip: the key is here, or came here before): the
   * pieces are read and acknowledged as any, and the final one installs nothing.
   */
  private readonly discard = new Set<string>();

  /** Copies under way. */
  get size(): number {
    return this.copies.size;
  }

  /** Drops every copy (a cancel, a DROP, the other shard died). */
  clear(): void {
    this.copies.clear();
    this.discard.clear();
  }

  /**
   * Checks and applies the PIECE at `at` for `slot`; a final piece installs its key. A key the
   * keyspace holds is refused, taken or kept as `options.present` says (batch.ts).
   */
  apply(
    keyspace: Keyspace,
    buf: Buffer,
    view: DataView,
    at: number,
    slot: number,
    options: ApplyOptions = {},
  ): AppliedPiece {
    const header = readPiece(buf, view, at);
    if (typeof header === 'string') return { number: 0, refused: header };
    const refused = this.applyOps(keyspace, buf, view, header, slot, options);
    if (refused !== undefined) this.forget(header.key);
    return { number: header.number, ...(refused !== undefined ? { refused } : {}) };
  }

  private applyOps(
    keyspace: Keyspace,
    buf: Buffer,
    view: DataView,
    header: PieceHeader,
    slot: number,
    options: ApplyOptions,
  ): string | undefined {
    const { key, flags } = header;
    const keySlot = keySlotOfLatin1(key);
    if (keySlot !== slot) return `key of slot ${keySlot} in a piece of slot ${slot}`;
    if (flags & PieceFlag.Abort) {
      this.forget(key);
      return undefined;
    }
    let copy = this.copies.get(key);
    if (flags & PieceFlag.First) {
      const present = options.present ?? Present.Refuse;
      if (keyspace.table(slot)?.has(key) || options.known?.has(key)) {
        if (present === Present.Refuse) return 'piece key already present on the target';
        if (present === Present.Skip) this.discard.add(key);
      }
      copy = stagedValueFor(header.kind, header.seed, header.members);
      if (copy === undefined) return `value type ${header.kind} does not travel in pieces`;
      this.copies.set(key, copy);
    } else if (copy === undefined) {
      return 'piece of a key with no copy under way';
    }
    const ops = new OpReader(buf, view, header.opsFrom, header.end);
    for (let i = 0; i < header.ops; i++) {
      if (!copy.apply(ops.code(), ops) || ops.bad) return `piece operation ${i} does not read`;
    }
    if (!ops.done) return 'piece operations end before the frame does';
    if (flags & PieceFlag.Final) return this.install(keyspace, copy, header, slot, options);
    return undefined;
  }

  private forget(key: string): void {
    this.copies.delete(key);
    this.discard.delete(key);
  }

  /** The final piece: the copy becomes the key's value, with the deadline the piece carries. */
  private install(
    keyspace: Keyspace,
    copy: StagedValue,
    header: PieceHeader,
    slot: number,
    options: ApplyOptions,
  ): string | undefined {
    const value = copy.finish(header.members);
    if (value === undefined) return `the copy does not hold the source's ${header.members} members`;
    const { key, deadline } = header;
    const present = options.present ?? Present.Refuse;
    const here = keyspace.table(slot)?.has(key) === true;
    if (here && present === Present.Refuse) return 'piece key already present on the target';
    const kept = this.discard.has(key) || (present === Present.Skip && here);
    this.forget(key);
    if (kept || (deadline !== 0 && deadline <= keyspace.now)) return undefined;
    keyspace.set(slot, key, value);
    if (deadline !== 0) keyspace.setDeadline(slot, key, deadline);
    options.applied?.add(key);
    options.journal?.appendKey(slot, key);
    return undefined;
  }
}
