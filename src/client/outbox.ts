// The request rings of one client thread, one per shard. A frame is encoded straight into the
// staging buffer of its shard's ring; staged frames are pushed in bulk when the thread's calls of a
// tick are done (waiting.ts), so every call made in one tick travels as one batch per shard
// (auto-pipelining), and a frame costs no system call. A stream that grows past
// REQUEST_STREAM_BYTES goes at once, so a long burst does not stage without bound.

import { Flag } from '../commands/declaration.js';
import { OP_FLAGS } from '../commands/table.js';
import type { ProfileRecorder } from '../profiler/recorder.js';
import {
  type Argument,
  beginRequest,
  checkArgumentCount,
  endFrame,
  putArgument,
  REQ_ID,
} from '../shared/codec.js';
import type { ControlBlock } from '../shared/control-block.js';
import { REQUEST_STREAM_BYTES } from '../shared/limits.js';
import { FrameWriter } from '../shared/ring.js';

export class Outbox {
  readonly writers: FrameWriter[];
  /** Whether the frame being encoded is timed (a profile runs). */
  timed = false;
  /** Per shard: the last push left bytes staged (the ring was full). */
  private readonly ringFull: boolean[] = [];

  /**
   * Per worker: write frames sent to it since the last WAIT, less those its death failed (they
   * told their callers so): what a WAIT must cover there (src/client/targets.ts).
   */
  readonly wrote: Uint32Array;
  /** Whether the frame begun last is a write (Flag.Write, or 0). */
  lastWrite = 0;

  constructor(
    requests: readonly SharedArrayBuffer[],
    private readonly control: ControlBlock,
    private readonly recorder: ProfileRecorder,
    /** This thread's client id (its seat), in every request header. */
    private readonly client: number,
    /** The generation this thread holds its seat under, in every request header too. */
    private readonly seatGeneration: number,
  ) {
    this.writers = requests.map((storage) => new FrameWriter(storage));
    this.wrote = new Uint32Array(requests.length);
  }

  /** A write to `shard` failed with its worker's death: its caller knows it may not have run. */
  writeFailed(shard: number): void {
    if (shard >= 0 && this.wrote[shard]! > 0) this.wrote[shard]!--;
  }

  /** Begins a frame for `slot` on `shard`'s ring; returns its start (for the argument writes). */
  begin(shard: number, slot: number, op: number, argc: number): number {
    const writer = this.writers[shard]!;
    const write = OP_FLAGS[op]! & Flag.Write;
    this.lastWrite = write;
    if (write !== 0) this.wrote[shard]!++;
    const start = beginRequest(writer, 0, slot, op, argc, this.client, 0, this.seatGeneration);
    this.timed = this.recorder.active();
    if (this.timed) this.recorder.stamp(writer, start, this.ringFull[shard] === true);
    return start;
  }

  /**
   * Writes `args` into the frame begun at `start`; a bad argument, or more arguments than a frame
   * may carry (the argc begin() wrote), drops the frame and throws.
   */
  putAll(shard: number, start: number, args: readonly Argument[]): void {
    const writer = this.writers[shard]!;
    try {
      checkArgumentCount(args.length);
      for (let i = 0; i < args.length; i++) putArgument(writer, args[i]!);
    } catch (error) {
      writer.rollback(start);
      throw error;
    }
  }

  /** Drops a frame that could not be finished. */
  rollback(shard: number, start: number): void {
    this.writers[shard]!.rollback(start);
  }

  /** Closes the frame begun at `start` as request `id` and stages it. */
  seal(shard: number, start: number, id: number): void {
    const writer = this.writers[shard]!;
    writer.view.setUint32(start + REQ_ID, id, true);
    endFrame(writer, start);
    if (writer.staged >= REQUEST_STREAM_BYTES) {
      writer.flush();
      this.control.wakeShard(shard);
    }
  }

  /** Pushes what `shard` has staged now and wakes it. */
  pushNow(shard: number): void {
    this.writers[shard]!.flush();
    this.control.wakeShard(shard);
  }

  /**
   * Pushes every staged frame to its ring and wakes the shards that sleep; drops what is staged
   * for a shard that is `down`. Returns the bytes left staged (rings that were full).
   */
  pushStaged(down: readonly unknown[]): number {
    let left = 0;
    for (let shard = 0; shard < this.writers.length; shard++) {
      const writer = this.writers[shard]!;
      if (writer.staged === 0) continue;
      if (down[shard] !== undefined) {
        writer.rollback(writer.head);
        continue;
      }
      const staged = writer.flush();
      this.ringFull[shard] = staged > 0;
      left += staged;
      this.control.wakeShard(shard);
    }
    return left;
  }
}
