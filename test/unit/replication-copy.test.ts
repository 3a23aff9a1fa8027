// A primary's link to a replica and the replica's follower, in the test's own thread: the full copy
// while writes and expiries go on (records of slots not copied yet are left out, records of no slot
// always go), a copy of big values in parts, a replica that lags and gets a new copy, and a copy
// record whose checksum does not match.

import { describe, expect, it } from 'vitest';
import { NO_SLOT } from '../../src/shared/codec.js';
import { ControlBlock, ReplicaState } from '../../src/shared/control-block.js';
import {
  REC_CHECKSUM,
  REC_FLAGS,
  REC_HEADER_BYTES,
  REC_KIND,
  REC_SLOT,
  RecordFlag,
  RecordKind,
} from '../../src/shared/journal-format.js';
import { keySlot } from '../../src/shared/key-slot.js';
import { createRingStorage, FrameReader, FrameWriter } from '../../src/shared/ring.js';
import { Keyspace } from '../../workers/keyspace/keyspace.js';
import { Follower } from '../../workers/replication/follower.js';
import { ReplicaLink } from '../../workers/replication/replica-link.js';
import type { Shard } from '../../workers/shard.js';
import { type Arg, KEYS, randomCommand } from '../support/commands.js';
import { dumpKeyspace, JournalPair } from '../support/journal-pair.js';
import { fuzzSeed, Random } from '../support/random.js';
import { randomSetCommand } from '../support/sets-commands.js';
import { randomZsetCommand } from '../support/zset-commands.js';

const T0 = 1_700_000_000_000;
const PRIMARY = 0;
const REPLICA = 1;

/** A primary (a JournalPair's, whose own replica is not used), a link, and a follower. */
class LinkedReplica {
  readonly primary = new JournalPair();
  readonly control = new ControlBlock();
  readonly keyspace = new Keyspace();
  readonly link: ReplicaLink;
  readonly follower: Follower;
  readonly ring: SharedArrayBuffer;

  constructor(
    ringBytes: number,
    setup?: (link: ReplicaLink) => void,
    fill?: (p: JournalPair) => void,
  ) {
    this.primary.setNow(T0);
    fill?.(this.primary);
    const ring = createRingStorage(ringBytes);
    this.ring = ring;
    this.link = new ReplicaLink(
      REPLICA,
      ring,
      this.primary.primary,
      this.primary.journal,
      this.control,
    );
    setup?.(this.link);
    this.primary.journal.sinks.push(this.link);
    const shard = { id: REPLICA, keyspace: this.keyspace, control: this.control };
    this.follower = new Follower(shard as unknown as Shard, PRIMARY, ring);
  }

  /** One turn of each side. */
  turn(): void {
    this.link.step();
    this.follower.serve();
  }

  /** Turns until the replica streams at the primary's offset. */
  settle(): void {
    for (let i = 0; i < 10_000; i++) {
      this.turn();
      if (this.follower.streaming && this.follower.offset === this.primary.journal.offset) return;
    }
    throw new Error(`the replica did not catch up: ${this.follower.lastFailure}`);
  }

  expectEqual(where: string): void {
    expect(this.follower.failures, `${where}: ${this.follower.lastFailure}`).toBe(0);
    expect(this.control.replicaState(REPLICA), where).toBe(ReplicaState.Streaming);
    expect(dumpKeyspace(this.keyspace), where).toEqual(dumpKeyspace(this.primary.primary));
  }
}

/** `count` keys under one hash tag (one slot). */
function sameSlot(tag: string, count: number): string[] {
  return Array.from({ length: count }, (_, i) => `{${tag}}${i}`);
}

describe('a full copy', () => {
  it('leaves out records of slots not copied yet and sends those of copied slots and of none', () => {
    // 5000 keys in one slot: the first turn copies the slots up to it and stops there.
    const tagged = sameSlot('a', 5000);
    const copiedSlot = keySlot(tagged[0]!);
    let later = 'b';
    for (let i = 0; keySlot(later) <= copiedSlot; i++) later = `b${i}`;
    const replica = new LinkedReplica(1 << 24, undefined, (p) => {
      for (const key of tagged) p.run(['SET', key, 'v']);
      p.run(['SET', later, 'old']);
    });
    replica.link.step();
    replica.primary.run(['SET', later, 'new']);
    replica.primary.run(['SET', tagged[0]!, 'changed']);
    replica.primary.run(['FLUSHALL']);
    replica.primary.run(['SET', later, 'after']);
    // What the ring holds so far, in order.
    const seen: string[] = [];
    const reader = new FrameReader(replica.ring, REC_HEADER_BYTES);
    replica.link.writer.flush();
    while (reader.readable()) {
      reader.fill();
      for (let at = reader.next(); at >= 0; reader.advance(at), at = reader.next()) {
        const slot = reader.view.getUint16(at + REC_SLOT, true);
        const sync = reader.buf[at + REC_FLAGS]! & RecordFlag.Sync ? 'copy' : 'journal';
        seen.push(`${sync} ${reader.buf[at + REC_KIND]} ${slot === NO_SLOT ? 'none' : slot}`);
      }
    }
    expect(seen[0]).toBe(`copy ${RecordKind.SyncBegin} none`);
    expect(seen.slice(-2)).toEqual([
      `journal ${RecordKind.Command} ${copiedSlot}`,
      `journal ${RecordKind.Command} none`,
    ]);
    // The first turn copied the tagged slot alone; the write to the later slot before it was
    // copied is left out (the copy of that slot will hold it).
    expect(seen.filter((line) => line.startsWith(`copy ${RecordKind.Entries}`))).toEqual([
      `copy ${RecordKind.Entries} ${copiedSlot}`,
    ]);
    expect(seen).toHaveLength(4);
  });

  it('while writes and expiries go on ends equal to the primary', () => {
    const seed = fuzzSeed();
    const r = new Random(seed);
    const keys = [...Array.from({ length: 3000 }, (_, i) => `k${i}`), ...sameSlot('a', 6000)];
    const replica = new LinkedReplica(1 << 16, undefined, (p) => {
      for (const key of keys) {
        p.run(
          r.chance(0.2) ? ['SET', key, 'v', 'PX', String(r.between(1, 500))] : ['SET', key, 'v'],
        );
      }
    });
    let now = T0;
    for (let turn = 0; turn < 400; turn++) {
      for (let i = 0; i < 10; i++) {
        const args: Arg[] = r.chance(0.5)
          ? [
              'SET',
              r.pick(keys),
              `w${turn}`,
              ...(r.chance(0.3) ? ['PX', String(r.between(1, 200))] : []),
            ]
          : r.pick([randomCommand, randomZsetCommand, (x: Random) => randomSetCommand(x).args])(r);
        replica.primary.run(args);
      }
      // FLUSHALL while the copy is under way (it takes a few turns), and once it is done.
      if (turn === 1 || turn === 200) replica.primary.run(['FLUSHALL']);
      now += r.int(5);
      replica.primary.setNow(now);
      replica.primary.primary.expireDue(20);
      replica.turn();
    }
    replica.settle();
    replica.expectEqual(`seed ${seed}`);
    expect(replica.link.syncs).toBe(1);
  });

  it('sends big collections in parts and slots in bounded records', () => {
    const replica = new LinkedReplica(
      1 << 16,
      (link) => {
        link.limits.entryBytesMax = 2000;
        link.limits.recordBytes = 4096;
      },
      (p) => {
        const members = Array.from({ length: 3000 }, (_, i) => `m${i}`);
        p.run(['RPUSH', '{b}list', ...members]);
        p.run(['SADD', '{b}set', ...members]);
        p.run(['HSET', '{b}hash', ...members.flatMap((m, i) => [m, `v${i}`])]);
        p.run(['ZADD', '{b}zset', ...members.flatMap((m, i) => [String(i / 7 - 100), m])]);
        p.run(['ZADD', '{b}zset', 'inf', 'top', '-inf', 'bottom', '-0', 'zero']);
        p.run(['PEXPIRE', '{b}hash', '100000']);
        for (const key of sameSlot('b', 2000)) p.run(['SET', key, 'small']);
      },
    );
    replica.settle();
    replica.expectEqual('big values');
  });
});

describe('a lagging replica', () => {
  it('is dropped from the stream, then gets a new copy once the ring has taken what was staged', () => {
    const replica = new LinkedReplica(1 << 14, (link) => {
      link.limits.backlogBytes = 32 * 1024;
    });
    replica.settle();
    for (let i = 0; i < 2000; i++) replica.primary.run(['SET', `k${i % 300}`, 'x'.repeat(100)]);
    replica.link.step();
    expect(replica.link.syncing).toBe(true);
    // Records made while it lags are not staged for it.
    const staged = replica.link.writer.staged;
    replica.primary.run(['SET', 'while-lagging', '1']);
    expect(replica.link.writer.staged).toBe(staged);
    replica.settle();
    expect(replica.link.syncs).toBe(2);
    replica.expectEqual('after the new copy');
    expect(replica.keyspace.has(keySlot('while-lagging'), 'while-lagging')).toBe(true);
  });

  it('is promoted with what it acknowledged, not with the part of a new copy in its ring', () => {
    const replica = new LinkedReplica(1 << 14, (link) => {
      link.limits.backlogBytes = 32 * 1024;
    });
    replica.primary.run(['SET', 'acknowledged', 'yes']);
    replica.settle();
    const acknowledged = replica.follower.offset;
    // The replica stops reading; the primary drops it and, once the ring took what was staged,
    // begins a new copy down the same ring: the replica's control state still says streaming.
    for (let i = 0; i < 2000; i++) replica.primary.run(['SET', `k${i % 300}`, 'x'.repeat(100)]);
    for (let i = 0; i < 50 && replica.link.syncs < 2; i++) {
      replica.link.step();
      // Only what the ring holds moves on; nothing is applied.
      replica.follower.reader.fill();
    }
    expect(replica.link.syncs).toBe(2);
    // One more turn of the primary pushes the SyncBegin and the copy's first slots.
    replica.link.step();
    replica.follower.reader.fill();
    const { reader } = replica.follower;
    // The new copy's SyncBegin is in what the replica has yet to apply.
    let pendingCopy = false;
    for (let at = reader.start; at < reader.end; at += reader.view.getUint32(at, true)) {
      if (reader.buf[at + REC_KIND] === RecordKind.SyncBegin) pendingCopy = true;
    }
    expect(pendingCopy).toBe(true);
    // The old primary dies now: promotion applies the journal up to the copy's SyncBegin, so the
    // acknowledged write is there and the copy's partial data is not.
    replica.follower.drainForPromotion();
    expect(replica.follower.streaming).toBe(true);
    expect(replica.follower.offset).toBeGreaterThanOrEqual(acknowledged);
    expect(replica.keyspace.get(keySlot('acknowledged'), 'acknowledged')).toBe('yes');
  });

  it('is refused promotion while it holds part of a copy', () => {
    const replica = new LinkedReplica(1 << 16);
    replica.primary.run(['SET', 'a', '1']);
    replica.link.step();
    expect(() => replica.follower.drainForPromotion()).toThrow(/holds part of a copy/);
  });

  it('is not dropped for a copy bigger than the backlog limit', () => {
    const replica = new LinkedReplica(
      1 << 14,
      (link) => {
        link.limits.backlogBytes = 16 * 1024;
      },
      (p) => {
        for (const key of sameSlot('c', 3000)) p.run(['SET', key, 'x'.repeat(50)]);
      },
    );
    replica.settle();
    expect(replica.link.syncs).toBe(1);
    replica.expectEqual('one copy');
  });
});

describe('a replica that could not apply a record', () => {
  it('stays broken through the copy under way, and the primary sends a new one', () => {
    const control = new ControlBlock();
    const ring = createRingStorage(1 << 16);
    const keyspace = new Keyspace();
    const follower = new Follower(
      { id: REPLICA, keyspace, control } as unknown as Shard,
      PRIMARY,
      ring,
    );
    const w = new FrameWriter(ring);
    const marker = (kind: number): void => {
      const start = w.beginFrame(REC_HEADER_BYTES);
      w.buf.fill(0, start, start + REC_HEADER_BYTES);
      w.view.setUint32(start, REC_HEADER_BYTES, true);
      w.buf[start + REC_KIND] = kind;
      w.buf[start + REC_FLAGS] = RecordFlag.Sync;
      w.view.setUint16(start + REC_SLOT, NO_SLOT, true);
      w.commit(start + REC_HEADER_BYTES);
    };
    marker(RecordKind.SyncBegin);
    // An entries record of the copy whose checksum does not match its bytes.
    const start = w.beginFrame(REC_HEADER_BYTES + 4);
    w.buf.fill(0, start, start + REC_HEADER_BYTES + 4);
    w.view.setUint32(start, REC_HEADER_BYTES + 4, true);
    w.buf[start + REC_KIND] = RecordKind.Entries;
    w.buf[start + REC_FLAGS] = RecordFlag.Sync;
    w.view.setBigUint64(start + REC_CHECKSUM, 12345n, true);
    w.commit(start + REC_HEADER_BYTES + 4);
    marker(RecordKind.SyncEnd);
    w.flush();
    expect(() => follower.serve()).not.toThrow();
    expect(follower.lastFailure).toBe('full copy record checksum mismatch');
    expect(follower.streaming).toBe(false);
    expect(control.replicaState(REPLICA)).toBe(ReplicaState.Broken);
    // A frame whose length no record has: the stream cannot be read on; the replica reports it and
    // its worker ends (the pool replaces it).
    const bad = w.beginFrame(8);
    w.view.setUint32(bad, 4, true);
    w.view.setUint32(bad + 4, 0, true);
    w.tail = bad + 8;
    w.flush();
    expect(() => follower.serve()).toThrow(/unreadable stream/);
    expect(follower.lastFailure).toMatch(/unreadable stream/);
  });

  it('gets a new copy from its primary and ends equal', () => {
    const replica = new LinkedReplica(1 << 16, undefined, (p) => {
      for (const key of KEYS) p.run(['SET', key, 'v']);
    });
    replica.settle();
    // The replica's copy went wrong (as a record that failed to apply would leave it).
    replica.keyspace.flush();
    replica.control.setReplicaState(REPLICA, ReplicaState.Broken);
    replica.link.step();
    expect(replica.control.replicaState(REPLICA)).not.toBe(ReplicaState.Broken);
    replica.settle();
    expect(replica.link.syncs).toBe(2);
    replica.expectEqual('after the new copy');
  });
});
