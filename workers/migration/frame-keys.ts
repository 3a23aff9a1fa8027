// The keys a request frame names, read straight from the frame: a migration source decides from
// them whether a request runs, waits or goes to the target.

import { REQ_ARGC, REQ_FLAGS, REQ_HEADER_BYTES, RequestFlag } from '../../src/shared/codec.js';
import { Keys } from '../../src/shared/commands.js';
import { TIMING_BYTES } from '../../src/shared/timing-layout.js';

/** The keys a request frame names, as one-byte strings (how the keyspace holds them). */
export function frameKeys(buf: Buffer, at: number, keys: Keys): string[] {
  if (keys === Keys.None) return [];
  const argc = buf.readUInt32LE(at + REQ_ARGC);
  const names: string[] = [];
  let p = at + REQ_HEADER_BYTES + (buf[at + REQ_FLAGS]! & RequestFlag.Timed ? TIMING_BYTES : 0);
  for (let i = 0; i < argc; i++) {
    const bytes = buf.readUInt32LE(p);
    const isKey = keys === Keys.All || (keys === Keys.First ? i === 0 : i % 2 === 0);
    if (isKey) names.push(buf.toString('latin1', p + 4, p + 4 + bytes));
    if (keys === Keys.First) break;
    p += 4 + bytes;
  }
  return names;
}
