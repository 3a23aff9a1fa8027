// Typed values in the keyspace and the handlers that read them. No command can create a value
// other than a string yet, so these tests plant a test-only hash value directly in the keyspace.

import { describe, expect, it } from 'vitest';
import { decodeValue } from '../../src/client/reply.js';
import { ErrorReply } from '../../src/errors.js';
import { beginReply, REP_HEADER_BYTES } from '../../src/shared/codec.js';
import { keySlotOfLatin1 } from '../../src/shared/key-slot.js';
import { SLOT_COUNT } from '../../src/shared/limits.js';
import { WRONGTYPE } from '../../src/shared/reply-errors.js';
import { createRingStorage, FrameWriter } from '../../src/shared/ring.js';
import { VALUE_TYPE_NAMES, ValueKind } from '../../src/shared/value-types.js';
import { Call, type CommandHandler } from '../../workers/commands/call.js';
import * as expire from '../../workers/commands/expire.js';
import * as keys from '../../workers/commands/keys.js';
import * as strings from '../../workers/commands/strings.js';
import { Keyspace } from '../../workers/keyspace/keyspace.js';
import { CollectionValue, kindOf, typeNameOf, WRONG_TYPE } from '../../workers/keyspace/value.js';

/** A stand-in for the hash type, which does not exist yet. */
class TestHash extends CollectionValue {
  readonly kind = ValueKind.Hash;
  readonly size = 0;
  clone(): TestHash {
    return new TestHash();
  }
}

/** Runs handlers against a keyspace through a Call, the way a shard does, and decodes replies. */
class Harness {
  readonly keyspace = new Keyspace();
  private readonly call: Call;

  constructor() {
    // This shard (0) owns every slot.
    this.call = new Call(this.keyspace, 0, new Uint16Array(SLOT_COUNT));
    this.call.out = new FrameWriter(createRingStorage(1 << 16));
  }

  run(handler: CommandHandler, ...args: string[]): unknown {
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
    call.slot = keySlotOfLatin1(args[0] ?? '');
    call.name = 'test';
    const out = call.out;
    const start = beginReply(out, 1);
    handler(call);
    const reply = decodeValue(out.buf, out.view, start + REP_HEADER_BYTES, false);
    out.rollback(start);
    return reply;
  }
}

const KEY = '{t}h';
const SLOT = keySlotOfLatin1(KEY);

function withHash(): Harness {
  const harness = new Harness();
  harness.keyspace.set(SLOT, KEY, new TestHash());
  harness.keyspace.set(SLOT, '{t}s', 'text');
  return harness;
}

function expectWrongType(reply: unknown): void {
  expect(reply).toBeInstanceOf(ErrorReply);
  expect((reply as Error).message).toBe(WRONGTYPE);
}

describe('the keyspace holds typed values', () => {
  it('keeps strings as plain strings and other types as objects with their kind', () => {
    const keyspace = new Keyspace();
    keyspace.set(1, 'a', 'text');
    const hash = new TestHash();
    keyspace.set(1, 'b', hash);
    expect(keyspace.get(1, 'a')).toBe('text');
    expect(keyspace.get(1, 'b')).toBe(hash);
    expect(kindOf('text')).toBe(ValueKind.String);
    expect(kindOf(hash)).toBe(ValueKind.Hash);
    expect(typeNameOf('')).toBe('string');
    expect(typeNameOf(hash)).toBe('hash');
    expect(VALUE_TYPE_NAMES).toEqual(['string', 'hash', 'list', 'set', 'zset']);
  });

  it('answers a string lookup with the string, undefined, or the WRONGTYPE signal', () => {
    const keyspace = new Keyspace();
    keyspace.set(1, 'a', 'text');
    keyspace.set(1, 'b', new TestHash());
    expect(keyspace.getString(1, 'a')).toBe('text');
    expect(keyspace.getString(1, 'missing')).toBeUndefined();
    expect(keyspace.getString(1, 'b')).toBe(WRONG_TYPE);
    expect(keyspace.has(1, 'b')).toBe(true);
  });

  it('expires a value of another type like a string', () => {
    const keyspace = new Keyspace();
    keyspace.now = 0;
    keyspace.set(1, 'b', new TestHash());
    keyspace.setDeadline(1, 'b', 50);
    keyspace.now = 100;
    expect(keyspace.getString(1, 'b')).toBeUndefined();
    expect(keyspace.keyCount).toBe(0);
  });
});

describe('string commands on a key of another type', () => {
  it('answer WRONGTYPE where Redis does, and leave the value alone', () => {
    const h = withHash();
    const before = h.keyspace.get(SLOT, KEY);
    expectWrongType(h.run(strings.get, KEY));
    expectWrongType(h.run(strings.getDel, KEY));
    expectWrongType(h.run(strings.getEx, KEY, 'EX', '10'));
    expectWrongType(h.run(strings.getSet, KEY, 'v'));
    expectWrongType(h.run(strings.set, KEY, 'v', 'GET'));
    expectWrongType(h.run(strings.append, KEY, 'v'));
    expectWrongType(h.run(strings.strLen, KEY));
    expectWrongType(h.run(strings.getRange, KEY, '0', '-1'));
    expectWrongType(h.run(strings.setRange, KEY, '0', 'v'));
    expectWrongType(h.run(strings.setRange, KEY, '0', ''));
    expectWrongType(h.run(strings.incr, KEY));
    expectWrongType(h.run(strings.decr, KEY));
    expectWrongType(h.run(strings.incrBy, KEY, '2'));
    expectWrongType(h.run(strings.decrBy, KEY, '2'));
    expectWrongType(h.run(strings.incrByFloat, KEY, '1.5'));
    expect(h.keyspace.get(SLOT, KEY)).toBe(before);
    expect(h.keyspace.deadline(SLOT, KEY)).toBeUndefined();
  });

  it('check their arguments first where Redis does', () => {
    const h = withHash();
    expect((h.run(strings.incrBy, KEY, 'x') as Error).message).toMatch(/not an integer/);
    expect((h.run(strings.getRange, KEY, 'x', '1') as Error).message).toMatch(/not an integer/);
    expect((h.run(strings.setRange, KEY, '-1', 'v') as Error).message).toMatch(/out of range/);
    expect((h.run(strings.set, KEY, 'v', 'GET', 'NX', 'XX') as Error).message).toMatch(/syntax/);
    expectWrongType(h.run(strings.incrByFloat, KEY, 'x'));
  });

  it('treat it as existing where they do not read it', () => {
    const h = withHash();
    expect(h.run(strings.mGet, '{t}s', KEY, '{t}missing')).toEqual(['text', null, null]);
    expect(h.run(strings.setNx, KEY, 'v')).toBe(0);
    expect(h.run(strings.mSetNx, KEY, 'v')).toBe(0);
    expect(h.run(strings.set, KEY, 'v', 'NX')).toBeNull();
    expect(h.run(strings.set, KEY, 'v', 'XX')).toBe('OK');
    expect(h.keyspace.get(SLOT, KEY)).toBe('v');
    h.keyspace.set(SLOT, KEY, new TestHash());
    expect(h.run(strings.set, KEY, 'w')).toBe('OK');
    expect(h.run(strings.get, KEY)).toBe('w');
  });
});

describe('keyspace commands on a key of another type', () => {
  it('TYPE names the type, and none for a missing key', () => {
    const h = withHash();
    expect(h.run(keys.type, KEY)).toBe('hash');
    expect(h.run(keys.type, '{t}s')).toBe('string');
    expect(h.run(keys.type, '{t}missing')).toBe('none');
  });

  it('SCAN ... TYPE keeps the keys of that type', () => {
    const h = withHash();
    const cursor = String(SLOT);
    const scan = (...rest: string[]): unknown =>
      (h.run(keys.scan, cursor, ...rest) as unknown[])[1];
    expect(scan('TYPE', 'hash')).toEqual([KEY]);
    expect(scan('TYPE', 'STRING')).toEqual(['{t}s']);
    expect(scan('TYPE', 'zset')).toEqual([]);
    expect(scan('TYPE', 'stream')).toEqual([]);
    expect((scan() as string[]).sort()).toEqual([KEY, '{t}s'].sort());
    const reply = h.run(keys.scan, cursor, 'TYPE', 'nope');
    expect((reply as Error).message).toBe("ERR unknown type name 'nope'");
  });

  it('EXISTS, DEL and the TTL commands work on any type', () => {
    const h = withHash();
    expect(h.run(keys.exists, KEY)).toBe(1);
    expect(h.run(expire.expire, KEY, '100')).toBe(1);
    expect(h.run(expire.ttl, KEY)).toBe(100);
    expect(h.run(expire.persist, KEY)).toBe(1);
    expect(h.run(keys.del, KEY)).toBe(1);
    expect(h.run(keys.type, KEY)).toBe('none');
  });
});
