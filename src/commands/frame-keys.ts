// The keys a request frame names, found by its command's key specs: what a migrating slot's
// source shard locks and forwards by. The frame layout is in shared/codec.ts.

import { REQ_ARGC, REQ_FLAGS, REQ_HEADER_BYTES, RequestFlag } from '../shared/codec.js';
import { parseInt64 } from '../shared/numbers.js';
import { TIMING_BYTES } from '../shared/timing-layout.js';
import type { CommandSpec } from './declaration.js';
import { keyIndexes } from './key-spec.js';

/**
 * A frame's arguments, located as far as a key spec needs them: where each one's bytes start and
 * end in the buffer. Arguments past the last one asked for are never walked (a SET's value, an
 * EXEC frame's queued commands after its key list).
 */
class FrameArguments {
  readonly starts: number[] = [];
  readonly ends: number[] = [];
  /** Where the next argument not located yet starts (its u32 length). */
  private next: number;

  constructor(
    readonly buf: Buffer,
    at: number,
    private readonly argc: number,
  ) {
    this.next =
      at + REQ_HEADER_BYTES + (buf[at + REQ_FLAGS]! & RequestFlag.Timed ? TIMING_BYTES : 0);
  }

  /** Argument `index` as a one-byte string. */
  text(index: number): string {
    this.locate(index);
    return this.buf.toString('latin1', this.starts[index]!, this.ends[index]!);
  }

  private locate(index: number): void {
    const buf = this.buf;
    for (let i = this.starts.length; i <= index && i < this.argc; i++) {
      const bytes = buf.readUInt32LE(this.next);
      this.starts.push(this.next + 4);
      this.ends.push(this.next + 4 + bytes);
      this.next += 4 + bytes;
    }
  }
}

/** A numkeys count in a frame: NaN when it is not an integer. */
function integerAt(args: FrameArguments, index: number): number {
  const value = parseInt64(args.text(index));
  return value === undefined ? NaN : Number(value);
}

/** The keys the request frame at `at` names, as one-byte strings (how the keyspace holds them). */
export function frameKeys(buf: Buffer, at: number, command: CommandSpec): string[] {
  if (command.firstKey < 0) return [];
  const argc = buf.readUInt32LE(at + REQ_ARGC);
  const args = new FrameArguments(buf, at, argc);
  return keyIndexes(command.keys, argc, args, integerAt).map((i) => args.text(i));
}
