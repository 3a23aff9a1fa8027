// The keyspace over its arena at the edges: empty and binary keys and values, the arena's limits
// (keys of 1 KiB, values of 8 KiB) crossed both ways by the string and the byte paths, a value that
// changes type, deadlines overwritten by SET's byte path, the hooks, expiry with reads that must not
// expire (a replica). Each checks that nothing is left behind: keys, handles, bytes in use.

import { describe, expect, it } from 'vitest';
import { Keyspace } from '../../workers/keyspace/keyspace.js';
import { SetValue } from '../../workers/keyspace/set-value.js';
import { WRONG_TYPE } from '../../workers/keyspace/value.js';

const S = 5;
function frame(key: string, value: string) {
  const buf = Buffer.from(`##${key}${value}`, 'latin1');
  return { buf, ks: 2, ke: 2 + key.length, ve: 2 + key.length + value.length };
}
function setB(k: Keyspace, key: string, value: string) {
  const f = frame(key, value);
  k.setBytes(S, f.buf, f.ks, f.ke, f.ke, f.ve);
}
function getB(k: Keyspace, key: string): string | null | 'other' {
  const buf = Buffer.from(`!${key}`, 'latin1');
  const found = k.findString(S, buf, 1, buf.length);
  if (found === 0) return null;
  if (found < 0) return 'other';
  const out = Buffer.alloc(k.stringLength(found));
  k.copyString(found, out, 0);
  return out.toString('latin1');
}

describe('keyspace over the arena, at the edges', () => {
  it('stores an empty key, an empty value and every byte value', () => {
    const k = new Keyspace();
    let all = '';
    for (let i = 0; i < 256; i++) all += String.fromCharCode(i);
    setB(k, '', '');
    expect(getB(k, '')).toBe('');
    expect(k.get(S, '')).toBe('');
    setB(k, all, all);
    expect(getB(k, all)).toBe(all);
    expect(k.get(S, all)).toBe(all);
    setB(k, '', all);
    expect(k.get(S, '')).toBe(all);
    expect(k.keyCount).toBe(2);
    expect([...k.table(S)!.keys()]).toEqual(['', all]);
  });

  it('crosses the limits of keys (1024 bytes) and values (8192 bytes) both ways', () => {
    for (const klen of [1023, 1024, 1025]) {
      for (const [a, b] of [
        [8192, 8193],
        [8193, 8192],
        [8191, 8192],
        [0, 8193],
        [8193, 0],
      ]) {
        const k = new Keyspace();
        const key = 'x'.repeat(klen - 1) + String.fromCharCode(255);
        setB(k, key, 'a'.repeat(a!));
        expect(k.get(S, key)).toBe('a'.repeat(a!));
        setB(k, key, 'b'.repeat(b!));
        expect(k.get(S, key)).toBe('b'.repeat(b!));
        const g = getB(k, key);
        if (g !== 'other') expect(g).toBe('b'.repeat(b!));
        k.set(S, key, 'c'.repeat(a!));
        expect(getB(k, key) === 'other' ? k.get(S, key) : getB(k, key)).toBe('c'.repeat(a!));
        expect(k.delete(S, key)).toBe(true);
        expect(k.keyCount).toBe(0);
        expect(k.heapObjects).toBe(0);
        expect(k.storeUsedBytes).toBe(0);
      }
    }
  });

  it('keeps a value over 8 KiB behind a handle whichever path wrote it (8192 then 8193 bytes)', () => {
    const k = new Keyspace();
    setB(k, 'k', 'a'.repeat(8192));
    setB(k, 'k', 'b'.repeat(8193));
    // By strings, an 8193-byte value is kept behind a handle; by bytes it stayed in the arena.
    const viaBytes = k.heapObjects;
    const k2 = new Keyspace();
    k2.set(S, 'k', 'a'.repeat(8192));
    k2.set(S, 'k', 'b'.repeat(8193));
    expect({ viaBytes, viaStrings: k2.heapObjects }).toEqual({ viaBytes: 1, viaStrings: 1 });
  });

  it('frees the handle of a collection that SET replaces by bytes, and takes one back', () => {
    const k = new Keyspace();
    const list = new SetValue();
    list.add('a');
    k.set(S, 'l', list);
    expect(k.heapObjects).toBe(1);
    setB(k, 'l', 'str');
    expect(k.heapObjects).toBe(0);
    expect(getB(k, 'l')).toBe('str');
    k.set(S, 'l', list);
    expect(getB(k, 'l')).toBe('other');
    expect(k.getString(S, 'l')).toBe(WRONG_TYPE);
    expect(k.heapObjects).toBe(1);
  });

  it('clears a deadline, and its place in the expiry wheel, when SET writes by bytes', () => {
    const k = new Keyspace();
    k.now = 1_000_000;
    setB(k, 'k', 'aaaa');
    k.setDeadline(S, 'k', k.now + 1000);
    setB(k, 'k', 'bbbb'); // same block: overwrite in place
    expect(k.deadline(S, 'k')).toBeUndefined();
    k.now += 5000;
    expect(k.expireDue(100)).toBe(0);
    expect(k.get(S, 'k')).toBe('bbbb');
    k.setDeadline(S, 'k', k.now + 1000);
    setB(k, 'k', 'b'.repeat(100)); // other block
    expect(k.deadline(S, 'k')).toBeUndefined();
    k.now += 5000;
    expect(k.expireDue(100)).toBe(0);
  });

  it('tells the watcher of writes by bytes, and the stored hook of collections only', () => {
    const k = new Keyspace();
    const seen: string[] = [];
    k.watcher = (_s, key) => seen.push(`w:${key}`);
    setB(k, 'a', '1');
    setB(k, 'a', '2');
    k.watcher = undefined;
    k.stored = (_s, key) => seen.push(`s:${key}`);
    setB(k, 'a', '3');
    k.set(S, 'b', 'string');
    const set = new SetValue();
    set.add('m');
    k.set(S, 'c', set);
    expect(seen).toEqual(['w:a', 'w:a', 's:c']);
    expect(k.get(S, 'a')).toBe('3');
  });

  it('leaves an expired key to the stream when reads must not expire keys (a replica)', () => {
    const k = new Keyspace();
    k.now = 1000;
    setB(k, 'k', 'v');
    k.setDeadline(S, 'k', 2000);
    k.now = 3000;
    k.expireOnRead = false;
    expect(getB(k, 'k')).toBe(null);
    expect(k.keyCount).toBe(1);
    k.expireOnRead = true;
    expect(getB(k, 'k')).toBe(null);
    expect(k.keyCount).toBe(0);
    expect(k.tableCount).toBe(0);
    expect(k.expireDue(10)).toBe(0);
  });
});
