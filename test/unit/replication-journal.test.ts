// The journal without workers: every record kind as written and as applied, a primary's journal of
// random commands of every type family applied to an empty keyspace (the keyspaces must then be
// equal, expired keys included), blocked pops served from a ready key, and corrupt records, which
// the applier reports and never throws on.

import { describe, expect, it } from 'vitest';
import { COMMAND } from '../../src/commands/table.js';
import { NO_SLOT } from '../../src/shared/codec.js';
import {
  CMD_ARGC,
  CMD_ARGS,
  CMD_OP,
  ENTRIES_KEYS,
  ENTRIES_START,
  REC_HEADER_BYTES,
  REC_KIND,
  REC_LENGTH,
  REC_NOW,
  REC_OFFSET,
  REC_SLOT,
  RecordKind,
} from '../../src/shared/journal-format.js';
import { keySlot } from '../../src/shared/key-slot.js';
import { blockingSignal } from '../../workers/blocking/signal.js';
import { HashValue } from '../../workers/keyspace/hash-value.js';
import { ListValue } from '../../workers/keyspace/list-value.js';
import { putEntryAt } from '../../workers/replication/journal.js';
import { randomBlockingCommand } from '../support/blocking-commands.js';
import { type Arg, KEYS, randomCommand } from '../support/commands.js';
import { randomCrossCommand } from '../support/cross-type-commands.js';
import { randomHashCommand } from '../support/hash-commands.js';
import { dumpKeyspace, JournalPair, viewOf } from '../support/journal-pair.js';
import { randomListCommand } from '../support/list-commands.js';
import { fuzzSeed, Random } from '../support/random.js';
import { randomSetCommand } from '../support/sets-commands.js';
import { randomZsetCommand } from '../support/zset-commands.js';

const T0 = 1_700_000_000_000;

/** The arguments of a Command record, as latin1 strings. */
function commandArgs(record: Buffer): { op: number; args: string[] } {
  const view = viewOf(record);
  const argc = view.getUint32(CMD_ARGC, true);
  const args: string[] = [];
  let p = CMD_ARGS;
  for (let i = 0; i < argc; i++) {
    const bytes = view.getUint32(p, true);
    args.push(record.toString('latin1', p + 4, p + 4 + bytes));
    p += 4 + bytes;
  }
  return { op: record[CMD_OP]!, args };
}

function pair(): JournalPair {
  const p = new JournalPair();
  p.setNow(T0);
  return p;
}

describe('journal records', () => {
  it('a command: header, arguments as they came, offset counting record bytes', () => {
    const p = pair();
    p.run(['SET', 'k', 'v', 'PX', '500']);
    p.run(['APPEND', 'k', Buffer.from([0, 0xff])]);
    const [first, second] = p.records;
    const view = viewOf(first!);
    expect(view.getUint32(REC_LENGTH, true)).toBe(first!.length);
    expect(first![REC_KIND]).toBe(RecordKind.Command);
    expect(view.getUint16(REC_SLOT, true)).toBe(keySlot('k'));
    expect(view.getFloat64(REC_NOW, true)).toBe(T0);
    expect(view.getFloat64(REC_OFFSET, true)).toBe(first!.length);
    expect(viewOf(second!).getFloat64(REC_OFFSET, true)).toBe(first!.length + second!.length);
    expect(p.journal.offset).toBe(first!.length + second!.length);
    expect(commandArgs(first!)).toEqual({ op: COMMAND.set.op, args: ['k', 'v', 'PX', '500'] });
    expect(commandArgs(second!).args).toEqual(['k', '\u0000\u00ff']);
    p.replay();
    expect(p.failures).toEqual([]);
    expect(dumpKeyspace(p.replica)).toEqual(dumpKeyspace(p.primary));
    // The deadline came from the primary's clock, not the replica's.
    expect(p.replica.deadline(keySlot('k'), 'k')).toBe(T0 + 500);
  });

  it('reads journal nothing; failed writes are recorded and fail the same way again', () => {
    const p = pair();
    p.run(['GET', 'k']);
    p.run(['HGETALL', 'h']);
    expect(p.records).toHaveLength(0);
    p.run(['SET', 's', 'v']);
    expect(p.run(['LPUSH', 's', 'x'])).toMatchObject({
      message: expect.stringMatching(/WRONGTYPE/),
    });
    expect(p.records).toHaveLength(2);
    p.replay();
    expect(p.failures).toEqual([]);
    expect(dumpKeyspace(p.replica)).toEqual(dumpKeyspace(p.primary));
  });

  it('SPOP as SREM of the members it popped, or DEL when it took them all', () => {
    const p = pair();
    p.run(['SADD', '{s}a', 'a', 'b', 'c', 'd', 'e']);
    const popped = p.run(['SPOP', '{s}a']) as Buffer;
    expect(commandArgs(p.records.at(-1)!)).toEqual({
      op: COMMAND.srem.op,
      args: ['{s}a', popped.toString('latin1')],
    });
    p.run(['SPOP', '{s}a', '2']);
    expect(commandArgs(p.records.at(-1)!).op).toBe(COMMAND.srem.op);
    p.run(['SPOP', '{s}a', '10']);
    expect(commandArgs(p.records.at(-1)!)).toEqual({ op: COMMAND.del.op, args: ['{s}a'] });
    p.replay();
    expect(p.failures).toEqual([]);
    expect(dumpKeyspace(p.replica)).toEqual(dumpKeyspace(p.primary));
  });

  it('a key removed by expiry, lazily or actively, as DEL at the primary’s clock', () => {
    const p = pair();
    p.run(['SET', 'a', '1', 'PX', '100']);
    p.run(['SET', 'b', '1', 'PX', '100']);
    p.replay();
    p.setNow(T0 + 200);
    expect(p.run(['GET', 'a'])).toBeNull();
    expect(commandArgs(p.records.at(-1)!)).toEqual({ op: COMMAND.del.op, args: ['a'] });
    expect(p.primary.expireDue(10)).toBe(1);
    expect(commandArgs(p.records.at(-1)!)).toEqual({ op: COMMAND.del.op, args: ['b'] });
    expect(viewOf(p.records.at(-1)!).getFloat64(REC_NOW, true)).toBe(T0 + 200);
    // The replica kept both keys, past their deadlines, until the DELs came.
    expect(p.replica.keyCount).toBe(2);
    p.replay();
    expect(p.replica.keyCount).toBe(0);
    expect(p.failures).toEqual([]);
  });

  it('entries (keys as they are, with deadlines), a dropped slot, and FLUSHALL of no slot', () => {
    const p = pair();
    const slot = keySlot('{e}');
    const buf = Buffer.alloc(4096);
    const view = viewOf(buf);
    let end = putEntryAt(buf, view, 0, '{e}l', ListValue.of(['x', 'y']), T0 + 1000);
    const hash = new HashValue();
    hash.set('f', 'v');
    end = putEntryAt(buf, view, end, '{e}h', hash, 0);
    end = putEntryAt(buf, view, end, '{e}s', 'text', 0);
    p.journal.appendEntries(slot, 3, buf, 0, end);
    const record = p.records.at(-1)!;
    expect(record[REC_KIND]).toBe(RecordKind.Entries);
    expect(viewOf(record).getUint32(ENTRIES_KEYS, true)).toBe(3);
    p.replay();
    expect(p.failures).toEqual([]);
    expect(dumpKeyspace(p.replica)).toEqual([
      `${slot} "{e}h" hash [["f","v"]] 0`,
      `${slot} "{e}l" list ["x","y"] ${T0 + 1000}`,
      `${slot} "{e}s" string "text" 0`,
    ]);
    p.run(['SET', 'other', '1']);
    p.journal.appendDropSlot(slot);
    expect(p.records.at(-1)![REC_KIND]).toBe(RecordKind.DropSlot);
    p.replay();
    expect(dumpKeyspace(p.replica)).toEqual([`${keySlot('other')} "other" string "1" 0`]);
    p.run(['FLUSHALL']);
    expect(viewOf(p.records.at(-1)!).getUint16(REC_SLOT, true)).toBe(NO_SLOT);
    p.replay();
    expect(p.failures).toEqual([]);
    expect(p.replica.keyCount).toBe(0);
  });

  it('a blocked pop served from a ready key as the pop from that key alone', () => {
    const p = pair();
    p.run(['RPUSH', '{l}a', 'a1', 'a2']);
    p.run(['RPUSH', '{l}b', 'b1', 'b2', 'b3', 'b4', 'b5', 'b6']);
    p.run(['SET', '{l}s', 'string']);
    p.run(['RPUSH', '{l}d', 'd1']);
    // Each request waits on a key before the ready one that also holds a list (or another type):
    // run again as it came it would pop from that key.
    const served: Arg[][] = [
      ['BLPOP', '{l}a', '{l}b', '0'],
      ['BRPOP', '{l}s', '{l}b', '0'],
      ['BLMPOP', '0', '2', '{l}a', '{l}b', 'RIGHT', 'COUNT', '2'],
      ['BLMOVE', '{l}b', '{l}d', 'LEFT', 'RIGHT', '0'],
      ['BRPOPLPUSH', '{l}d', '{l}a', '0'],
    ];
    const ready = ['{l}b', '{l}b', '{l}b', '{l}b', '{l}d'];
    served.forEach((args, i) => {
      blockingSignal.readyKey = ready[i];
      try {
        p.run(args);
      } finally {
        blockingSignal.readyKey = undefined;
      }
    });
    const ops = p.records.slice(-5).map((record) => commandArgs(record));
    expect(ops).toEqual([
      { op: COMMAND.lpop.op, args: ['{l}b'] },
      { op: COMMAND.rpop.op, args: ['{l}b'] },
      { op: COMMAND.lmpop.op, args: ['1', '{l}b', 'RIGHT', 'COUNT', '2'] },
      { op: COMMAND.lmove.op, args: ['{l}b', '{l}d', 'LEFT', 'RIGHT'] },
      { op: COMMAND.rpoplpush.op, args: ['{l}d', '{l}a'] },
    ]);
    p.replay();
    expect(p.failures).toEqual([]);
    expect(dumpKeyspace(p.replica)).toEqual(dumpKeyspace(p.primary));
  });

  it('a ping (the primary’s clock while it writes nothing) applies as nothing', () => {
    const p = pair();
    const ping = Buffer.alloc(REC_HEADER_BYTES);
    viewOf(ping).setUint32(REC_LENGTH, REC_HEADER_BYTES, true);
    ping[REC_KIND] = RecordKind.Ping;
    viewOf(ping).setUint16(REC_SLOT, 0, true);
    expect(p.applyRecord(ping)).toBeUndefined();
    expect(p.replica.keyCount).toBe(0);
  });

  it('a blocking command that parks journals nothing', () => {
    const p = pair();
    p.run(['BLPOP', '{l}none', '0']);
    expect(p.records).toHaveLength(0);
  });
});

/** Commands whose deadlines are short, so that keys expire during the run. */
function expiryCommand(r: Random): Arg[] {
  const key = r.pick([...KEYS.slice(0, 6), '{s}a', '{l}a', 'h0', '{z}a']);
  switch (r.int(5)) {
    case 0:
      return ['SET', key, `v${r.int(10)}`, 'PX', String(r.between(1, 300))];
    case 1:
      return ['PEXPIRE', key, String(r.between(1, 300))];
    case 2:
      return ['PERSIST', key];
    case 3:
      return ['EXPIRE', key, String(r.between(-1, 2))];
    default:
      return ['GETEX', key, 'PX', String(r.between(1, 300))];
  }
}

function anyCommand(r: Random): Arg[] {
  switch (r.int(9)) {
    case 0:
      return randomCommand(r);
    case 1:
      return randomListCommand(r);
    case 2:
      return randomHashCommand(r);
    case 3:
      return randomSetCommand(r).args;
    case 4:
      return randomZsetCommand(r);
    case 5:
      return randomCrossCommand(r);
    case 6:
      return randomBlockingCommand(r);
    case 7:
      return expiryCommand(r);
    default:
      return r.chance(0.02) ? ['FLUSHALL'] : randomCommand(r);
  }
}

describe('a primary’s journal applied to an empty keyspace', () => {
  it('yields an equal keyspace, for random commands of every type with expiries', () => {
    const seed = fuzzSeed();
    const r = new Random(seed);
    const p = pair();
    let now = T0;
    for (let step = 0; step < 6000; step++) {
      const args = anyCommand(r);
      try {
        p.run(args);
      } catch (error) {
        throw new Error(`seed ${seed} step ${step}: ${args.map(String).join(' ')}: ${error}`);
      }
      if (r.chance(0.1)) {
        now += r.int(60);
        p.setNow(now);
        if (r.chance(0.5)) p.primary.expireDue(r.between(1, 20));
      }
      if (step % 50 === 49) {
        p.replay();
        expect(p.failures, `seed ${seed} step ${step}`).toEqual([]);
        expect(dumpKeyspace(p.replica), `seed ${seed} step ${step}`).toEqual(
          dumpKeyspace(p.primary),
        );
      }
    }
    expect(p.records.length).toBeGreaterThan(2000);
  });
});

/** A good command record to corrupt: SET k v PX 500. */
function setRecord(): Buffer {
  const p = pair();
  p.run(['SET', 'k', 'v', 'PX', '500']);
  return Buffer.from(p.records[0]!);
}

/** A good entries record to corrupt: one list. */
function entriesRecord(): Buffer {
  const p = pair();
  const buf = Buffer.alloc(256);
  const end = putEntryAt(buf, viewOf(buf), 0, 'k', ListValue.of(['a', 'b']), 0);
  p.journal.appendEntries(keySlot('k'), 1, buf, 0, end);
  return Buffer.from(p.records[0]!);
}

describe('corrupt records', () => {
  const cases: [string, () => Buffer, RegExp][] = [
    [
      'a length past its buffer',
      () => corrupt(setRecord(), (v) => v.setUint32(0, 999, true)),
      /length/,
    ],
    [
      'a length shorter than a header',
      () => corrupt(setRecord(), (v) => v.setUint32(0, 8, true)),
      /length/,
    ],
    [
      'an unknown kind',
      () =>
        corrupt(setRecord(), (_v, b) => {
          b[REC_KIND] = 77;
        }),
      /kind 77/,
    ],
    [
      'a slot past the last',
      () => corrupt(setRecord(), (v) => v.setUint16(REC_SLOT, 20000, true)),
      /slot 20000/,
    ],
    [
      'an unknown opcode',
      () =>
        corrupt(setRecord(), (_v, b) => {
          b[CMD_OP] = 0;
        }),
      /unknown opcode/,
    ],
    [
      'too many arguments',
      () => corrupt(setRecord(), (v) => v.setUint32(CMD_ARGC, 2 ** 30, true)),
      /arguments/,
    ],
    [
      'arguments past its end',
      () => corrupt(setRecord(), (v) => v.setUint32(CMD_ARGS, 1000, true)),
      /past its end|do not end/,
    ],
    [
      'arguments short of its end',
      () => corrupt(setRecord(), (v) => v.setUint32(CMD_ARGC, 3, true)),
      /do not end/,
    ],
    [
      'a bad arity for its command',
      () =>
        corrupt(setRecord(), (v) => {
          v.setUint32(CMD_ARGC, 1, true);
          v.setUint32(0, CMD_ARGS + 5, true);
        }),
      /'set' record with 1 arguments/,
    ],
    [
      'an entry of an unknown type',
      () =>
        corrupt(entriesRecord(), (_v, b) => {
          b[ENTRIES_START + 4 + 1] = 9;
        }),
      /unknown value type/,
    ],
    [
      'an entry past the record',
      () => corrupt(entriesRecord(), (v) => v.setUint32(ENTRIES_START, 500, true)),
      /past the record/,
    ],
    [
      'more entries than it holds',
      () => corrupt(entriesRecord(), (v) => v.setUint32(ENTRIES_KEYS, 3, true)),
      /past the record/,
    ],
    [
      'an unreadable value',
      () =>
        corrupt(entriesRecord(), (v) => v.setUint32(ENTRIES_START + 4 + 1 + 1 + 5, 2 ** 30, true)),
      /unreadable|past/,
    ],
  ];

  for (const [name, make, reason] of cases) {
    it(`are reported, not thrown: ${name}`, () => {
      const p = pair();
      let failure: string | undefined;
      expect(() => {
        failure = p.applyRecord(make());
      }).not.toThrow();
      expect(failure).toMatch(reason);
    });
  }
});

function corrupt(record: Buffer, change: (view: DataView, buf: Buffer) => void): Buffer {
  change(viewOf(record), record);
  return record;
}
