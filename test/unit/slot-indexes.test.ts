// The per-slot index alone, with hashes chosen to collide: few distinct home buckets near the top of
// the table, so that runs wrap around and every removal shifts buckets back. After every step each
// entry must be filed once and findable from its home.

import { describe, expect, it } from 'vitest';
import { SlotIndexes } from '../../workers/keyspace/store/slot-indexes.js';

function findable(index: Uint32Array, hash: number, address: number): boolean {
  const mask = (index.length >>> 1) - 1;
  for (let i = hash & mask; ; i = (i + 1) & mask) {
    const a = index[i * 2 + 1]!;
    if (a === 0) return false;
    if (a === address) return index[i * 2] === hash;
  }
}

describe('SlotIndexes with colliding hashes', () => {
  for (const homes of [1, 2, 3, 5, 64]) {
    it(`keeps every entry findable with ${homes} distinct home buckets`, () => {
      const idx = new SlotIndexes();
      const model = new Map<number, number>();
      let seed = 12345 + homes;
      const rand = (n: number) => {
        seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
        return seed % n;
      };
      let nextAddr = 1;
      for (let step = 0; step < 1500; step++) {
        if (model.size === 0 || rand(100) < 55) {
          // hashes cluster near the top of the table to force wrap-around
          const hash = ((rand(1 << 16) << 16) | (0xffff - rand(homes))) >>> 0;
          const address = nextAddr++;
          model.set(address, hash);
          idx.add(0, model.size, hash, address);
        } else if (rand(10) < 8) {
          const keys = [...model.keys()];
          const address = keys[rand(keys.length)]!;
          const hash = model.get(address)!;
          model.delete(address);
          idx.remove(0, model.size, hash, address);
        } else {
          const keys = [...model.keys()];
          const address = keys[rand(keys.length)]!;
          const hash = model.get(address)!;
          const to = nextAddr++;
          model.delete(address);
          model.set(to, hash);
          idx.replace(0, hash, address, to);
        }
        const index = idx.of(0);
        if (model.size === 0) {
          expect(index).toBeUndefined();
          continue;
        }
        let filled = 0;
        for (let b = 1; b < index!.length; b += 2) if (index![b] !== 0) filled++;
        expect(filled, `step ${step}`).toBe(model.size);
        if (step % 7 === 0)
          for (const [a, h] of model) expect(findable(index!, h, a), `step ${step}`).toBe(true);
      }
    });
  }
});
