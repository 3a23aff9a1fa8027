// A blocked request's frame, rewritten to move to another shard with the time it has left: the
// same header (client, request id, seat generation, flags, a profile's timing block) and
// arguments, but its timeout argument says how long is left, since the shard that receives it
// reads the timeout from now. The layout is in src/shared/codec.ts.

import {
  REQ_ARGC,
  REQ_FLAGS,
  REQ_HEADER_BYTES,
  RequestFlag,
  readU32,
} from '../../src/shared/codec.js';
import { TIMING_BYTES } from '../../src/shared/timing-layout.js';

/** A copy of the request frame `frame` (at 0) whose argument `index` is `text` (one-byte chars). */
export function withArgument(frame: Buffer, index: number, text: string): Buffer {
  const argc = readU32(frame, REQ_ARGC);
  const first = REQ_HEADER_BYTES + (frame[REQ_FLAGS]! & RequestFlag.Timed ? TIMING_BYTES : 0);
  let start = first;
  for (let i = 0; i < index; i++) start += 4 + readU32(frame, start);
  const end = start + 4 + readU32(frame, start);
  if (index >= argc || end > frame.length) {
    throw new RangeError(`request frame has no argument ${index} (it has ${argc})`);
  }
  const bytes = Buffer.byteLength(text, 'latin1');
  const copy = Buffer.allocUnsafe(frame.length - (end - start) + 4 + bytes);
  frame.copy(copy, 0, 0, start);
  copy.writeUInt32LE(bytes, start);
  copy.write(text, start + 4, 'latin1');
  frame.copy(copy, start + 4 + bytes, end);
  copy.writeUInt32LE(copy.length, 0);
  return copy;
}
