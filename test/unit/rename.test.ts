// RENAME, RENAMENX and COPY on a shard: values of any type, deadlines carried, Redis's errors.

import { describe, expect, it } from 'vitest';
import { keySlotOfLatin1 } from '../../src/shared/key-slot.js';
import { ValueKind } from '../../src/shared/value-types.js';
import { CollectionValue, type MemberTracker } from '../../workers/keyspace/value.js';
import { ShardHarness } from '../support/shard-harness.js';

/** A stand-in collection: its members are a list of strings. */
class TestList extends CollectionValue {
  readonly kind = ValueKind.List;
  constructor(readonly items: string[]) {
    super();
  }
  get size(): number {
    return this.items.length;
  }
  clone(): TestList {
    return new TestList([...this.items]);
  }
}

const A = '{r}a';
const B = '{r}b';
const SLOT = keySlotOfLatin1(A);
const errorText = (reply: unknown): string => (reply as Error).message;

describe('RENAME and RENAMENX', () => {
  it('move the value and its deadline; the old key is gone', () => {
    const shard = new ShardHarness();
    const keyspace = shard.keyspace;
    keyspace.set(SLOT, A, 'v');
    keyspace.setDeadline(SLOT, A, keyspace.now + 5000);
    const deadline = keyspace.deadline(SLOT, A);
    expect(shard.run('rename', SLOT, [A, B])).toBe('OK');
    expect(keyspace.get(SLOT, A)).toBeUndefined();
    expect(keyspace.get(SLOT, B)).toBe('v');
    expect(keyspace.deadline(SLOT, B)).toBe(deadline);
    expect(keyspace.keyCount).toBe(1);
  });

  it('overwrite the destination, its deadline dropped when the source has none', () => {
    const shard = new ShardHarness();
    const keyspace = shard.keyspace;
    keyspace.set(SLOT, A, 'v');
    keyspace.set(SLOT, B, 'old');
    keyspace.setDeadline(SLOT, B, keyspace.now + 5000);
    expect(shard.run('renamenx', SLOT, [A, B])).toBe(0);
    expect(keyspace.get(SLOT, A)).toBe('v');
    expect(shard.run('rename', SLOT, [A, B])).toBe('OK');
    expect(keyspace.get(SLOT, B)).toBe('v');
    expect(keyspace.deadline(SLOT, B)).toBeUndefined();
  });

  it('answer Redis for a missing source, an expired destination and the same key', () => {
    const shard = new ShardHarness();
    const keyspace = shard.keyspace;
    expect(errorText(shard.run('rename', SLOT, [A, B]))).toBe('ERR no such key');
    expect(errorText(shard.run('renamenx', SLOT, [A, A]))).toBe('ERR no such key');
    keyspace.set(SLOT, A, 'v');
    expect(shard.run('rename', SLOT, [A, A])).toBe('OK');
    expect(shard.run('renamenx', SLOT, [A, A])).toBe(0);
    keyspace.set(SLOT, B, 'expired');
    keyspace.setDeadline(SLOT, B, keyspace.now + 10);
    keyspace.now += 20;
    expect(shard.run('renamenx', SLOT, [A, B])).toBe(1);
    expect(keyspace.get(SLOT, B)).toBe('v');
  });

  it('move a collection as it is, unless a migration tracks it (the new key gets a copy)', () => {
    const shard = new ShardHarness();
    const keyspace = shard.keyspace;
    const list = new TestList(['x', 'y']);
    keyspace.set(SLOT, A, list);
    shard.run('rename', SLOT, [A, B]);
    expect(keyspace.get(SLOT, B)).toBe(list);
    list.tracker = {} as MemberTracker;
    shard.run('rename', SLOT, [B, A]);
    const moved = keyspace.get(SLOT, A) as TestList;
    expect(moved).not.toBe(list);
    expect(moved.items).toEqual(['x', 'y']);
    expect(moved.tracker).toBeUndefined();
    expect(shard.run('type', SLOT, [A])).toBe('list');
  });
});

describe('COPY', () => {
  it('copies a value and its deadline; a collection is a deep copy', () => {
    const shard = new ShardHarness();
    const keyspace = shard.keyspace;
    const list = new TestList(['x']);
    keyspace.set(SLOT, A, list);
    keyspace.setDeadline(SLOT, A, keyspace.now + 5000);
    expect(shard.run('copy', SLOT, [A, B])).toBe(1);
    const copied = keyspace.get(SLOT, B) as TestList;
    expect(copied).not.toBe(list);
    copied.items.push('y');
    expect(list.items).toEqual(['x']);
    expect(keyspace.deadline(SLOT, B)).toBe(keyspace.deadline(SLOT, A));
    expect(keyspace.get(SLOT, A)).toBe(list);
  });

  it('needs REPLACE for an existing destination, and drops its deadline when the source has none', () => {
    const shard = new ShardHarness();
    const keyspace = shard.keyspace;
    keyspace.set(SLOT, A, 'v');
    keyspace.set(SLOT, B, 'old');
    keyspace.setDeadline(SLOT, B, keyspace.now + 5000);
    expect(shard.run('copy', SLOT, [A, B])).toBe(0);
    expect(shard.run('copy', SLOT, [A, B, 'replace', 'DB', '0', 'REPLACE'])).toBe(1);
    expect(keyspace.get(SLOT, B)).toBe('v');
    expect(keyspace.deadline(SLOT, B)).toBeUndefined();
    expect(shard.run('copy', SLOT, ['{r}missing', B, 'REPLACE'])).toBe(0);
  });

  it('answers Redis for options, the one database and the same key', () => {
    const shard = new ShardHarness();
    shard.keyspace.set(SLOT, A, 'v');
    const cases: [string[], string][] = [
      [[A, A], 'ERR source and destination objects are the same'],
      [[A, A, 'REPLACE'], 'ERR source and destination objects are the same'],
      [['{r}missing', '{r}missing'], 'ERR source and destination objects are the same'],
      [[A, B, 'DB', '1'], 'ERR DB index is out of range'],
      [[A, B, 'DB', '-1'], 'ERR DB index is out of range'],
      [['{r}missing', B, 'DB', '99'], 'ERR DB index is out of range'],
      [[A, B, 'DB', 'x'], 'ERR value is not an integer or out of range'],
      [[A, B, 'DB', '2147483648'], 'ERR value is not an integer or out of range'],
      [[A, B, 'DB'], 'ERR syntax error'],
      [[A, B, 'FOO'], 'ERR syntax error'],
      [[A, B, 'FOO', 'DB', '1'], 'ERR syntax error'],
      [[A, B, 'DB', '1', 'FOO'], 'ERR DB index is out of range'],
    ];
    for (const [args, text] of cases) {
      expect(errorText(shard.run('copy', SLOT, args)), args.join(' ')).toBe(text);
    }
    expect(shard.keyspace.keyCount).toBe(1);
  });
});
