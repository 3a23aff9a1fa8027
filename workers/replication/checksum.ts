// XXH64 of journal payloads that carry whole values (a full copy's slots), as migration batches
// are checked: the receiver refuses a record whose bytes changed on the way.

import xxhash from 'xxhash-wasm';

const { h64Raw } = await xxhash();

export function checksumOf(buf: Buffer, start: number, end: number): bigint {
  return h64Raw(buf.subarray(start, end));
}
