// Runs shard handlers against a keyspace through a Call, the way a shard does, and decodes their
// replies: the type families' unit tests use it to test handlers without workers.

import { decodeValue } from '../../src/client/reply.js';
import { beginReply, REP_HEADER_BYTES } from '../../src/shared/codec.js';
import { keySlotOfLatin1 } from '../../src/shared/key-slot.js';
import { SLOT_COUNT } from '../../src/shared/limits.js';
import { createRingStorage, FrameWriter } from '../../src/shared/ring.js';
import { Call, type CommandHandler } from '../../workers/commands/call.js';
import { Keyspace } from '../../workers/keyspace/keyspace.js';

export class Harness {
  readonly keyspace = new Keyspace();
  /** Keys the keyspace signalled as modified, in order (WATCH's signal). */
  readonly modified: string[] = [];
  private readonly call: Call;

  constructor() {
    // This shard (0) owns every slot.
    this.call = new Call(this.keyspace, 0, new Uint16Array(SLOT_COUNT));
    this.call.out = new FrameWriter(createRingStorage(1 << 20));
    this.keyspace.watcher = (_slot, key) => this.modified.push(key);
  }

  /** Runs `handler` as command `name` with `args` (latin1), and returns its decoded reply. */
  run(handler: CommandHandler, name: string, ...args: string[]): unknown {
    const call = this.call;
    const bytes = args.map((arg) => Buffer.from(arg, 'latin1'));
    call.buf = Buffer.concat(bytes);
    let at = 0;
    bytes.forEach((arg, i) => {
      call.argStart[i] = at;
      at += arg.length;
      call.argEnd[i] = at;
    });
    call.argc = args.length;
    call.slot = keySlotOfLatin1(args[0] ?? '');
    call.name = name;
    const out = call.out;
    const start = beginReply(out, 1);
    handler(call);
    const reply = decodeValue(out.buf, out.view, start + REP_HEADER_BYTES, false);
    out.rollback(start);
    return reply;
  }
}
