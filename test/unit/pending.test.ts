import { describe, expect, it } from 'vitest';
import { PendingTable } from '../../src/client/pending.js';

describe('PendingTable', () => {
  it('gives each entry an id that finds it, and refuses the id once released', () => {
    const table = new PendingTable();
    const a = table.alloc();
    table.flags[a] = 0;
    const id = table.id(a);
    expect(table.lookup(id)).toBe(a);
    table.release(a);
    expect(table.lookup(id)).toBe(-1);
    const b = table.alloc();
    table.flags[b] = 0;
    expect(b).toBe(a);
    expect(table.id(b)).not.toBe(id);
    expect(table.lookup(table.id(b))).toBe(b);
  });

  it('grows past its first capacity and keeps count', () => {
    const table = new PendingTable();
    const first = table.capacity;
    const indexes = Array.from({ length: first * 3 }, () => {
      const index = table.alloc();
      table.flags[index] = 0;
      return index;
    });
    expect(new Set(indexes).size).toBe(indexes.length);
    expect(table.count).toBe(first * 3);
    expect([...table.inUse()].length).toBe(first * 3);
    for (const index of indexes) table.release(index);
    expect(table.count).toBe(0);
    expect([...table.inUse()]).toEqual([]);
  });
});
