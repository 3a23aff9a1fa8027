import { describe, expect, it } from 'vitest';
import { PENDING_CAPACITY_MAX, PendingTable } from '../../src/client/pending.js';
import { PendingLimitError } from '../../src/errors.js';

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

describe('PendingTable limits', () => {
  it("names option 'pendingMax' when that limit is hit", () => {
    const table = new PendingTable();
    table.limit = 3;
    for (let i = 0; i < 3; i++) table.open(0, 0, 0, undefined);
    expect(() => table.open(0, 0, 0, undefined)).toThrow(
      /^slotdb: more than 3 commands in flight \(option 'pendingMax'\)$/,
    );
  });

  it('names the built-in maximum when the table is full and pendingMax is 0', () => {
    const table = new PendingTable();
    for (let i = 0; i < PENDING_CAPACITY_MAX; i++) table.open(0, 0, 0, undefined);
    let error: unknown;
    try {
      table.open(0, 0, 0, undefined);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(PendingLimitError);
    expect((error as PendingLimitError).limit).toBe(PENDING_CAPACITY_MAX);
    expect((error as Error).message).toBe(
      `slotdb: more than ${PENDING_CAPACITY_MAX} commands in flight ` +
        '(the built-in maximum of in-flight commands per client thread)',
    );
    expect((error as Error).message).not.toMatch(/pendingMax/);
  });
});
