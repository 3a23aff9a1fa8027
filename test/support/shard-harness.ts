// Runs shard handlers in the test's own thread, the way a shard does: a request frame is encoded
// as a client would, the shard's one Call is pointed at its arguments, the command's handler
// runs, and the reply is decoded as the client would. For unit tests of handlers that read the
// frame itself (EXEC) or their arguments' positions.

import { decodeValue } from '../../src/client/reply.js';
import { COMMAND, type CommandName, commandByOp } from '../../src/commands/table.js';
import {
  type Argument,
  beginReply,
  beginRequest,
  endFrame,
  putArgument,
  REP_HEADER_BYTES,
  REQ_HEADER_BYTES,
} from '../../src/shared/codec.js';
import { SLOT_COUNT } from '../../src/shared/limits.js';
import { createRingStorage, FrameWriter } from '../../src/shared/ring.js';
import { Call } from '../../workers/commands/call.js';
import { HANDLERS } from '../../workers/commands/index.js';
import { Keyspace } from '../../workers/keyspace/keyspace.js';

export class ShardHarness {
  readonly keyspace = new Keyspace();
  readonly call: Call;
  private readonly requests = new FrameWriter(createRingStorage(1 << 16));

  constructor() {
    // This shard (0) owns every slot.
    this.call = new Call(this.keyspace, 0, new Uint16Array(SLOT_COUNT));
    this.call.out = new FrameWriter(createRingStorage(1 << 16));
  }

  /** Runs `name` with `args` (after the name) on `slot`; returns the decoded reply. */
  run(name: CommandName, slot: number, args: readonly Argument[]): unknown {
    const op = COMMAND[name].op;
    const requests = this.requests;
    const start = beginRequest(requests, 1, slot, op, args.length, 0);
    for (const arg of args) putArgument(requests, arg);
    endFrame(requests, start);
    const call = this.call;
    call.buf = requests.buf;
    let p = start + REQ_HEADER_BYTES;
    for (let i = 0; i < args.length; i++) {
      const bytes = requests.buf.readUInt32LE(p);
      call.argStart[i] = p + 4;
      p += 4 + bytes;
      call.argEnd[i] = p;
    }
    call.argc = args.length;
    call.slot = slot;
    call.name = commandByOp(op).name;
    const out = call.out;
    const replyStart = beginReply(out, 1);
    HANDLERS[op]!(call);
    const reply = decodeValue(out.buf, out.view, replyStart + REP_HEADER_BYTES, false);
    out.rollback(replyStart);
    requests.rollback(start);
    return reply;
  }
}
