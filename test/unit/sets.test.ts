// The set handlers' edge cases, run through a Call against a keyspace as a shard runs them:
// argument checks in Redis's order, WRONGTYPE, empty sets deleted, STORE destinations replaced or
// deleted, the modified-key signal, SPOP/SRANDMEMBER counts, SSCAN's cursor and options.

import { describe, expect, it } from 'vitest';
import { decodeValue } from '../../src/client/reply.js';
import { ErrorReply } from '../../src/errors.js';
import { beginReply, REP_HEADER_BYTES } from '../../src/shared/codec.js';
import { keySlotOfLatin1 } from '../../src/shared/key-slot.js';
import { SLOT_COUNT } from '../../src/shared/limits.js';
import { WRONGTYPE } from '../../src/shared/reply-errors.js';
import { createRingStorage, FrameWriter } from '../../src/shared/ring.js';
import { Call } from '../../workers/commands/call.js';
import { handlers } from '../../workers/commands/sets.js';
import { Keyspace } from '../../workers/keyspace/keyspace.js';
import { SetValue } from '../../workers/keyspace/set-value.js';

type Name = keyof typeof handlers;

/** Runs set handlers against a keyspace through a Call and decodes the replies (errors as text). */
class Harness {
  readonly keyspace = new Keyspace();
  readonly modified: string[] = [];
  private readonly call = new Call(this.keyspace, 0, new Uint16Array(SLOT_COUNT));

  constructor() {
    this.call.out = new FrameWriter(createRingStorage(1 << 16));
    this.keyspace.watcher = (_slot, key) => this.modified.push(key);
  }

  run(name: Name, ...args: string[]): unknown {
    const call = this.call;
    const bytes = args.map((arg) => Buffer.from(arg, 'latin1'));
    call.buf = Buffer.concat(bytes);
    let at = 0;
    bytes.forEach((arg, i) => {
      call.argStart[i] = at;
      at += arg.length;
      call.argEnd[i] = at;
    });
    call.argc = args.length;
    call.slot = SLOT;
    call.name = name;
    const out = call.out;
    const start = beginReply(out, 1);
    handlers[name](call);
    const reply = decodeValue(out.buf, out.view, start + REP_HEADER_BYTES, false);
    out.rollback(start);
    return reply instanceof ErrorReply ? `error: ${reply.message}` : reply;
  }

  /** The value at `key` (all test keys share one slot). */
  value(key: string): unknown {
    return this.keyspace.get(SLOT, key);
  }

  members(key: string): string[] {
    return ((this.run('smembers', key) as string[]) ?? []).slice().sort();
  }
}

const SLOT = keySlotOfLatin1('{t}');
const WRONG = `error: ${WRONGTYPE}`;

function harness(): Harness {
  const h = new Harness();
  h.keyspace.set(SLOT, 'str', 'text');
  return h;
}

describe('members of one set', () => {
  it('SADD creates a set, counts new members only and signals only a change', () => {
    const h = harness();
    expect(h.run('sadd', 's', 'a', 'b', 'a')).toBe(2);
    expect(h.value('s')).toBeInstanceOf(SetValue);
    h.modified.length = 0;
    expect(h.run('sadd', 's', 'a')).toBe(0);
    expect(h.modified).toEqual([]);
    expect(h.run('sadd', 's', 'c')).toBe(1);
    expect(h.modified).toEqual(['s']);
    expect(h.run('sadd', 'str', 'a')).toBe(WRONG);
    expect(h.members('s')).toEqual(['a', 'b', 'c']);
  });

  it('SREM deletes the key with its last member', () => {
    const h = harness();
    h.run('sadd', 's', 'a', 'b');
    expect(h.run('srem', 's', 'x')).toBe(0);
    expect(h.run('srem', 's', 'a', 'b', 'c')).toBe(2);
    expect(h.value('s')).toBeUndefined();
    expect(h.run('srem', 's', 'a')).toBe(0);
    expect(h.run('srem', 'str', 'a')).toBe(WRONG);
  });

  it('answers reads of a missing key as an empty set, and WRONGTYPE for another type', () => {
    const h = harness();
    expect(h.run('smembers', 'none')).toEqual([]);
    expect(h.run('scard', 'none')).toBe(0);
    expect(h.run('sismember', 'none', 'a')).toBe(0);
    expect(h.run('smismember', 'none', 'a', 'b')).toEqual([0, 0]);
    for (const args of [['smembers'], ['scard'], ['sismember', 'a'], ['smismember', 'a']]) {
      const [name, ...rest] = args as [Name, ...string[]];
      expect(h.run(name, 'str', ...rest)).toBe(WRONG);
    }
    h.run('sadd', 's', 'a');
    expect(h.run('smismember', 's', 'x', 'a')).toEqual([0, 1]);
    expect(h.run('sismember', 's', 'a')).toBe(1);
  });

  it('a set whose key expired is gone: SADD starts a new one', () => {
    const h = harness();
    h.run('sadd', 's', 'old');
    h.keyspace.setDeadline(SLOT, 's', h.keyspace.now + 10);
    h.keyspace.now += 20;
    expect(h.run('scard', 's')).toBe(0);
    expect(h.run('sadd', 's', 'new')).toBe(1);
    expect(h.members('s')).toEqual(['new']);
  });
});

describe('SMOVE', () => {
  it('answers 0 for a missing source before looking at the destination type', () => {
    const h = harness();
    expect(h.run('smove', 'none', 'str', 'a')).toBe(0);
    h.run('sadd', 's', 'a');
    expect(h.run('smove', 's', 'str', 'a')).toBe(WRONG);
    expect(h.run('smove', 'str', 's', 'a')).toBe(WRONG);
  });

  it('moves a member, creating the destination and deleting an emptied source', () => {
    const h = harness();
    h.run('sadd', 's', 'a', 'b');
    expect(h.run('smove', 's', 'd', 'x')).toBe(0);
    expect(h.run('smove', 's', 'd', 'a')).toBe(1);
    expect(h.members('d')).toEqual(['a']);
    h.run('sadd', 'd', 'b');
    h.modified.length = 0;
    expect(h.run('smove', 's', 'd', 'b')).toBe(1);
    expect(h.value('s')).toBeUndefined();
    expect(h.members('d')).toEqual(['a', 'b']);
    // The member was already in the destination: only the source changed.
    expect(h.modified).toEqual(['s']);
  });

  it('with the same key as source and destination answers whether the member is there', () => {
    const h = harness();
    h.run('sadd', 's', 'a');
    expect(h.run('smove', 's', 's', 'a')).toBe(1);
    expect(h.run('smove', 's', 's', 'z')).toBe(0);
    expect(h.members('s')).toEqual(['a']);
  });
});

describe('SPOP and SRANDMEMBER', () => {
  it('SPOP checks the count before the key, answers [] for 0, deletes an emptied set', () => {
    const h = harness();
    const positive = 'error: ERR value is out of range, must be positive';
    expect(h.run('spop', 'str', '-1')).toBe(positive);
    expect(h.run('spop', 'none', 'abc')).toBe(positive);
    expect(h.run('spop', 'str', '0')).toBe(WRONG);
    expect(h.run('spop', 'none', '0')).toEqual([]);
    expect(h.run('spop', 'none')).toBeNull();
    expect(h.run('spop', 's', '1', '2')).toBe('error: ERR syntax error');
    h.run('sadd', 's', 'a', 'b', 'c', 'd');
    expect(h.run('spop', 's', '0')).toEqual([]);
    const two = h.run('spop', 's', '2') as string[];
    expect(two.length).toBe(2);
    expect(h.run('scard', 's')).toBe(2);
    const rest = h.run('spop', 's', '9223372036854775807') as string[];
    expect([...two, ...rest].sort()).toEqual(['a', 'b', 'c', 'd']);
    expect(h.value('s')).toBeUndefined();
    h.run('sadd', 's', 'only');
    expect(h.run('spop', 's')).toBe('only');
    expect(h.value('s')).toBeUndefined();
  });

  it('SRANDMEMBER: distinct members for a positive count, exactly -count for a negative one', () => {
    const h = harness();
    expect(h.run('srandmember', 'none')).toBeNull();
    expect(h.run('srandmember', 'none', '-3')).toEqual([]);
    expect(h.run('srandmember', 'str', 'abc')).toBe(
      'error: ERR value is not an integer or out of range',
    );
    expect(h.run('srandmember', 'str', '0')).toBe(WRONG);
    expect(h.run('srandmember', 's', '-9223372036854775808')).toBe(
      'error: ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807',
    );
    const members = Array.from({ length: 30 }, (_, i) => `m${i}`);
    h.run('sadd', 's', ...members);
    for (const count of [1, 5, 12, 29, 30, 31, 1000]) {
      const picked = h.run('srandmember', 's', String(count)) as string[];
      expect(picked.length).toBe(Math.min(count, 30));
      expect(new Set(picked).size).toBe(picked.length);
      for (const member of picked) expect(members).toContain(member);
    }
    const repeated = h.run('srandmember', 's', '-100') as string[];
    expect(repeated.length).toBe(100);
    for (const member of repeated) expect(members).toContain(member);
    expect(h.run('scard', 's')).toBe(30);
  });

  it('SRANDMEMBER refuses a repeat count whose reply cannot fit in a frame, at once', () => {
    const h = harness();
    h.run('sadd', 's', 'a');
    expect(h.run('srandmember', 's', '-9223372036854775807')).toMatch(/reply limit/);
  });
});

describe('set algebra', () => {
  function loaded(): Harness {
    const h = harness();
    h.run('sadd', 'a', '1', '2', '3', '4');
    h.run('sadd', 'b', '3', '4', '5');
    h.run('sadd', 'c', '4', '6');
    return h;
  }

  it('SINTER, SUNION, SDIFF', () => {
    const h = loaded();
    const sorted = (reply: unknown): string[] => (reply as string[]).slice().sort();
    expect(sorted(h.run('sinter', 'a', 'b', 'c'))).toEqual(['4']);
    expect(sorted(h.run('sinter', 'a', 'none'))).toEqual([]);
    expect(sorted(h.run('sunion', 'a', 'b', 'none', 'c'))).toEqual(['1', '2', '3', '4', '5', '6']);
    expect(sorted(h.run('sdiff', 'a', 'b'))).toEqual(['1', '2']);
    expect(sorted(h.run('sdiff', 'a', 'a'))).toEqual([]);
    expect(sorted(h.run('sdiff', 'none', 'a'))).toEqual([]);
    expect(sorted(h.run('sdiff', 'a'))).toEqual(['1', '2', '3', '4']);
    // WRONGTYPE anywhere wins, even after a missing key.
    for (const name of ['sinter', 'sunion', 'sdiff'] as const) {
      expect(h.run(name, 'none', 'str')).toBe(WRONG);
      expect(h.run(name, 'a', 'str')).toBe(WRONG);
    }
  });

  it('SDIFF takes either way to the same result', () => {
    const h = harness();
    h.run('sadd', 'big', ...Array.from({ length: 200 }, (_, i) => String(i)));
    h.run('sadd', 'small', '5', '7', 'x');
    // big minus small: removing small's members from a copy is cheaper; the other way round,
    // testing each of small's members.
    expect((h.run('sdiff', 'big', 'small') as string[]).length).toBe(198);
    expect(h.run('sdiff', 'small', 'big')).toEqual(['x']);
  });

  it('STORE forms replace the destination (any type, dropping its TTL) or delete it', () => {
    const h = loaded();
    h.keyspace.set(SLOT, 'dest', 'text');
    h.keyspace.setDeadline(SLOT, 'dest', h.keyspace.now + 100_000);
    expect(h.run('sunionstore', 'dest', 'a', 'c')).toBe(5);
    expect(h.members('dest')).toEqual(['1', '2', '3', '4', '6']);
    expect(h.keyspace.deadline(SLOT, 'dest')).toBeUndefined();
    expect(h.run('sinterstore', 'dest', 'dest', 'b')).toBe(2);
    expect(h.members('dest')).toEqual(['3', '4']);
    expect(h.run('sdiffstore', 'dest', 'a', 'b')).toBe(2);
    expect(h.members('dest')).toEqual(['1', '2']);
    expect(h.run('sinterstore', 'dest', 'a', 'none')).toBe(0);
    expect(h.value('dest')).toBeUndefined();
    h.keyspace.set(SLOT, 'dest', 'text');
    expect(h.run('sdiffstore', 'dest', 'a', 'a')).toBe(0);
    expect(h.value('dest')).toBeUndefined();
    expect(h.run('sunionstore', 'dest', 'a', 'str')).toBe(WRONG);
    // The stored set is a value of its own: changing a source leaves it as it was.
    h.run('sunionstore', 'copy', 'a');
    h.run('sadd', 'a', 'later');
    expect(h.members('copy')).toEqual(['1', '2', '3', '4']);
  });

  it('SINTERCARD checks numkeys and LIMIT before the keys', () => {
    const h = loaded();
    expect(h.run('sintercard', '0', 'a')).toBe('error: ERR numkeys should be greater than 0');
    expect(h.run('sintercard', 'x', 'a')).toBe('error: ERR numkeys should be greater than 0');
    expect(h.run('sintercard', '3', 'a', 'b')).toBe(
      "error: ERR Number of keys can't be greater than number of args",
    );
    expect(h.run('sintercard', '1', 'str', 'LIMIT', '-1')).toBe(
      "error: ERR LIMIT can't be negative",
    );
    expect(h.run('sintercard', '1', 'a', 'LIMIT')).toBe('error: ERR syntax error');
    expect(h.run('sintercard', '1', 'a', 'FOO', '1')).toBe('error: ERR syntax error');
    expect(h.run('sintercard', '1', 'str')).toBe(WRONG);
    expect(h.run('sintercard', '2', 'a', 'b')).toBe(2);
    expect(h.run('sintercard', '2', 'a', 'b', 'limit', '1')).toBe(1);
    expect(h.run('sintercard', '2', 'a', 'b', 'LIMIT', '0')).toBe(2);
    expect(h.run('sintercard', '1', 'a', 'LIMIT', '1', 'LIMIT', '3')).toBe(3);
    expect(h.run('sintercard', '2', 'a', 'none')).toBe(0);
  });
});

describe('SSCAN', () => {
  it('checks the cursor, then the key, then the options', () => {
    const h = harness();
    expect(h.run('sscan', 'none', 'x')).toBe('error: ERR invalid cursor');
    expect(h.run('sscan', 'none', '0', 'COUNT', '0')).toEqual(['0', []]);
    expect(h.run('sscan', 'str', '0', 'COUNT', '0')).toBe(WRONG);
    h.run('sadd', 's', 'a', 'b', 'c');
    expect(h.run('sscan', 's', '0', 'COUNT', '0')).toBe('error: ERR syntax error');
    expect(h.run('sscan', 's', '0', 'COUNT', 'x')).toBe(
      'error: ERR value is not an integer or out of range',
    );
    expect(h.run('sscan', 's', '0', 'COUNT')).toBe('error: ERR syntax error');
    expect(h.run('sscan', 's', '0', 'TYPE', 'set')).toBe('error: ERR syntax error');
    expect(h.run('sscan', 's', '0', 'count', '100', 'match', '[ab]')).toEqual([
      '0',
      expect.arrayContaining(['a', 'b']),
    ]);
  });

  it('walks a large set in steps to cursor 0, every member once', () => {
    const h = harness();
    const members = Array.from({ length: 500 }, (_, i) => `m${i}`);
    h.run('sadd', 's', ...members);
    const seen: string[] = [];
    let cursor = '0';
    let steps = 0;
    do {
      const [next, found] = h.run('sscan', 's', cursor, 'COUNT', '20') as [string, string[]];
      cursor = next;
      seen.push(...found);
      steps++;
    } while (cursor !== '0');
    expect(steps).toBeGreaterThan(10);
    expect(seen.sort()).toEqual(members.sort());
  });
});
