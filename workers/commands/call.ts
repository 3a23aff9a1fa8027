// The command being executed: its arguments (offsets into the frame it arrived in) and the writer
// its reply goes to. A shard has one Call and reuses it for every frame, so executing a command
// allocates nothing beyond the strings the command itself needs.

import {
  putArrayHeader,
  putBulkLatin1,
  putInt,
  putLine,
  putNil,
  ValueType,
} from '../../src/shared/codec.js';
import { ARGS_MAX, REPLY_BYTES_MAX } from '../../src/shared/limits.js';
import { replyTooLarge, WRONGTYPE } from '../../src/shared/reply-errors.js';
import type { FrameWriter } from '../../src/shared/ring.js';
import type { Keyspace } from '../keyspace/keyspace.js';
import type { Journal } from '../replication/journal.js';

export class Call {
  /** The frame's buffer (a ring reader's reassembly buffer). */
  buf!: Buffer;
  argc = 0;
  /** argStart[i], argEnd[i]: bytes of argument i in buf. */
  readonly argStart = new Int32Array(ARGS_MAX);
  readonly argEnd = new Int32Array(ARGS_MAX);
  slot = 0;
  /** Lower-case command name, for error texts. */
  name = '';
  /**
   * Set while EXEC runs a transaction's commands: a blocking command (BLPOP, BLMOVE...) then
   * answers at once as its non-blocking form would, as Redis does inside MULTI.
   */
  noBlock = false;
  /**
   * Bytes of the enclosing reply already written: EXEC's earlier elements while it runs a
   * transaction (0 otherwise). `fitsReply` counts them, so that a command whose own reply would
   * take the transaction's reply past the limit refuses before it changes anything.
   */
  replyBytesBefore = 0;
  out!: FrameWriter;
  /** The shard's journal, on a primary with replicas: where writes are recorded. */
  journal: Journal | undefined = undefined;
  /**
   * Set by a handler that recorded its own effect in the journal (SPOP records SREM of what it
   * popped): the command is then not recorded as it ran.
   */
  journaled = false;
  readonly keyspace: Keyspace;
  /** The shard executing the call. */
  readonly shard: number;
  /** The slot map's owner column (shared memory). */
  private readonly owner: Uint16Array;

  constructor(keyspace: Keyspace, shard: number, owner: Uint16Array) {
    this.keyspace = keyspace;
    this.shard = shard;
    this.owner = owner;
  }

  /** Whether this shard serves `slot`. */
  ownsSlot(slot: number): boolean {
    return this.owner[slot] === this.shard;
  }

  /** Argument i as a one-byte string (its bytes), the form keys and values are stored in. */
  arg(i: number): string {
    return this.buf.toString('latin1', this.argStart[i]!, this.argEnd[i]!);
  }

  argBytes(i: number): number {
    return this.argEnd[i]! - this.argStart[i]!;
  }

  /** Whether argument i equals `word` (upper-case ASCII), ignoring case, without allocating. */
  argIs(i: number, word: string): boolean {
    const start = this.argStart[i]!;
    const length = this.argEnd[i]! - start;
    if (length !== word.length) return false;
    const buf = this.buf;
    for (let k = 0; k < length; k++) {
      let c = buf[start + k]!;
      if (c >= 0x61 && c <= 0x7a) c -= 0x20;
      if (c !== word.charCodeAt(k)) return false;
    }
    return true;
  }

  // ---- replies --------------------------------------------------------------------------

  nil(): void {
    putNil(this.out);
  }

  ok(): void {
    putLine(this.out, ValueType.Status, 'OK');
  }

  status(text: string): void {
    putLine(this.out, ValueType.Status, text);
  }

  int(n: number): void {
    putInt(this.out, n);
  }

  bulk(value: string): void {
    putBulkLatin1(this.out, value);
  }

  /** Sets key argument `key` to string argument `value`, copying their bytes (SET, MSET). */
  setArg(key: number, value: number): void {
    const { argStart, argEnd } = this;
    this.keyspace.setBytes(
      this.slot,
      this.buf,
      argStart[key]!,
      argEnd[key]!,
      argStart[value]!,
      argEnd[value]!,
    );
  }

  /** A bulk reply of the string Keyspace.findString() found, copied from the arena. */
  bulkStored(address: number): void {
    const w = this.out;
    const length = this.keyspace.stringLength(address);
    const at = w.reserve(5 + length);
    w.buf[at] = ValueType.Bulk;
    w.view.setUint32(at + 1, length, true);
    this.keyspace.copyString(address, w.buf, at + 5);
    w.tail = at + 5 + length;
  }

  array(count: number): void {
    putArrayHeader(this.out, count);
  }

  error(text: string): void {
    putLine(this.out, ValueType.Error, text);
  }

  /**
   * Whether a reply value of `bytes` fits in one frame (REPLY_BYTES_MAX), after the bytes of the
   * enclosing reply (`replyBytesBefore`). If not, answers the reply-limit error: a handler checks
   * before it writes a large reply, and before it changes anything, so it fails fast and a refused
   * command (a pop inside EXEC included) leaves the data as it was.
   */
  fitsReply(bytes: number): boolean {
    const total = this.replyBytesBefore + bytes;
    if (total <= REPLY_BYTES_MAX) return true;
    this.error(replyTooLarge(total));
    // The command refuses and changes nothing: the journal records nothing. (A replica running it
    // again would not refuse inside EXEC, whose earlier replies it does not have, nor for SPOP,
    // whose reply size depends on the members it picks.)
    if (this.journal !== undefined) this.journaled = true;
    return false;
  }

  /** Redis's WRONGTYPE error: the key holds a value of another type than the command works on. */
  wrongType(): void {
    putLine(this.out, ValueType.Error, WRONGTYPE);
  }
}

export type CommandHandler = (call: Call) => void;
