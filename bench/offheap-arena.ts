// The off-heap table of the storage prototype (offheap-table.ts): keys and values as bytes in one
// arena, an open-addressing hash table (linear probing) of arena offsets beside it. The collector
// sees a handful of typed arrays however many keys there are: nothing to trace, nothing to move.
//
// Arena entry, at an 8-byte aligned offset:
//
//   0  u16  key length        2  u16  unused        4  u32  value length
//   8  ...  key bytes, then value bytes; the entry is padded to a multiple of 8
//
// Table slot i: hashes[i] (FNV-1a of the key, never 0) and offsets[i] (the entry's offset / 8;
// EMPTY or TOMBSTONE otherwise). A freed entry goes on the free list of its size (in 8-byte
// units), its first word pointing to the next; a new entry of that size takes it first.

const EMPTY = 0;
const TOMBSTONE = 1;
/** Offsets 0 and 8 are never entries, so that EMPTY and TOMBSTONE are not offsets. */
const FIRST_OFFSET = 16;
const HEADER_BYTES = 8;
/** The table grows when this share of its slots is taken (entries and tombstones). */
const LOAD_MAX = 0.75;
/** Entries up to this many 8-byte units have a free list; larger ones are not reused. */
const FREE_LIST_UNITS_MAX = 4096;
const ARENA_BYTES_MIN = 1 << 20;
/** The arena grows by this factor (a copy), so at most a third of it is unused. */
const ARENA_GROWTH = 1.5;
/** Values up to this long are copied byte by byte: a view for Buffer#copy would allocate. */
const SHORT_COPY_BYTES = 64;

function fnv1a(src: Uint8Array, at: number, length: number): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < length; i++) hash = Math.imul(hash ^ src[at + i]!, 0x01000193);
  return hash >>> 0 || 1;
}

export class ArenaTable {
  private arena: Buffer;
  private view: DataView;
  private top = FIRST_OFFSET;
  private hashes: Uint32Array;
  private offsets: Uint32Array;
  private mask: number;
  private used = 0;
  count = 0;
  private readonly freeHeads = new Uint32Array(FREE_LIST_UNITS_MAX + 1);

  constructor(expectedKeys: number) {
    let slots = 1024;
    while (slots * LOAD_MAX < expectedKeys) slots *= 2;
    this.hashes = new Uint32Array(slots);
    this.offsets = new Uint32Array(slots);
    this.mask = slots - 1;
    this.arena = Buffer.alloc(ARENA_BYTES_MIN);
    this.view = new DataView(this.arena.buffer, this.arena.byteOffset, this.arena.byteLength);
  }

  /** Bytes held: the arena's capacity and the table. */
  get externalBytes(): number {
    return this.arena.byteLength + this.hashes.byteLength + this.offsets.byteLength;
  }

  /** Bytes in use: the arena up to its top and the table. */
  get usedBytes(): number {
    return this.top + this.hashes.byteLength + this.offsets.byteLength;
  }

  /** The slot holding the key, or -1 - (the slot a new key goes to). */
  private find(src: Uint8Array, at: number, length: number, hash: number): number {
    const { hashes, offsets, arena } = this;
    let reuse = -1;
    for (let i = hash & this.mask; ; i = (i + 1) & this.mask) {
      const offset = offsets[i]!;
      if (offset === EMPTY) return -1 - (reuse >= 0 ? reuse : i);
      if (offset === TOMBSTONE) {
        if (reuse < 0) reuse = i;
        continue;
      }
      if (hashes[i] !== hash) continue;
      const entry = offset * 8;
      if ((arena[entry]! | (arena[entry + 1]! << 8)) !== length) continue;
      let same = true;
      for (let k = 0; k < length; k++) {
        if (arena[entry + HEADER_BYTES + k] !== src[at + k]) {
          same = false;
          break;
        }
      }
      if (same) return i;
    }
  }

  get(src: Uint8Array, keyAt: number, keyBytes: number, out: Buffer, outAt: number): number {
    const slot = this.find(src, keyAt, keyBytes, fnv1a(src, keyAt, keyBytes));
    if (slot < 0) return -1;
    const entry = this.offsets[slot]! * 8;
    const length = this.view.getUint32(entry + 4, true);
    const from = entry + HEADER_BYTES + keyBytes;
    if (length <= SHORT_COPY_BYTES) {
      const arena = this.arena;
      for (let i = 0; i < length; i++) out[outAt + i] = arena[from + i]!;
    } else {
      this.arena.copy(out, outAt, from, from + length);
    }
    return length;
  }

  set(src: Buffer, keyAt: number, keyBytes: number, valueAt: number, valueBytes: number): void {
    const hash = fnv1a(src, keyAt, keyBytes);
    let slot = this.find(src, keyAt, keyBytes, hash);
    const units = (HEADER_BYTES + keyBytes + valueBytes + 7) >>> 3;
    if (slot >= 0) {
      const old = this.offsets[slot]!;
      const oldUnits = (HEADER_BYTES + keyBytes + this.view.getUint32(old * 8 + 4, true) + 7) >>> 3;
      if (oldUnits === units) {
        this.write(old * 8, src, keyAt, keyBytes, valueAt, valueBytes);
        return;
      }
      this.release(old, oldUnits);
      this.offsets[slot] = this.allocate(units) / 8;
    } else {
      if (this.used + 1 > (this.mask + 1) * LOAD_MAX) {
        this.grow();
        slot = this.find(src, keyAt, keyBytes, hash);
      }
      slot = -1 - slot;
      if (this.offsets[slot] === EMPTY) this.used++;
      this.hashes[slot] = hash;
      this.offsets[slot] = this.allocate(units) / 8;
      this.count++;
    }
    this.write(this.offsets[slot]! * 8, src, keyAt, keyBytes, valueAt, valueBytes);
  }

  delete(src: Uint8Array, keyAt: number, keyBytes: number): boolean {
    const slot = this.find(src, keyAt, keyBytes, fnv1a(src, keyAt, keyBytes));
    if (slot < 0) return false;
    const entry = this.offsets[slot]!;
    const units = (HEADER_BYTES + keyBytes + this.view.getUint32(entry * 8 + 4, true) + 7) >>> 3;
    this.release(entry, units);
    this.offsets[slot] = TOMBSTONE;
    this.count--;
    return true;
  }

  private write(
    entry: number,
    src: Buffer,
    keyAt: number,
    keyBytes: number,
    valueAt: number,
    valueBytes: number,
  ): void {
    const arena = this.arena;
    this.view.setUint16(entry, keyBytes, true);
    this.view.setUint32(entry + 4, valueBytes, true);
    for (let k = 0; k < keyBytes; k++) arena[entry + HEADER_BYTES + k] = src[keyAt + k]!;
    const to = entry + HEADER_BYTES + keyBytes;
    if (valueBytes <= SHORT_COPY_BYTES) {
      for (let i = 0; i < valueBytes; i++) arena[to + i] = src[valueAt + i]!;
    } else {
      src.copy(arena, to, valueAt, valueAt + valueBytes);
    }
  }

  /** An entry of `units` 8-byte units: from its free list, or from the top of the arena. */
  private allocate(units: number): number {
    if (units <= FREE_LIST_UNITS_MAX) {
      const head = this.freeHeads[units]!;
      if (head !== 0) {
        this.freeHeads[units] = this.view.getUint32(head * 8, true);
        return head * 8;
      }
    }
    const bytes = units * 8;
    if (this.top + bytes > this.arena.byteLength) this.growArena(bytes);
    const entry = this.top;
    this.top += bytes;
    return entry;
  }

  private release(entryUnits: number, units: number): void {
    if (units > FREE_LIST_UNITS_MAX) return;
    this.view.setUint32(entryUnits * 8, this.freeHeads[units]!, true);
    this.freeHeads[units] = entryUnits;
  }

  private growArena(bytes: number): void {
    const size =
      Math.ceil(Math.max(this.arena.byteLength * ARENA_GROWTH, this.top + bytes) / 8) * 8;
    const next = Buffer.alloc(size);
    this.arena.copy(next, 0, 0, this.top);
    this.arena = next;
    this.view = new DataView(next.buffer, next.byteOffset, next.byteLength);
  }

  /** Doubles the table and files every entry again (tombstones are dropped). */
  private grow(): void {
    const { hashes, offsets } = this;
    const slots = (this.mask + 1) * 2;
    this.hashes = new Uint32Array(slots);
    this.offsets = new Uint32Array(slots);
    this.mask = slots - 1;
    this.used = 0;
    for (let i = 0; i < hashes.length; i++) {
      const offset = offsets[i]!;
      if (offset <= TOMBSTONE) continue;
      let j = hashes[i]! & this.mask;
      while (this.offsets[j] !== EMPTY) j = (j + 1) & this.mask;
      this.hashes[j] = hashes[i]!;
      this.offsets[j] = offset;
      this.used++;
    }
  }
}
