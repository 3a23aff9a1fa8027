// LZ4 for snapshot blocks, through lz4-napi (a maintained binding of lz4_flex whose binaries install
// from the npm registry). Loaded on first use, so that a database without snapshotCompression
// 'lz4' never needs it; the opening thread checks at open that it loads (src/persistence/options.ts).

import { createRequire } from 'node:module';

interface Lz4 {
  compressSync(data: Buffer): Buffer;
  uncompressSync(data: Buffer): Buffer;
}

let lz4: Lz4 | undefined;

function load(): Lz4 {
  lz4 ??= createRequire(import.meta.url)('lz4-napi') as Lz4;
  return lz4;
}

export function compressBlock(raw: Buffer): Buffer {
  return load().compressSync(raw);
}

export function uncompressBlock(stored: Buffer): Buffer {
  return load().uncompressSync(stored);
}
