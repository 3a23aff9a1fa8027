// The log's staging buffer, in the memory of a small WebAssembly module that stamps the XXH64 of
// every staged record in one call per write (workers/persistence/xxh64.wat). xxhash-wasm, used for
// the migration and copy checksums, copies its input into its own memory and returns a BigInt: per
// record that costs about 0.2 µs, a fifth of a pipelined SET. Here the records are encoded where
// they are hashed and only the hash is paid (about 10 ns for a small record). The checksums are the
// same XXH64 (seed 0): the log reader checks them with xxhash-wasm (test/unit checks they agree).

import { XXH64_WASM_BASE64 } from './xxh64-wasm.js';

const PAGE_BYTES = 64 * 1024;

/** The WebAssembly API, as far as this file uses it (the project's TypeScript lib has no DOM). */
declare const WebAssembly: {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object) => { readonly exports: unknown };
};

interface Exports {
  readonly memory: { readonly buffer: ArrayBuffer; grow(pages: number): number };
  checksumRecords(start: number, end: number): number;
  xxh64(start: number, length: number): bigint;
}

const wasmModule = new WebAssembly.Module(Buffer.from(XXH64_WASM_BASE64, 'base64'));

export class RecordChecksums {
  private readonly exports: Exports;
  /** The module's memory as a Buffer and a DataView; replaced when the memory grows. */
  buf: Buffer;
  view: DataView;

  constructor(bytes: number) {
    this.exports = new WebAssembly.Instance(wasmModule).exports as unknown as Exports;
    this.buf = Buffer.alloc(0);
    this.view = new DataView(new ArrayBuffer(0));
    this.reserve(bytes);
  }

  /** Makes the buffer at least `bytes` long (the bytes in it stay). */
  reserve(bytes: number): void {
    const memory = this.exports.memory;
    const have = memory.buffer.byteLength;
    if (bytes > have) memory.grow(Math.ceil((bytes - have) / PAGE_BYTES));
    if (this.buf.buffer !== memory.buffer) {
      this.buf = Buffer.from(memory.buffer);
      this.view = new DataView(memory.buffer);
    }
  }

  /** Stamps the records in buf[start, end); returns where it stopped (end unless one is bad). */
  stamp(start: number, end: number): number {
    return this.exports.checksumRecords(start, end);
  }

  /** XXH64 (seed 0) of buf[start, start + length), as a BigInt (for tests). */
  xxh64(start: number, length: number): bigint {
    return BigInt.asUintN(64, this.exports.xxh64(start, length));
  }
}
