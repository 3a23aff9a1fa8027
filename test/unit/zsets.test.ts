// Sorted sets on a shard: the value class (compact emulation, trackers, copies, handle
// renumbering), its migration codec, score text, and the handlers' edge cases (WRONGTYPE order,
// emptied keys, the WATCH signal, ZSCAN's guarantee under concurrent changes).

import { describe, expect, it } from 'vitest';
import { ErrorReply } from '../../src/errors.js';
import { keySlotOfLatin1 } from '../../src/shared/key-slot.js';
import { WRONGTYPE } from '../../src/shared/reply-errors.js';
import { zadd, zincrby } from '../../workers/commands/zsets/add.js';
import { zrange, zrangestore } from '../../workers/commands/zsets/range.js';
import { zcard, zscore } from '../../workers/commands/zsets/read.js';
import {
  zpopmin,
  zrem,
  zremrangebyrank,
  zremrangebyscore,
} from '../../workers/commands/zsets/remove.js';
import { zscan } from '../../workers/commands/zsets/scan.js';
import {
  formatCompactScore,
  formatScore,
  parseBoundScore,
  parseScore,
} from '../../workers/commands/zsets/score-text.js';
import { zinterstore, zunionstore } from '../../workers/commands/zsets/store.js';
import type { MemberTracker } from '../../workers/keyspace/value.js';
import { zsetCodec } from '../../workers/keyspace/zset-codec.js';
import { ZSetValue } from '../../workers/keyspace/zset-value.js';
import { Harness } from '../support/handler-harness.js';
import { Random } from '../support/random.js';

const KEY = '{t}z';
const SLOT = keySlotOfLatin1(KEY);

function errorText(reply: unknown): string {
  expect(reply).toBeInstanceOf(ErrorReply);
  return (reply as Error).message;
}

describe('score text', () => {
  it('parses scores as strtod and getDoubleFromObject do', () => {
    const cases: [string, number | undefined][] = [
      ['1', 1],
      ['-0', -0],
      ['+7', 7],
      ['.5', 0.5],
      ['5.', 5],
      ['1e-310', 1e-310],
      ['0x10', 16],
      ['0x1.8p1', 3],
      ['0X.8P-1', 0.25],
      ['0x1p-1074', 5e-324],
      ['0x1.fffffffffffff7p1023', 1.7976931348623157e308],
      ['inf', Infinity],
      ['-Infinity', -Infinity],
      ['+INF', Infinity],
      ['0e-400', 0],
      ['0x1p-1075', undefined], // underflows to zero
      ['0x1p1024', undefined], // overflows
      ['1e400', undefined],
      ['1e-400', undefined],
      ['nan', undefined],
      [' 1', undefined],
      ['1 ', undefined],
      ['', undefined],
      ['0x', undefined],
      ['1e', undefined],
      ['infinit', undefined],
      ['+', undefined],
      ['.', undefined],
    ];
    for (const [text, value] of cases) expect(parseScore(text), text).toBe(value);
  });

  it('parses range bounds as zslParseRange does', () => {
    const cases: [string, number | undefined][] = [
      ['', 0],
      [' 1', 1],
      ['1e400', Infinity],
      ['1e-400', 0],
      ['3\x00x', 3],
      ['nan', undefined],
      ['1 ', undefined],
      [' ', undefined],
      ['x', undefined],
    ];
    for (const [text, value] of cases) expect(parseBoundScore(text, 0), text).toBe(value);
    expect(parseBoundScore('(2.5', 1)).toBe(2.5);
  });

  it('formats doubles as "%.17g", ties rounded to even (checked against C)', () => {
    const cases: [number, string][] = [
      [0.1, '0.10000000000000001'],
      [1e20, '1e+20'],
      [3, '3'],
      [-0, '-0'],
      [Infinity, 'inf'],
      [-Infinity, '-inf'],
      [1.5e-7, '1.4999999999999999e-07'],
      [1e-5, '1.0000000000000001e-05'],
      [1e-4, '0.0001'],
      [1e16, '10000000000000000'],
      [1e17, '1e+17'],
      [Number('47507745795700544'), '47507745795700544'],
      [Number('123456789012345678'), '1.2345678901234568e+17'],
      [Number('1250000000000000.25'), '1250000000000000.2'],
      [Number('1250000000000000.75'), '1250000000000000.8'],
      [5e-324, '4.9406564584124654e-324'],
      [1.7976931348623157e308, '1.7976931348623157e+308'],
      [-2.5, '-2.5'],
    ];
    for (const [value, text] of cases) expect(formatScore(value), String(value)).toBe(text);
  });

  it('formats compact (listpack) scores as d2string does', () => {
    expect(formatCompactScore(Number('123456789012345678'))).toBe('123456789012345680');
    expect(formatCompactScore(2 ** 62)).toBe('4611686018427387904');
    expect(formatCompactScore(-(2 ** 62))).toBe('-4611686018427387904');
    expect(formatCompactScore(2 ** 62 + 1024)).toBe('4.6116860184273889e+18');
    expect(formatCompactScore(0.5)).toBe('0.5');
    expect(formatCompactScore(-0)).toBe('0');
  });
});

describe('ZSetValue', () => {
  it('stays compact up to 128 members of at most 64 bytes, as Redis keeps a listpack', () => {
    const value = new ZSetValue();
    for (let i = 0; i < 128; i++) value.set(`m${i}`, i);
    value.set('zero', -0);
    expect(value.compact).toBe(false); // 129 members
    const small = new ZSetValue();
    small.set('a', -0);
    expect(Object.is(small.score('a'), 0)).toBe(true);
    small.set('x'.repeat(65), 1);
    expect(small.compact).toBe(false);
    small.set('b', -0);
    expect(Object.is(small.score('b'), -0)).toBe(true);
    expect(Object.is(small.score('a'), 0)).toBe(true);
  });

  it('tells its tracker of every member it adds, moves or removes', () => {
    const value = new ZSetValue();
    const seen: string[] = [];
    const tracker: MemberTracker = {
      member: (name) => seen.push(name),
      pushed: () => {},
      popped: () => {},
      rewritten: () => {},
    };
    value.tracker = tracker;
    value.set('a', 1);
    value.set('a', 2);
    value.set('b', 1);
    value.remove('a');
    value.remove('missing');
    expect(seen).toEqual(['a', 'a', 'b', 'a']);
    expect(value.clone().tracker).toBeUndefined();
  });

  it('copies share nothing mutable', () => {
    const value = new ZSetValue();
    for (let i = 0; i < 500; i++) value.set(`m${i}`, i % 7);
    const copy = value.clone();
    copy.set('m1', 100);
    copy.remove('m2');
    expect(value.score('m1')).toBe(1);
    expect(value.has('m2')).toBe(true);
    expect(copy.rank('m1')).toBe(498);
  });

  it('renumbers its handles densely after losing three quarters, in a new epoch', () => {
    const value = new ZSetValue();
    for (let i = 0; i < 1000; i++) value.set(`m${i}`, i);
    for (let i = 0; i < 760; i++) value.remove(`m${i}`);
    expect(value.epoch).toBe(1);
    expect(value.handleCount).toBeLessThan(250);
    for (let i = 760; i < 1000; i++) {
      expect(value.score(`m${i}`)).toBe(i);
      expect(value.rank(`m${i}`)).toBe(i - 760);
    }
    value.set('new', -1);
    expect(value.memberAt(0)).toBe('new');
  });
});

describe('the sorted-set migration codec', () => {
  function roundTrip(value: ZSetValue): ZSetValue {
    const bytes = Buffer.alloc(zsetCodec.payloadBytes(value) + 4);
    zsetCodec.encode(value, bytes, 2);
    return zsetCodec.decode(bytes, 2, bytes.length - 2) as ZSetValue;
  }

  function contents(value: ZSetValue): [string, number][] {
    const out: [string, number][] = [];
    value.walk(0, value.size, false, (member, score) => out.push([member, score]));
    return out;
  }

  it('carries members, scores (-0 and infinities too) and the compact flag', () => {
    const small = new ZSetValue();
    small.set('\x00\xff', Infinity);
    small.set('', -Infinity);
    small.set('b', 0.1);
    const big = new ZSetValue();
    for (let i = 0; i < 3000; i++) big.set(`m${i % 997}\x80${i}`, (i % 13) - 6);
    big.set('neg', -0);
    for (const value of [small, big]) {
      const copy = roundTrip(value);
      expect(copy.compact).toBe(value.compact);
      expect(contents(copy)).toEqual(contents(value));
    }
    expect(Object.is(roundTrip(big).score('neg'), -0)).toBe(true);
  });

  it('refuses bytes that are not a sorted set', () => {
    const value = new ZSetValue();
    value.set('a', 1);
    value.set('b', 2);
    const bytes = Buffer.alloc(zsetCodec.payloadBytes(value));
    zsetCodec.encode(value, bytes, 0);
    const decode = (b: Buffer) => zsetCodec.decode(b, 0, b.length);
    expect(decode(bytes)).toBeInstanceOf(ZSetValue);
    expect(decode(bytes.subarray(0, bytes.length - 1))).toBeUndefined();
    expect(decode(Buffer.concat([bytes, Buffer.from([0])]))).toBeUndefined();
    const badFlag = Buffer.from(bytes);
    badFlag[0] = 2;
    expect(decode(badFlag)).toBeUndefined();
    const nan = Buffer.from(bytes);
    nan.writeDoubleLE(Number.NaN, 9);
    expect(decode(nan)).toBeUndefined();
    const unordered = Buffer.from(bytes);
    unordered.writeDoubleLE(5, 9); // 'a' at 5 now sorts after 'b' at 2
    expect(decode(unordered)).toBeUndefined();
    const repeated = Buffer.from(bytes);
    // Member 'a' at 9: score, length, the byte 'a'; 'b' at 22, its byte at 34. Make it 'a' at 1.
    repeated[34] = 0x61;
    repeated.writeDoubleLE(1, 22);
    expect(decode(repeated)).toBeUndefined();
    expect(decode(Buffer.from([0, 0, 0, 0, 0, 0, 0, 0, 0]))).toBeUndefined(); // no members
    const compactEpoch = Buffer.from(bytes);
    compactEpoch.writeUInt32LE(1, 5); // a compact set has no handles, so no epoch
    expect(decode(compactEpoch)).toBeUndefined();
  });
});

describe('sorted-set handlers', () => {
  it('check arguments before the type, as Redis does, and answer WRONGTYPE after', () => {
    const h = new Harness();
    h.keyspace.set(SLOT, KEY, 'text');
    expect(errorText(h.run(zadd, 'zadd', KEY, 'x', 'm'))).toBe('ERR value is not a valid float');
    expect(errorText(h.run(zadd, 'zadd', KEY, 'NX', 'XX', '1', 'm'))).toMatch(/XX and NX/);
    expect(errorText(h.run(zadd, 'zadd', KEY, '1', 'm'))).toBe(WRONGTYPE);
    expect(errorText(h.run(zrange, 'zrange', KEY, 'x', '1'))).toMatch(/not an integer/);
    expect(errorText(h.run(zrange, 'zrange', KEY, '0', '1'))).toBe(WRONGTYPE);
    expect(errorText(h.run(zpopmin, 'zpopmin', KEY, '-1'))).toMatch(/must be positive/);
    expect(errorText(h.run(zscan, 'zscan', KEY, 'x'))).toBe('ERR invalid cursor');
    expect(errorText(h.run(zscan, 'zscan', KEY, '0', 'FOO'))).toBe(WRONGTYPE);
    expect(h.keyspace.get(SLOT, KEY)).toBe('text');
  });

  it('delete a key whose last member goes, and signal in-place changes once', () => {
    const h = new Harness();
    expect(h.run(zadd, 'zadd', KEY, '1', 'a', '2', 'b', '3', 'c')).toBe(3);
    h.modified.length = 0;
    expect(h.run(zadd, 'zadd', KEY, '1', 'a')).toBe(0); // no change, no signal
    expect(h.run(zincrby, 'zincrby', KEY, '1', 'a')).toBe('2');
    expect(h.modified).toEqual([KEY]);
    expect(h.run(zrem, 'zrem', KEY, 'a', 'nope')).toBe(1);
    expect(h.run(zpopmin, 'zpopmin', KEY)).toEqual(['b', '2']);
    expect(h.run(zremrangebyscore, 'zremrangebyscore', KEY, '-inf', '+inf')).toBe(1);
    expect(h.keyspace.has(SLOT, KEY)).toBe(false);
    h.run(zadd, 'zadd', KEY, '1', 'a');
    expect(h.run(zremrangebyrank, 'zremrangebyrank', KEY, '0', '-1')).toBe(1);
    expect(h.keyspace.has(SLOT, KEY)).toBe(false);
    expect(h.run(zcard, 'zcard', KEY)).toBe(0);
  });

  it('store commands replace the destination, and delete it for an empty result', () => {
    const h = new Harness();
    h.keyspace.set(SLOT, '{t}dst', 'text');
    h.keyspace.setDeadline(SLOT, '{t}dst', Date.now() + 100_000);
    h.run(zadd, 'zadd', '{t}a', '1', 'x', '2', 'y');
    h.run(zadd, 'zadd', '{t}b', '5', 'y');
    expect(h.run(zunionstore, 'zunionstore', '{t}dst', '2', '{t}a', '{t}b')).toBe(2);
    expect(h.keyspace.deadline(SLOT, '{t}dst')).toBeUndefined();
    expect(h.run(zscore, 'zscore', '{t}dst', 'y')).toBe('7');
    expect(h.run(zinterstore, 'zinterstore', '{t}dst', '2', '{t}a', '{t}none')).toBe(0);
    expect(h.keyspace.has(SLOT, '{t}dst')).toBe(false);
    h.run(zadd, 'zadd', '{t}dst', '1', 'q');
    expect(h.run(zrangestore, 'zrangestore', '{t}dst', '{t}a', '5', '9')).toBe(0);
    expect(h.keyspace.has(SLOT, '{t}dst')).toBe(false);
    expect(errorText(h.run(zunionstore, 'zunionstore', '{t}dst', '0', '{t}a'))).toBe(
      "ERR at least 1 input key is needed for 'zunionstore' command",
    );
  });
});

describe('ZSCAN of a large set', () => {
  /** A full scan with `between` run before each step; returns every member seen. */
  function scanAll(h: Harness, count: string, between: (step: number) => void): Set<string> {
    const seen = new Set<string>();
    let cursor = '0';
    for (let step = 0; step < 100_000; step++) {
      between(step);
      const [next, flat] = h.run(zscan, 'zscan', KEY, cursor, 'COUNT', count) as [string, string[]];
      for (let i = 0; i < flat.length; i += 2) seen.add(flat[i]!);
      cursor = next;
      if (cursor === '0') return seen;
    }
    throw new Error('the scan did not end');
  }

  it('returns every member present for the whole scan, while others come, go and move', () => {
    const h = new Harness();
    const r = new Random(5);
    const value = new ZSetValue();
    for (let i = 0; i < 2000; i++) value.set(`stay${i}`, i);
    for (let i = 0; i < 2000; i++) value.set(`churn${i}`, i);
    h.keyspace.set(SLOT, KEY, value);
    const seen = scanAll(h, '37', () => {
      for (let k = 0; k < 20; k++) {
        value.set(`stay${r.int(2000)}`, r.int(100_000) - 50_000); // moves, keeps its handle
        if (r.chance(0.5)) value.remove(`churn${r.int(2000)}`);
        else value.set(`churn${r.int(4000)}`, r.int(100));
      }
    });
    for (let i = 0; i < 2000; i++) expect(seen.has(`stay${i}`), `stay${i}`).toBe(true);
  });

  it('starts over, missing none, when the set renumbers its handles mid-scan', () => {
    const h = new Harness();
    const value = new ZSetValue();
    for (let i = 0; i < 300; i++) value.set(`stay${i}`, i);
    for (let i = 0; i < 3000; i++) value.set(`gone${i}`, i);
    h.keyspace.set(SLOT, KEY, value);
    const seen = scanAll(h, '50', (step) => {
      if (step === 3) for (let i = 0; i < 3000; i++) value.remove(`gone${i}`);
    });
    expect(value.epoch).toBe(1);
    for (let i = 0; i < 300; i++) expect(seen.has(`stay${i}`), `stay${i}`).toBe(true);
  });

  it('returns a compact set whole with cursor 0, whatever the cursor', () => {
    const h = new Harness();
    h.run(zadd, 'zadd', KEY, '1', 'a', '2', 'b');
    expect(h.run(zscan, 'zscan', KEY, '12345', 'COUNT', '1')).toEqual(['0', ['a', '1', 'b', '2']]);
  });
});
