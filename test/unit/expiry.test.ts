import { describe, expect, it } from 'vitest';
import { EXPIRY_GRANULE_MS, ExpiryWheel } from '../../workers/keyspace/expiry-wheel.js';
import { Keyspace } from '../../workers/keyspace/keyspace.js';

describe('ExpiryWheel', () => {
  it('hands out due keys in granule order and only once their granule ended', () => {
    const wheel = new ExpiryWheel();
    wheel.add('late', 1, 5 * EXPIRY_GRANULE_MS + 1);
    wheel.add('early', 2, 1 * EXPIRY_GRANULE_MS + 7);
    wheel.add('middle', 3, 3 * EXPIRY_GRANULE_MS);
    const seen: string[] = [];
    const expire = (key: string, slot: number): void => {
      seen.push(`${key}@${slot}`);
      wheel.remove(
        key,
        key === 'early'
          ? EXPIRY_GRANULE_MS + 7
          : key === 'middle'
            ? 3 * EXPIRY_GRANULE_MS
            : 5 * EXPIRY_GRANULE_MS + 1,
      );
    };
    expect(wheel.drainDue(2 * EXPIRY_GRANULE_MS - 1, 10, expire)).toBe(0);
    expect(wheel.drainDue(2 * EXPIRY_GRANULE_MS, 10, expire)).toBe(1);
    expect(wheel.drainDue(10 * EXPIRY_GRANULE_MS, 10, expire)).toBe(2);
    expect(seen).toEqual(['early@2', 'middle@3', 'late@1']);
    expect(wheel.size).toBe(0);
  });

  it('stops at the limit and resumes where it stopped', () => {
    const wheel = new ExpiryWheel();
    for (let i = 0; i < 10; i++) wheel.add(`k${i}`, 0, 50);
    const expire = (key: string): void => wheel.remove(key, 50);
    expect(wheel.drainDue(1000, 4, expire)).toBe(4);
    expect(wheel.drainDue(1000, 4, expire)).toBe(4);
    expect(wheel.drainDue(1000, 4, expire)).toBe(2);
    expect(wheel.size).toBe(0);
  });
});

describe('Keyspace', () => {
  it('expires lazily on read and actively without touching live keys', () => {
    const keyspace = new Keyspace();
    keyspace.now = 1000;
    keyspace.set(1, 'a', 'x');
    keyspace.set(1, 'b', 'y');
    keyspace.set(2, 'c', 'z');
    keyspace.setDeadline(1, 'a', 1500);
    keyspace.setDeadline(2, 'c', 1200);
    expect(keyspace.keyCount).toBe(3);
    keyspace.now = 1600;
    expect(keyspace.get(1, 'a')).toBeUndefined();
    expect(keyspace.keyCount).toBe(2);
    expect(keyspace.expireDue(100)).toBe(1);
    expect(keyspace.keyCount).toBe(1);
    expect(keyspace.get(1, 'b')).toBe('y');
    expect(keyspace.expiredCount).toBe(2);
  });

  it('clears a deadline on overwrite unless asked to keep it', () => {
    const keyspace = new Keyspace();
    keyspace.now = 0;
    keyspace.set(0, 'k', 'v');
    keyspace.setDeadline(0, 'k', 100);
    keyspace.set(0, 'k', 'w', true);
    expect(keyspace.deadline(0, 'k')).toBe(100);
    keyspace.set(0, 'k', 'x');
    expect(keyspace.deadline(0, 'k')).toBeUndefined();
    keyspace.now = 10_000;
    expect(keyspace.expireDue(100)).toBe(0);
    expect(keyspace.get(0, 'k')).toBe('x');
  });

  it('drops a whole slot and its deadlines, leaving other slots alone', () => {
    const keyspace = new Keyspace();
    keyspace.now = 0;
    for (let i = 0; i < 100; i++) keyspace.set(7, `k${i}`, 'v');
    keyspace.setDeadline(7, 'k1', 50);
    keyspace.set(8, 'other', 'v');
    expect(keyspace.dropSlot(7)).toBe(100);
    expect(keyspace.keyCount).toBe(1);
    expect(keyspace.table(7)).toBeUndefined();
    keyspace.now = 1000;
    expect(keyspace.expireDue(100)).toBe(0);
    expect(keyspace.get(8, 'other')).toBe('v');
  });

  it('deletes a key at once when its new deadline is not in the future', () => {
    const keyspace = new Keyspace();
    keyspace.now = 500;
    keyspace.set(3, 'k', 'v');
    keyspace.setDeadline(3, 'k', 500);
    expect(keyspace.get(3, 'k')).toBeUndefined();
    expect(keyspace.keyCount).toBe(0);
    expect(keyspace.tableCount).toBe(0);
  });
});
