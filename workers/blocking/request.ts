// A blocked request as a shard keeps it: its own copy of the frame (the ring's bytes are reused),
// who waits for it, the keys it waits on and until when.

import { COMMAND, OP_COUNT } from '../../src/commands/table.js';
import type { BlockedCaller } from './notices.js';

export interface BlockedRequest extends BlockedCaller {
  /** The request frame, at 0 (re-run when a key it waits on gets a list). */
  readonly frame: Buffer;
  /** The keys it waits on, each once. */
  readonly keys: readonly string[];
  /** BLMOVE's and BRPOPLPUSH's destination (serving writes it too); undefined for the pops. */
  readonly destination: string | undefined;
  /** Which argument holds the timeout (rewritten when the request moves to another shard). */
  readonly timeoutArg: number;
  /** Absolute Unix ms; Infinity waits for ever. */
  readonly deadline: number;
  /** The order requests blocked in on this shard. */
  readonly sequence: number;
  /**
   * The shard that forwarded it while this shard imported its slot from there (-1: none). That
   * shard is told when it blocks and leaves; if it dies, the caller fails the request on its own.
   */
  readonly origin: number;
  /** Set when it leaves (its entry in the deadline heap is then thrown away). */
  done: boolean;
}

/** 1 at BLMOVE's and BRPOPLPUSH's opcodes: a destination key is written when they are served. */
export const MOVE_OPS = new Uint8Array(OP_COUNT);
MOVE_OPS[COMMAND.blmove.op] = 1;
MOVE_OPS[COMMAND.brpoplpush.op] = 1;
