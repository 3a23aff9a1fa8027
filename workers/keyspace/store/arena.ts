// The shard's byte arena: where keys and string values live, outside the JavaScript heap. The
// collector sees a few typed arrays per page however many keys there are, so it has nothing to
// trace and nothing to move, and its pauses stop growing with the keys held (docs/storage.md).
//
// The arena is a list of pages of PAGE_BYTES. A block is addressed by one u32, its position in
// 8-byte units: `page << PAGE_UNITS_SHIFT | unit`. Address 0 is never handed out, so 0 means "no
// block" wherever an address is stored. Pages are never moved or copied: the arena grows a page at
// a time, so a growing keyspace never pauses to copy what it holds.
//
// Freed blocks go on a free list of their exact size (in units), linked through their first word;
// a block of that size is taken from its list before the top of the last page. A block never
// spans pages: BLOCK_UNITS_MAX keeps the space lost at a page's end under 1%.

import { InvariantError } from '../../../src/errors.js';

/** log2 of the units (8 bytes each) in a page. */
export const PAGE_UNITS_SHIFT = 17;
/** Units in a page: 1 MiB pages. */
export const PAGE_UNITS = 1 << PAGE_UNITS_SHIFT;
export const PAGE_UNIT_MASK = PAGE_UNITS - 1;
export const PAGE_BYTES = PAGE_UNITS * 8;
/** Pages an arena can hold: addresses are u32, so 32 GiB of arena per shard. */
export const PAGES_MAX = 2 ** (32 - PAGE_UNITS_SHIFT);
/**
 * The largest block, in units (10 KiB): a bigger value is kept as a JS string instead (entry.ts),
 * so that a page loses at most 1% to a block that did not fit at its end.
 */
export const BLOCK_UNITS_MAX = 1280;

if (BLOCK_UNITS_MAX * 100 > PAGE_UNITS) throw new InvariantError('arena blocks too big for a page');

/**
 * A page's bytes. Buffer's latin1Slice and latin1Write (Node's own, under toString and write) copy
 * one-byte strings without the argument checks that dominate short keys and values.
 */
export interface PageBytes extends Buffer {
  latin1Slice(start: number, end: number): string;
  latin1Write(chars: string, offset: number, length: number): number;
}

export class Arena {
  /** Per page, the same memory as bytes, u32 words and f64s (blocks are 8-byte aligned). */
  bytes: PageBytes[] = [];
  words: Uint32Array[] = [];
  floats: Float64Array[] = [];
  /** The next free unit of the last page. */
  private top = PAGE_UNITS;
  /** Per size in units, the first free block of that size (0: none). */
  private readonly freeHeads = new Uint32Array(BLOCK_UNITS_MAX + 1);
  /** Units in blocks handed out and not freed. */
  usedUnits = 0;

  /** Bytes the arena holds, in use or not. */
  get heldBytes(): number {
    return this.bytes.length * PAGE_BYTES;
  }

  /** A block of `units` (1 to BLOCK_UNITS_MAX); its content is whatever was there before. */
  allocate(units: number): number {
    if (units < 1 || units > BLOCK_UNITS_MAX) throw new InvariantError(`arena block of ${units}`);
    const head = this.freeHeads[units]!;
    if (head !== 0) {
      this.freeHeads[units] = this.words[head >>> PAGE_UNITS_SHIFT]![(head & PAGE_UNIT_MASK) * 2]!;
      this.usedUnits += units;
      return head;
    }
    if (this.top + units > PAGE_UNITS) this.addPage();
    const address = (this.bytes.length - 1) * PAGE_UNITS + this.top;
    this.top += units;
    this.usedUnits += units;
    return address;
  }

  /** Gives back a block of `units` taken with allocate(). */
  release(address: number, units: number): void {
    this.usedUnits -= units;
    this.words[address >>> PAGE_UNITS_SHIFT]![(address & PAGE_UNIT_MASK) * 2] =
      this.freeHeads[units]!;
    this.freeHeads[units] = address;
  }

  /** Drops every page. */
  clear(): void {
    this.bytes = [];
    this.words = [];
    this.floats = [];
    this.top = PAGE_UNITS;
    this.freeHeads.fill(0);
    this.usedUnits = 0;
  }

  private addPage(): void {
    if (this.bytes.length >= PAGES_MAX) throw new RangeError('ERR slotdb shard arena is full');
    const page = Buffer.alloc(PAGE_BYTES) as PageBytes;
    this.bytes.push(page);
    this.words.push(new Uint32Array(page.buffer, page.byteOffset, PAGE_UNITS * 2));
    this.floats.push(new Float64Array(page.buffer, page.byteOffset, PAGE_UNITS));
    // Unit 0 of page 0 is address 0, which means "no block".
    this.top = this.bytes.length === 1 ? 1 : 0;
  }
}
