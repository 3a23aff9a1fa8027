// LZ4 for snapshot blocks, through lz4-napi (a maintained binding of lz4_flex whose binaries install
// from the npm registry; docs/decisions.md says why LZ4 and why this package). A platform without
// its binary can still keep snapshots uncompressed: the opening thread refuses snapshotCompression
// 'lz4' there at open (src/persistence/options.ts), so a failed load here is never reached.

interface Lz4 {
  compressSync(data: Buffer): Buffer;
  uncompressSync(data: Buffer): Buffer;
}

const lz4: Lz4 | undefined = await import('lz4-napi').then(
  (module) => module as unknown as Lz4,
  () => undefined,
);

function loaded(): Lz4 {
  if (lz4 === undefined) throw new Error('LZ4 (lz4-napi) does not load on this platform');
  return lz4;
}

export function compressBlock(raw: Buffer): Buffer {
  return loaded().compressSync(raw);
}

export function uncompressBlock(stored: Buffer): Buffer {
  return loaded().uncompressSync(stored);
}
