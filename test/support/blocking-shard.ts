// A shard's execution and blocking parts without a worker, for unit tests of the blocking
// commands: real client links (reply rings), the real Execution and Blocking, a control block for
// seat states, and no migrations or peers. Requests are built as a client builds them and run as
// the shard runs them; replies are read back from each client's ring.

import { decodeValue } from '../../src/client/reply.js';
import { COMMAND } from '../../src/commands/table.js';
import {
  beginRequest,
  endFrame,
  putArgument,
  REP_HEADER_BYTES,
  REP_ID,
} from '../../src/shared/codec.js';
import {
  ClientState,
  ControlBlock,
  kClientClosing,
  kClientState,
  seatWord,
} from '../../src/shared/control-block.js';
import { keySlot } from '../../src/shared/key-slot.js';
import { createRingStorage, FrameReader, FrameWriter } from '../../src/shared/ring.js';
import { Blocking } from '../../workers/blocking/blocking.js';
import { Keyspace } from '../../workers/keyspace/keyspace.js';
import { ClientLinks } from '../../workers/shard/client-links.js';
import { Execution } from '../../workers/shard/execution.js';
import type { Shard } from '../../workers/shard.js';

const RING_BYTES = 1 << 16;

export class BlockingShard {
  readonly id = 0;
  readonly control = new ControlBlock();
  readonly keyspace = new Keyspace();
  readonly clients: ClientLinks;
  readonly execution: Execution;
  readonly blocking: Blocking;
  readonly migrations = {
    incoming: [] as undefined[],
    outgoing: [] as undefined[],
    afterFlush: () => {},
  };
  readonly peers = {
    byId: [] as unknown[],
    writer: (): FrameWriter => {
      throw new Error('no peers here');
    },
    flushPeer: () => {},
  };
  readonly stats = { publish: () => {} };
  /** No data directory: nothing to fsync before output. */
  beforeOutput(): void {}
  /** A primary without replicas: no journal, writes are never refused. */
  readonly replication = {
    journal: undefined,
    writeRefusal: undefined,
    waits: { dropClient: () => {} },
  };
  private readonly readers: FrameReader[] = [];
  private readonly requests = new FrameWriter(createRingStorage(RING_BYTES));
  private nextId = 1;

  constructor() {
    const shard = this as unknown as Shard;
    this.clients = new ClientLinks(shard);
    this.execution = new Execution(shard);
    this.blocking = new Blocking(this);
  }

  /** Seats client `client` (generation 1) with its rings. */
  attach(client: number): void {
    const words = this.control.words;
    Atomics.store(
      words,
      this.control.clientWord(client, kClientState),
      seatWord(1, ClientState.Active),
    );
    const replies = createRingStorage(RING_BYTES);
    this.clients.attach(client, 1, createRingStorage(RING_BYTES), replies);
    this.readers[client] = new FrameReader(replies, REP_HEADER_BYTES + 1);
  }

  /** Marks client `client` closed, as its close() does. */
  close(client: number): void {
    const word = this.control.clientWord(client, kClientClosing);
    Atomics.store(this.control.words, word, seatWord(1, ClientState.Active));
  }

  /** Runs `args` (a command and its arguments) from `client`; returns the request id. */
  run(client: number, ...args: string[]): number {
    const spec = COMMAND[args[0]!.toLowerCase() as keyof typeof COMMAND];
    const id = this.nextId++;
    const w = this.requests;
    const slot = spec.firstKey < 0 ? 0 : keySlot(args[1 + spec.firstKey]!);
    const start = beginRequest(w, id, slot, spec.op, args.length - 1, client, 0, 1);
    for (const arg of args.slice(1)) putArgument(w, arg);
    endFrame(w, start);
    this.execution.executeWith(w.buf, start, undefined);
    w.rollback(start);
    return id;
  }

  /** The replies `client` got since the last look, as [request id, decoded value] pairs. */
  replies(client: number): [number, unknown][] {
    this.clients.byId[client]!.replies.flush();
    const reader = this.readers[client]!;
    reader.fill();
    const got: [number, unknown][] = [];
    for (let at = reader.next(); at >= 0; at = reader.next()) {
      const value = decodeValue(reader.buf, reader.view, at + REP_HEADER_BYTES, false);
      got.push([reader.view.getUint32(at + REP_ID, true), value]);
      reader.advance(at);
    }
    return got;
  }

  /** The only reply `client` got since the last look (fails when it got none or several). */
  reply(client: number): unknown {
    const got = this.replies(client);
    if (got.length !== 1) throw new Error(`client ${client} got ${got.length} replies`);
    return got[0]![1];
  }
}
