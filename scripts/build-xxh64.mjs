// Compiles workers/persistence/xxh64.wat into workers/persistence/xxh64-wasm.ts (the module's bytes
// as base64), with wabt. Run after changing the .wat: `node scripts/build-xxh64.mjs`. The bytes are
// committed, so neither the build nor an install needs wabt.

import { readFileSync, writeFileSync } from 'node:fs';
import wabt from 'wabt';

const source = new URL('../workers/persistence/xxh64.wat', import.meta.url);
const target = new URL('../workers/persistence/xxh64-wasm.ts', import.meta.url);
const { parseWat } = await wabt();
const module = parseWat('xxh64.wat', readFileSync(source, 'utf8'));
const { buffer } = module.toBinary({});
const base64 = Buffer.from(buffer).toString('base64');
const lines = base64.match(/.{1,96}/g).map((line) => `  '${line}'`);
writeFileSync(
  target,
  `// The bytes of workers/persistence/xxh64.wat, compiled by scripts/build-xxh64.mjs (do not edit).\n\nexport const XXH64_WASM_BASE64 =\n${lines.join(' +\n')};\n`,
);
console.log(`wrote ${target.pathname}: ${buffer.length} bytes`);
