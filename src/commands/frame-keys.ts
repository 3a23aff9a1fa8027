// The keys a request frame names, found by its command's key specs: what a migrating slot's
// source shard locks and forwards by. The frame layout is in shared/codec.ts.

import { REQ_ARGC, REQ_FLAGS, REQ_HEADER_BYTES, RequestFlag } from '../shared/codec.js';
import { parseInt64 } from '../shared/numbers.js';
import { TIMING_BYTES } from '../shared/timing-layout.js';
import type { CommandSpec } from './declaration.js';
import { keyIndexes } from './key-spec.js';

/** A frame's arguments: where each one's bytes start and end in the buffer. */
interface FrameArguments {
  readonly buf: Buffer;
  readonly starts: number[];
  readonly ends: number[];
}

/** A numkeys count in a frame: NaN when it is not an integer. */
function integerAt(args: FrameArguments, index: number): number {
  const value = parseInt64(args.buf.toString('latin1', args.starts[index]!, args.ends[index]!));
  return value === undefined ? NaN : Number(value);
}

/** The keys the request frame at `at` names, as one-byte strings (how the keyspace holds them). */
export function frameKeys(buf: Buffer, at: number, command: CommandSpec): string[] {
  if (command.firstKey < 0) return [];
  const argc = buf.readUInt32LE(at + REQ_ARGC);
  // Arguments past the last key a fixed spec names are not walked (a SET's value, its options).
  let walked = 0;
  for (const spec of command.keys) {
    walked = Math.max(walked, 'last' in spec && spec.last >= 0 ? spec.last + 1 : argc);
  }
  walked = Math.min(walked, argc);
  const starts: number[] = [];
  const ends: number[] = [];
  let p = at + REQ_HEADER_BYTES + (buf[at + REQ_FLAGS]! & RequestFlag.Timed ? TIMING_BYTES : 0);
  for (let i = 0; i < walked; i++) {
    const bytes = buf.readUInt32LE(p);
    starts.push(p + 4);
    ends.push(p + 4 + bytes);
    p += 4 + bytes;
  }
  const args: FrameArguments = { buf, starts, ends };
  const indexes = keyIndexes(command.keys, walked, args, integerAt);
  return indexes.map((i) => buf.toString('latin1', starts[i]!, ends[i]!));
}
