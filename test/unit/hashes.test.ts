// The hash command handlers, run through a Call as a shard runs them: edge cases of arguments and
// their order of checks, the key's lifecycle (created by a write, deleted with its last field),
// the modified-key signal, and the replies whose shape depends on the hash's form.

import { describe, expect, it } from 'vitest';
import { keySlotOfLatin1 } from '../../src/shared/key-slot.js';
import { WRONGTYPE } from '../../src/shared/reply-errors.js';
import { handlers } from '../../workers/commands/hashes.js';
import { HASH_SMALL_FIELDS_MAX, type HashValue } from '../../workers/keyspace/hash-value.js';
import { Harness } from '../support/handler-harness.js';

type Name = keyof typeof handlers;

/** A harness with a string at 's'; `h.cmd('hset', 'k', ...)` runs a hash command. */
function harness(): Harness & { cmd: (name: Name, ...args: string[]) => unknown } {
  const h = new Harness();
  h.keyspace.set(keySlotOfLatin1('s'), 's', 'text');
  h.modified.length = 0;
  return Object.assign(h, {
    cmd: (name: Name, ...args: string[]) => h.run(handlers[name], name, ...args),
  });
}

const message = (reply: unknown): string => (reply as Error).message;

function fill(h: ReturnType<typeof harness>, key: string, count: number): void {
  const args: string[] = [];
  for (let i = 0; i < count; i++) args.push(`f${i}`, `v${i}`);
  h.cmd('hset', key, ...args);
}

describe('writing fields', () => {
  it('HSET counts new fields, HMSET answers OK, both refuse an unpaired field', () => {
    const h = harness();
    expect(h.cmd('hset', 'k', 'a', '1', 'b', '2')).toBe(2);
    expect(h.cmd('hset', 'k', 'a', '3', 'c', '4')).toBe(1);
    expect(h.cmd('hmset', 'k', 'd', '5')).toBe('OK');
    expect(message(h.cmd('hset', 'k', 'a', '1', 'b'))).toBe(
      "ERR wrong number of arguments for 'hset' command",
    );
    expect(message(h.cmd('hmset', 's', 'a', '1', 'b'))).toBe(
      "ERR wrong number of arguments for 'hmset' command",
    );
    expect(h.cmd('hgetall', 'k')).toEqual(['a', '3', 'b', '2', 'c', '4', 'd', '5']);
  });

  it('answer WRONGTYPE for a key of another type and leave it alone', () => {
    const h = harness();
    for (const [name, ...args] of [
      ['hset', 'f', 'v'],
      ['hsetnx', 'f', 'v'],
      ['hdel', 'f'],
      ['hincrby', 'f', '1'],
      ['hincrbyfloat', 'f', '1'],
      ['hget', 'f'],
      ['hmget', 'f'],
      ['hgetall'],
      ['hkeys'],
      ['hvals'],
      ['hlen'],
      ['hexists', 'f'],
      ['hstrlen', 'f'],
      ['hrandfield'],
      ['hrandfield', '2', 'WITHVALUES'],
      ['hscan', '0'],
    ] as [Name, ...string[]][]) {
      expect(message(h.cmd(name, 's', ...args)), name).toBe(WRONGTYPE);
    }
    expect(h.keyspace.get(keySlotOfLatin1('s'), 's')).toBe('text');
    expect(h.modified).toEqual([]);
  });

  it('signal a change once per command that changed the hash, and never for one that did not', () => {
    const h = harness();
    h.cmd('hset', 'k', 'a', '1', 'b', '2'); // creates: the keyspace's set signals
    h.cmd('hset', 'k', 'a', '1'); // HSET signals even when the value is the same, as Redis
    h.cmd('hsetnx', 'k', 'a', 'x'); // exists: no change
    h.cmd('hsetnx', 'k', 'c', 'x');
    h.cmd('hdel', 'k', 'nope'); // nothing removed
    h.cmd('hdel', 'k', 'a', 'nope');
    h.cmd('hincrby', 'k', 'n', '2');
    h.cmd('hincrbyfloat', 'k', 'n', 'x'); // error: no change
    h.cmd('hget', 'k', 'b');
    expect(h.modified).toEqual(['k', 'k', 'k', 'k', 'k']);
  });

  it('delete the key with its last field, and create it with its first', () => {
    const h = harness();
    expect(h.cmd('hdel', 'k', 'a')).toBe(0);
    expect(h.cmd('hsetnx', 'k', 'a', '1')).toBe(1);
    expect(h.cmd('hincrby', 'k2', 'n', '5')).toBe(5);
    expect(h.keyspace.keyCount).toBe(3);
    expect(h.cmd('hdel', 'k', 'a', 'a', 'b')).toBe(1);
    expect(h.keyspace.has(keySlotOfLatin1('k'), 'k')).toBe(false);
    expect(h.cmd('hlen', 'k')).toBe(0);
    expect(h.cmd('hgetall', 'k')).toEqual([]);
  });
});

describe('reading fields', () => {
  it('HGET, HMGET, HEXISTS, HSTRLEN, HLEN on present and missing fields and keys', () => {
    const h = harness();
    h.cmd('hset', 'k', 'a', 'hello', 'b', '');
    expect(h.cmd('hget', 'k', 'a')).toBe('hello');
    expect(h.cmd('hget', 'k', 'z')).toBeNull();
    expect(h.cmd('hget', 'nokey', 'a')).toBeNull();
    expect(h.cmd('hmget', 'k', 'a', 'z', 'b')).toEqual(['hello', null, '']);
    expect(h.cmd('hmget', 'nokey', 'a', 'b')).toEqual([null, null]);
    expect(h.cmd('hexists', 'k', 'b')).toBe(1);
    expect(h.cmd('hexists', 'k', 'z')).toBe(0);
    expect(h.cmd('hstrlen', 'k', 'a')).toBe(5);
    expect(h.cmd('hstrlen', 'k', 'z')).toBe(0);
    expect(h.cmd('hlen', 'k')).toBe(2);
    expect(h.cmd('hkeys', 'k')).toEqual(['a', 'b']);
    expect(h.cmd('hvals', 'k')).toEqual(['hello', '']);
    expect(h.cmd('hkeys', 'nokey')).toEqual([]);
  });
});

describe('counters', () => {
  it('HINCRBY checks the increment before the type, then the stored value, then overflow', () => {
    const h = harness();
    h.cmd('hset', 'k', 'text', 'abc', 'max', '9223372036854775807', 'lead', '007');
    expect(message(h.cmd('hincrby', 's', 'f', 'x'))).toBe(
      'ERR value is not an integer or out of range',
    );
    expect(message(h.cmd('hincrby', 'k', 'text', '1'))).toBe('ERR hash value is not an integer');
    expect(message(h.cmd('hincrby', 'k', 'lead', '1'))).toBe('ERR hash value is not an integer');
    expect(message(h.cmd('hincrby', 'k', 'max', '1'))).toBe(
      'ERR increment or decrement would overflow',
    );
    expect(h.cmd('hincrby', 'k', 'max', '-7')).toBe(9223372036854775800);
    expect(h.cmd('hget', 'k', 'max')).toBe('9223372036854775800');
    expect(h.cmd('hincrby', 'k', 'new', '-3')).toBe(-3);
  });

  it('HINCRBYFLOAT adds as Redis does (long double) and prints as Redis prints', () => {
    const h = harness();
    expect(h.cmd('hincrbyfloat', 'k', 'f', '0.1')).toBe('0.1');
    expect(h.cmd('hincrbyfloat', 'k', 'f', '0.2')).toBe('0.3');
    expect(h.cmd('hincrbyfloat', 'k', 'f', '-0.3')).toBe('0');
    expect(h.cmd('hincrbyfloat', 'k', 'g', '5.0e3')).toBe('5000');
    expect(h.cmd('hget', 'k', 'g')).toBe('5000');
    expect(message(h.cmd('hincrbyfloat', 's', 'f', 'inf'))).toBe('ERR value is NaN or Infinity');
    expect(message(h.cmd('hincrbyfloat', 's', 'f', 'nan'))).toBe('ERR value is not a valid float');
    h.cmd('hset', 'k', 'inf', 'inf', 'text', 'abc');
    expect(message(h.cmd('hincrbyfloat', 'k', 'inf', '1'))).toBe(
      'ERR increment would produce NaN or Infinity',
    );
    expect(message(h.cmd('hincrbyfloat', 'k', 'text', '1'))).toBe('ERR hash value is not a float');
  });
});

describe('HRANDFIELD', () => {
  it('checks the count, the syntax and the WITHVALUES range before the key', () => {
    const h = harness();
    expect(message(h.cmd('hrandfield', 's', 'x'))).toBe(
      'ERR value is not an integer or out of range',
    );
    expect(message(h.cmd('hrandfield', 's', '-9223372036854775808'))).toMatch(
      /^ERR value is out of range, value must between -9223372036854775807 and/,
    );
    expect(message(h.cmd('hrandfield', 's', '1', 'x'))).toBe('ERR syntax error');
    expect(message(h.cmd('hrandfield', 's', '1', 'WITHVALUES', 'x'))).toBe('ERR syntax error');
    expect(message(h.cmd('hrandfield', 's', '4611686018427387904', 'WITHVALUES'))).toBe(
      'ERR value is out of range',
    );
    expect(h.cmd('hrandfield', 'nokey')).toBeNull();
    expect(h.cmd('hrandfield', 'nokey', '-5', 'withvalues')).toEqual([]);
  });

  it('returns the whole hash in order for a count at or past its size, nothing for 0', () => {
    const h = harness();
    h.cmd('hset', 'k', 'a', '1', 'b', '2', 'c', '3');
    expect(h.cmd('hrandfield', 'k', '3')).toEqual(['a', 'b', 'c']);
    expect(h.cmd('hrandfield', 'k', '100', 'WITHVALUES')).toEqual(['a', '1', 'b', '2', 'c', '3']);
    expect(h.cmd('hrandfield', 'k', '0')).toEqual([]);
  });

  it('returns distinct fields for a smaller count, and |count| fields that may repeat for a negative one', () => {
    const h = harness();
    fill(h, 'small', 10);
    fill(h, 'large', 400);
    for (const key of ['small', 'large']) {
      for (const count of [1, 2, 9, 50]) {
        const fields = h.cmd('hrandfield', key, String(count)) as string[];
        expect(new Set(fields).size).toBe(Math.min(count, key === 'small' ? 10 : 400));
      }
      const pairs = h.cmd('hrandfield', key, '-30', 'WITHVALUES') as string[];
      expect(pairs).toHaveLength(60);
      for (let i = 0; i < 60; i += 2) expect(pairs[i + 1]).toBe(pairs[i]!.replace('f', 'v'));
      expect(h.cmd('hget', key, h.cmd('hrandfield', key) as string)).not.toBeNull();
    }
    // Selection sampling keeps a small hash's order, as Redis's listpack sampling does.
    for (const count of ['2', '7']) {
      const sample = (h.cmd('hrandfield', 'small', count) as string[]).map((f) =>
        Number(f.slice(1)),
      );
      expect(sample).toEqual([...sample].sort((a, b) => a - b));
    }
  });

  it('refuses a negative count whose reply could not fit in a frame, before picking', () => {
    const h = harness();
    fill(h, 'k', 3);
    expect(message(h.cmd('hrandfield', 'k', '-9223372036854775807'))).toMatch(
      /^ERR slotdb: reply of at least \d+ bytes exceeds slotdb's reply limit/,
    );
  });
});

describe('HSCAN', () => {
  it('checks the cursor, then the key, then the options', () => {
    const h = harness();
    expect(message(h.cmd('hscan', 's', 'x'))).toBe('ERR invalid cursor');
    expect(message(h.cmd('hscan', 's', '0', 'COUNT', 'x'))).toBe(WRONGTYPE);
    expect(h.cmd('hscan', 'nokey', '0', 'COUNT', 'x')).toEqual(['0', []]);
    h.cmd('hset', 'k', 'a', '1');
    expect(message(h.cmd('hscan', 'k', '0', 'COUNT', 'x'))).toBe(
      'ERR value is not an integer or out of range',
    );
    for (const bad of [['COUNT', '0'], ['MATCH'], ['TYPE', 'hash'], ['NOVALUES']]) {
      expect(message(h.cmd('hscan', 'k', '0', ...bad))).toBe('ERR syntax error');
    }
  });

  it('answers a small hash whole with cursor 0, whatever the cursor and count', () => {
    const h = harness();
    h.cmd('hset', 'k', 'a1', '1', 'b', '2', 'a2', '3');
    expect(h.cmd('hscan', 'k', '0', 'COUNT', '1')).toEqual(['0', ['a1', '1', 'b', '2', 'a2', '3']]);
    expect(h.cmd('hscan', 'k', '55', 'MATCH', 'a*')).toEqual(['0', ['a1', '1', 'a2', '3']]);
  });

  it('walks a large hash in steps of COUNT positions, every field once when nothing changes', () => {
    const h = harness();
    const size = HASH_SMALL_FIELDS_MAX + 72;
    fill(h, 'k', size);
    const seen: string[] = [];
    let cursor = '0';
    let steps = 0;
    do {
      const [next, flat] = h.cmd('hscan', 'k', cursor, 'COUNT', '40') as [string, string[]];
      expect(flat.length).toBeLessThanOrEqual(80);
      for (let i = 0; i < flat.length; i += 2) seen.push(flat[i]!);
      cursor = next;
      steps++;
    } while (cursor !== '0');
    expect(steps).toBe(5);
    expect(seen.sort()).toEqual(Array.from({ length: size }, (_, i) => `f${i}`).sort());
    const [, matched] = h.cmd('hscan', 'k', '0', 'MATCH', 'f1?', 'COUNT', '1000') as [
      string,
      string[],
    ];
    expect(matched.filter((_, i) => i % 2 === 0).sort()).toEqual(
      Array.from({ length: 10 }, (_, i) => `f1${i}`).sort(),
    );
  });

  it('returns every field present for the whole scan while HSET and HDEL run between steps', () => {
    const h = harness();
    fill(h, 'k', 300);
    const slot = keySlotOfLatin1('k');
    const hash = h.keyspace.get(slot, 'k') as HashValue;
    const seen = new Set<string>();
    let cursor = '0';
    let round = 0;
    do {
      const [next, flat] = h.cmd('hscan', 'k', cursor, 'COUNT', '7') as [string, string[]];
      for (let i = 0; i < flat.length; i += 2) seen.add(flat[i]!);
      cursor = next;
      // Odd fields come and go; even ones stay for the whole scan.
      h.cmd('hdel', 'k', `f${((round * 37) % 300) | 1}`, `f${((round * 91) % 300) | 1}`);
      h.cmd('hset', 'k', `new${round}`, 'v', `f${((round * 53) % 300) | 1}`, 'back');
      round++;
    } while (cursor !== '0');
    expect(hash.small).toBe(false);
    for (let i = 0; i < 300; i += 2) expect(seen.has(`f${i}`), `f${i}`).toBe(true);
  });
});
