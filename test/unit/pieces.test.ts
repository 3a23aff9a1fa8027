// Big keys in pieces, both ends without shards: a source keyspace holds a big hash, list or set that
// random changes keep rewriting while PieceTransfers builds its pieces and a Staging on a second
// keyspace applies them. At the final piece the target must hold exactly the source's value: the
// same pairs at the same positions for a hash (an HSCAN cursor stays valid), the same seed and
// members for a set, the same elements for a list. A model checks the source too.

import { describe, expect, it } from 'vitest';
import { keySlotOfLatin1 } from '../../src/shared/key-slot.js';
import { PIECE_HEADER_BYTES, PieceFlag } from '../../src/shared/peer-frames.js';
import { createRingStorage, FrameWriter } from '../../src/shared/ring.js';
import { HashValue } from '../../workers/keyspace/hash-value.js';
import { Keyspace } from '../../workers/keyspace/keyspace.js';
import { ListValue } from '../../workers/keyspace/list-value.js';
import { SetValue } from '../../workers/keyspace/set-value.js';
import type { CollectionValue } from '../../workers/keyspace/value.js';
import { ZSetValue } from '../../workers/keyspace/zset-value.js';
import { Staging } from '../../workers/migration/pieces/staging.js';
import { PieceTransfers, TransferState } from '../../workers/migration/pieces/transfers.js';
import { fuzzSeed, Random } from '../support/random.js';

const KEY = '{big}k';
const SLOT = keySlotOfLatin1(KEY);
const PIECE_BYTES = 2048;

interface Ends {
  readonly source: Keyspace;
  readonly target: Keyspace;
  readonly transfers: PieceTransfers;
  readonly staging: Staging;
  readonly w: FrameWriter;
  number: number;
}

function ends(value: CollectionValue, pieceBytes = PIECE_BYTES): Ends {
  const source = new Keyspace();
  source.set(SLOT, KEY, value);
  const transfers = new PieceTransfers(source, SLOT, 1, pieceBytes);
  expect(transfers.isBig(value)).toBe(true);
  expect(transfers.start(KEY, value)).toBe(true);
  expect(value.tracker).toBeDefined();
  const w = new FrameWriter(createRingStorage(1 << 20));
  return { source, target: new Keyspace(), transfers, staging: new Staging(), w, number: 1 };
}

/** Builds and applies the next piece; returns its flags. */
function step(e: Ends): number {
  const transfer = e.transfers.next()!;
  const start = e.w.tail;
  const built = e.transfers.build(transfer, e.number++, e.w);
  const flags = e.w.buf[start + 5]!;
  const applied = e.staging.apply(e.target, e.w.buf, e.w.view, start, SLOT);
  expect(applied.refused).toBeUndefined();
  expect(applied.number).toBe(e.number - 1);
  e.w.rollback(start);
  if (built.final) e.transfers.acknowledged(KEY, true);
  return flags;
}

/** Runs pieces, with `change` between them, until the final one; returns the pieces sent. */
function run(e: Ends, change: () => void, piecesMax = 100_000): number {
  for (let pieces = 1; pieces <= piecesMax; pieces++) {
    const flags = step(e);
    expect(flags & PieceFlag.First).toBe(e.number === 2 ? PieceFlag.First : 0);
    if (flags & PieceFlag.Final) return pieces;
    change();
  }
  throw new Error('the transfer never finished');
}

/** A sorted set's members and scores, in order. */
function entries(zset: ZSetValue): [string, number][] {
  const out: [string, number][] = [];
  zset.walk(0, zset.size, false, (member, score) => out.push([member, score]));
  return out;
}

const seed = fuzzSeed();

describe(`big keys in pieces (seed ${seed}; replay with SLOTDB_FUZZ_SEED)`, () => {
  it('a hash arrives with every pair at its source position, under random HSET and HDEL', () => {
    for (let round = 0; round < 20; round++) {
      const r = new Random(seed + round);
      const hash = new HashValue();
      const fields = 300 + r.int(700);
      for (let i = 0; i < fields; i++) hash.set(`f${i}`, `v${i}`.repeat(1 + r.int(4)));
      const e = ends(hash);
      let next = fields;
      const pieces = run(e, () => {
        for (let n = r.int(6); n > 0; n--) {
          const roll = r.int(10);
          if (roll < 4) hash.set(`f${next++}`, 'new');
          else if (roll < 7) hash.set(hash.fieldAt(r.int(hash.size)), `w${r.int(100)}`);
          else if (hash.size > 200) hash.delete(hash.fieldAt(r.int(hash.size)));
        }
      });
      expect(pieces).toBeGreaterThan(2);
      const copy = e.target.get(SLOT, KEY) as HashValue;
      expect(copy).toBeInstanceOf(HashValue);
      expect(copy.small).toBe(false);
      expect(copy.size).toBe(hash.size);
      for (let i = 0; i < hash.size; i++) {
        expect([copy.fieldAt(i), copy.valueAt(i)]).toEqual([hash.fieldAt(i), hash.valueAt(i)]);
        expect(copy.get(hash.fieldAt(i))).toBe(hash.valueAt(i));
      }
      expect(hash.tracker).toBeUndefined();
      expect(e.staging.size).toBe(0);
    }
  });

  it('a hash that shrank within the small limits while it travelled arrives small', () => {
    const hash = new HashValue();
    for (let i = 0; i < 1000; i++) hash.set(`f${i}`, `v${i}`);
    const e = ends(hash);
    step(e);
    while (hash.size > 5) hash.delete(hash.fieldAt(hash.size - 1));
    run(e, () => {});
    const copy = e.target.get(SLOT, KEY) as HashValue;
    expect(copy.small).toBe(true);
    expect(Array.from({ length: 5 }, (_, i) => copy.fieldAt(i))).toEqual(
      Array.from({ length: 5 }, (_, i) => hash.fieldAt(i)),
    );
  });

  it('a set arrives with the same seed and members, under random SADD, SREM and SPOP', () => {
    for (let round = 0; round < 20; round++) {
      const r = new Random(seed + 100 + round);
      const set = new SetValue();
      const model = new Set<string>();
      for (let i = 0, n = 600 + r.int(2000); i < n; i++) {
        set.add(`m${i}`);
        model.add(`m${i}`);
      }
      const e = ends(set);
      let next = model.size;
      run(e, () => {
        for (let n = r.int(20); n > 0; n--) {
          const roll = r.int(10);
          if (roll < 4) {
            set.add(`m${next}`);
            model.add(`m${next++}`);
          } else if (roll < 8) {
            const member = `m${r.int(next)}`;
            set.remove(member);
            model.delete(member);
          } else if (set.size > 10) {
            model.delete(set.pop());
          }
        }
      });
      const copy = e.target.get(SLOT, KEY) as SetValue;
      expect(copy.seed).toBe(set.seed);
      expect(new Set(copy.members())).toEqual(model);
      expect(new Set(set.members())).toEqual(model);
    }
  });

  it('a sorted set arrives with every member and score, under random ZADD, ZINCRBY and ZREM', () => {
    for (let round = 0; round < 20; round++) {
      const r = new Random(seed + 300 + round);
      const zset = new ZSetValue();
      const model = new Map<string, number>();
      for (let i = 0, n = 400 + r.int(2000); i < n; i++) {
        const score = r.int(50) * 0.5;
        zset.set(`m${i}`, score);
        model.set(`m${i}`, score);
      }
      const e = ends(zset);
      let next = model.size;
      run(e, () => {
        for (let n = r.int(20); n > 0; n--) {
          const roll = r.int(10);
          const member = roll < 3 ? `m${next++}` : `m${r.int(next)}`;
          if (roll < 7) {
            // New members and re-scored ones, ahead of the walk, behind it, or where it stands.
            const score = r.chance(0.5) ? r.int(50) * 0.5 : (model.get(member) ?? 0) + 1;
            zset.set(member, score);
            model.set(member, score);
          } else if (zset.size > 150) {
            zset.remove(member);
            model.delete(member);
          }
        }
      });
      const copy = e.target.get(SLOT, KEY) as ZSetValue;
      expect(copy.compact).toBe(false);
      expect(entries(copy)).toEqual(entries(zset));
      expect(new Map(entries(zset))).toEqual(model);
    }
  });

  it('a sorted set whose walk stopped at a member that then went or moved misses nothing', () => {
    for (let round = 0; round < 10; round++) {
      const r = new Random(seed + 400 + round);
      const zset = new ZSetValue();
      for (let i = 0; i < 1000; i++) zset.set(`m${i}`, i);
      const e = ends(zset, 512);
      run(e, () => {
        // The copy holds the walk's members in order: its last is where the walk stopped.
        const copy = (
          e.staging as unknown as { copies: Map<string, { zset: ZSetValue }> }
        ).copies.get(KEY)!.zset;
        const last = copy.memberAt(copy.size - 1);
        if (r.chance(0.5)) zset.remove(last);
        else zset.set(last, r.int(2000) - 500);
      });
      expect(entries(e.target.get(SLOT, KEY) as ZSetValue)).toEqual(entries(zset));
    }
  });

  it('a set whose table grows or shrinks half way through misses nothing', () => {
    for (let round = 0; round < 6; round++) {
      const set = new SetValue();
      for (let i = 0; i < 3000; i++) set.add(`m${i}`);
      const e = ends(set, 256);
      let steps = 0;
      run(e, () => {
        if (++steps !== 40 + round * 5) return;
        if (round % 2 === 0) for (let i = 0; i < 2700; i++) set.remove(`m${i}`);
        else for (let i = 3000; i < 9000; i++) set.add(`m${i}`);
      });
      const copy = e.target.get(SLOT, KEY) as SetValue;
      expect(new Set(copy.members())).toEqual(new Set(set.members()));
    }
  });

  it('a set member shifted back behind the cursor by a removal is sent again', () => {
    for (let round = 0; round < 10; round++) {
      const r = new Random(seed + 600 + round);
      const set = new SetValue();
      for (let i = 0; i < 1500; i++) set.add(`m${i}`);
      const e = ends(set, 64);
      run(e, () => {
        // Empties the slot just behind the cursor: the member after it may shift back into it.
        const source = e.transfers.byKey.get(KEY)!.source as unknown as { cursor: number };
        const behind = set.memberAt(source.cursor - 1);
        if (behind !== undefined && set.size > 200 && r.chance(0.7)) set.remove(behind);
      });
      const copy = e.target.get(SLOT, KEY) as SetValue;
      expect(new Set(copy.members())).toEqual(new Set(set.members()));
    }
  });

  it('a list arrives equal to a model under random pushes and pops at both ends', () => {
    for (let round = 0; round < 30; round++) {
      const r = new Random(seed + 200 + round);
      const model = Array.from({ length: 500 + r.int(2000) }, (_, i) => `e${i}`);
      const list = ListValue.of(model);
      const e = ends(list);
      let next = model.length;
      const rewrites = round % 3 === 0;
      run(e, () => {
        // A locked key takes no writes (they wait for its final piece's ack).
        if (e.transfers.byKey.get(KEY)?.state === TransferState.Locked) return;
        for (let n = r.int(12); n > 0; n--) {
          const roll = r.int(rewrites ? 11 : 10);
          if (roll < 3) {
            list.push(true, `h${next}`);
            model.unshift(`h${next++}`);
          } else if (roll < 6) {
            list.push(false, `t${next}`);
            model.push(`t${next++}`);
          } else if (list.size > 1 && roll < 8) {
            expect(list.pop(true)).toBe(model.shift());
          } else if (list.size > 1 && roll < 10) {
            expect(list.pop(false)).toBe(model.pop());
          } else if (roll === 10) {
            list.set(0, 'lset');
            model[0] = 'lset';
          }
        }
      });
      expect((e.target.get(SLOT, KEY) as ListValue).toArray()).toEqual(model);
      expect(list.toArray()).toEqual(model);
    }
  });

  it('a list popped at the tail after its copy reached the tail pops the copy too', () => {
    for (let round = 0; round < 10; round++) {
      const r = new Random(seed + 700 + round);
      const model = Array.from({ length: 3000 }, (_, i) => `e${i}`);
      const list = ListValue.of(model);
      const e = ends(list, 256);
      run(e, () => {
        for (let n = r.int(40); n > 0 && list.size > 1; n--) {
          if (r.chance(0.8)) expect(list.pop(false)).toBe(model.pop());
          else {
            list.push(false, `t${n}`);
            model.push(`t${n}`);
          }
        }
      });
      expect((e.target.get(SLOT, KEY) as ListValue).toArray()).toEqual(model);
    }
  });

  it('pieces stay within their bound plus one member', () => {
    const hash = new HashValue();
    for (let i = 0; i < 5000; i++) hash.set(`field:${i}`, 'x'.repeat(i % 100));
    const e = ends(hash);
    let largest = 0;
    for (;;) {
      const transfer = e.transfers.next()!;
      const start = e.w.tail;
      const built = e.transfers.build(transfer, e.number++, e.w);
      largest = Math.max(largest, built.bytes);
      e.staging.apply(e.target, e.w.buf, e.w.view, start, SLOT);
      e.w.rollback(start);
      if (built.final) break;
    }
    expect(largest).toBeLessThanOrEqual(PIECE_HEADER_BYTES + KEY.length + PIECE_BYTES + 200);
  });

  it('a list rewritten too often locks its key for writes until it arrives', () => {
    const list = ListValue.of(Array.from({ length: 3000 }, (_, i) => `e${i}`));
    const e = ends(list);
    const transfer = e.transfers.next()!;
    for (let i = 0; i < 4; i++) {
      step(e);
      list.set(1, `rewrite ${i}`);
    }
    expect(transfer.state).toBe(TransferState.Sending);
    step(e);
    expect(transfer.state).toBe(TransferState.Locked);
    run(e, () => {});
    expect((e.target.get(SLOT, KEY) as ListValue).toArray()).toEqual(list.toArray());
  });

  it('a hash written faster than its pieces carry the changes locks its key until it arrives', () => {
    const hash = new HashValue();
    for (let i = 0; i < 3000; i++) hash.set(`field:${i}`, `v${i}`);
    const e = ends(hash, 256);
    const transfer = e.transfers.next()!;
    // Each piece carries about 12 pairs; 40 pairs behind the cursor change between two pieces.
    let round = 0;
    const rewrite = (): void => {
      round++;
      for (let i = 0; i < 40; i++) hash.set(`field:${(round * 7 + i * 71) % 3000}`, `w${round}`);
    };
    let pieces = 0;
    while (transfer.state === TransferState.Sending) {
      expect(step(e) & PieceFlag.Final).toBe(0);
      rewrite();
      pieces++;
    }
    expect(transfer.state).toBe(TransferState.Locked);
    expect(transfer.opsSent).toBeGreaterThan(2 * 3000);
    expect(pieces).toBeLessThan(1000);
    // Locked: writes wait at the source, so the copy catches up and ends.
    run(e, () => {});
    const copy = e.target.get(SLOT, KEY) as HashValue;
    expect(copy.size).toBe(hash.size);
    for (let position = 0; position < hash.size; position++) {
      expect(copy.fieldAt(position)).toBe(hash.fieldAt(position));
      expect(copy.valueAt(position)).toBe(hash.valueAt(position));
    }
  });

  it('a key whose whole value was replaced aborts its transfer: the target drops its copy', () => {
    const set = new SetValue();
    for (let i = 0; i < 2000; i++) set.add(`m${i}`);
    const e = ends(set);
    step(e);
    expect(e.staging.size).toBe(1);
    e.source.set(SLOT, KEY, 'a string now');
    const built = e.transfers.build(e.transfers.next()!, e.number++, e.w);
    expect(built.aborted).toBe(true);
    expect(
      e.staging.apply(e.target, e.w.buf, e.w.view, e.w.tail - built.bytes, SLOT).refused,
    ).toBeUndefined();
    expect(e.staging.size).toBe(0);
    expect(set.tracker).toBeUndefined();
    expect(e.transfers.idle).toBe(true);
    expect(e.target.get(SLOT, KEY)).toBeUndefined();
  });

  it('refuses a corrupt piece, a piece for a copy it lacks, and a final copy of the wrong size', () => {
    const list = ListValue.of(Array.from({ length: 3000 }, (_, i) => `e${i}`));
    const e = ends(list);
    const first = e.w.tail;
    e.transfers.build(e.transfers.next()!, e.number++, e.w);
    e.w.buf[e.w.tail - 1] ^= 1;
    expect(e.staging.apply(e.target, e.w.buf, e.w.view, first, SLOT).refused).toBe(
      'checksum mismatch',
    );
    e.w.rollback(first);
    const second = e.w.tail;
    e.transfers.build(e.transfers.next()!, e.number++, e.w);
    expect(e.staging.apply(e.target, e.w.buf, e.w.view, second, SLOT).refused).toBe(
      'piece of a key with no copy under way',
    );
    expect(e.staging.apply(e.target, e.w.buf, e.w.view, second, SLOT + 1).refused).toMatch(
      /^key of slot \d+ in a piece of slot/,
    );
  });

  it('final pieces wait until every transfer under way caught up, then go one at a time', () => {
    const source = new Keyspace();
    const short = ListValue.of(Array.from({ length: 1000 }, (_, i) => `s${i}`));
    const long = ListValue.of(Array.from({ length: 20_000 }, (_, i) => `l${i}`));
    const other = '{big}other';
    source.set(SLOT, KEY, short);
    source.set(SLOT, other, long);
    const transfers = new PieceTransfers(source, SLOT, 1, PIECE_BYTES);
    transfers.start(KEY, short);
    transfers.start(other, long);
    const w = new FrameWriter(createRingStorage(1 << 20));
    const finals: string[] = [];
    for (let n = 1; finals.length < 2; n++) {
      const transfer = transfers.next(true);
      expect(transfer).toBeDefined();
      const built = transfers.build(transfer!, n, w);
      w.rollback(0);
      if (!built.final) continue;
      // Only once both caught up; the second waits for the first's ack (nothing in flight).
      for (const under of transfers.byKey.values()) expect(under.source.caughtUp).toBe(true);
      finals.push(built.key);
      expect(transfers.finalDue).toBe(finals.length === 1);
      expect(transfers.next(false)).toBeUndefined();
      transfers.acknowledged(built.key, true);
    }
    expect(finals.sort()).toEqual([KEY, other].sort());
    expect(transfers.idle).toBe(true);
  });

  it('refuses a first piece for a key the target holds, and a final copy short of members', () => {
    const list = ListValue.of(Array.from({ length: 3000 }, (_, i) => `e${i}`));
    const e = ends(list);
    e.target.set(SLOT, KEY, 'already here');
    const start = e.w.tail;
    e.transfers.build(e.transfers.next()!, e.number++, e.w);
    expect(e.staging.apply(e.target, e.w.buf, e.w.view, start, SLOT).refused).toBe(
      'piece key already present on the target',
    );
    e.w.rollback(start);
    e.target.delete(SLOT, KEY);
    // A copy that missed a piece: its final count cannot match.
    const copy = ListValue.of(Array.from({ length: 3000 }, (_, i) => `e${i}`));
    const f = ends(copy);
    let refused: string | undefined;
    for (let n = 1; refused === undefined; n++) {
      const at = f.w.tail;
      const built = f.transfers.build(f.transfers.next()!, f.number++, f.w);
      if (n !== 2) refused = f.staging.apply(f.target, f.w.buf, f.w.view, at, SLOT).refused;
      f.w.rollback(at);
      if (built.final) break;
    }
    expect(refused).toBe("the copy does not hold the source's 3000 members");
    expect(f.target.get(SLOT, KEY)).toBeUndefined();
  });

  it('leaves a small value to a batch entry', () => {
    const transfers = new PieceTransfers(new Keyspace(), SLOT, 1, 32 * 1024);
    const hash = new HashValue();
    for (let i = 0; i < 100; i++) hash.set(`f${i}`, 'v');
    expect(transfers.isBig(hash)).toBe(false);
    expect(transfers.isBig(ListValue.of(['x'.repeat(40_000)]))).toBe(true);
    expect(transfers.isBig(ListValue.of(['x'.repeat(20_000)]))).toBe(false);
  });
});
