// Transactions at unit level: the queue a client builds (what Redis answers when a command is
// queued), the EXEC frame's layout and keys, and the shard's EXEC and WATCH handlers run on a
// Call as a shard runs them.

import { describe, expect, it } from 'vitest';
import { frameKeys } from '../../src/commands/frame-keys.js';
import { COMMAND } from '../../src/commands/table.js';
import { ErrorReply } from '../../src/errors.js';
import {
  type Argument,
  beginRequest,
  endFrame,
  putArgument,
  REQ_HEADER_BYTES,
} from '../../src/shared/codec.js';
import { keySlotOfLatin1 } from '../../src/shared/key-slot.js';
import {
  CROSSSLOT,
  EXEC_WITHOUT_MULTI,
  MULTI_NESTED,
  WATCH_INSIDE_MULTI,
} from '../../src/shared/reply-errors.js';
import { createRingStorage, FrameWriter } from '../../src/shared/ring.js';
import { EXEC_KEYS, execArguments, NO_WATCH } from '../../src/transactions/exec-frame.js';
import { NO_SLOT_YET, TransactionQueue } from '../../src/transactions/queue.js';
import { HANDLERS } from '../../workers/commands/index.js';
import { watchTable } from '../../workers/transactions/watch-table.js';
import { ShardHarness } from '../support/shard-harness.js';

const K = '{t}k';
const N = '{t}n';
const SLOT = keySlotOfLatin1(K);

/** The EXEC frame arguments of raw commands (name first), watched by `token` when given. */
function execFrame(
  commands: readonly (readonly Argument[])[],
  watch = NO_WATCH,
  keys: readonly Argument[] = [K, N],
): Argument[] {
  const queued = commands.map(([name, ...args]) => {
    const spec = COMMAND[String(name).toLowerCase() as keyof typeof COMMAND];
    return { op: spec.op, args };
  });
  return execArguments(watch, keys, queued);
}

const errorText = (reply: unknown): string => (reply as Error).message;

describe('the transaction queue (what MULTI answers as commands are queued)', () => {
  it('binds the transaction to the slot of its first keys; other slots make EXEC answer CROSSSLOT', () => {
    const queue = new TransactionQueue();
    expect(queue.addRaw(['PING'])).toBeUndefined();
    expect(queue.slot).toBe(NO_SLOT_YET);
    expect(queue.addRaw(['SET', K, 'v'])).toBeUndefined();
    expect(queue.slot).toBe(SLOT);
    expect(queue.addRaw(['INCR', N])).toBeUndefined();
    expect(queue.crossSlot).toBe(false);
    expect(queue.addRaw(['GET', 'elsewhere'])).toBeUndefined();
    expect(queue.crossSlot).toBe(true);
    expect(queue.aborted).toBe(false);
    expect(queue.commands.map((command) => command.spec?.name)).toEqual([
      'ping',
      'set',
      'incr',
      'get',
    ]);
  });

  it('refuses what Redis refuses at queue time, and that aborts the transaction (EXECABORT)', () => {
    const refused: [Argument[], string][] = [
      [['GET'], "ERR wrong number of arguments for 'get' command"],
      [['NOPE', 'x'], "ERR unknown command 'NOPE', with args beginning with: 'x' "],
      [['MGET', K, 'elsewhere'], CROSSSLOT],
      [['DBSIZE'], "ERR slotdb: 'dbsize' cannot run inside a transaction"],
      [['SCAN', '0'], "ERR slotdb: 'scan' cannot run inside a transaction"],
      [['FLUSHALL'], "ERR slotdb: 'flushall' cannot run inside a transaction"],
      [['WATCH'], "ERR wrong number of arguments for 'watch' command"],
      [['UNWATCH', K], "ERR wrong number of arguments for 'unwatch' command"],
    ];
    for (const [args, text] of refused) {
      const queue = new TransactionQueue();
      const error = queue.addRaw(args);
      expect(error, args.join(' ')).toBeInstanceOf(ErrorReply);
      expect(error!.message.startsWith(text), `${args.join(' ')}: ${error!.message}`).toBe(true);
      expect(queue.aborted, args.join(' ')).toBe(true);
      expect(queue.firstError).toBe(error);
      expect(queue.commands).toEqual([]);
    }
  });

  it('answers a nested MULTI and a WATCH with errors that do not abort, and queues UNWATCH', () => {
    const queue = new TransactionQueue();
    expect(errorText(queue.addRaw(['MULTI']))).toBe(MULTI_NESTED);
    expect(errorText(queue.addRaw(['watch', K]))).toBe(WATCH_INSIDE_MULTI);
    expect(queue.addRaw(['UNWATCH'])).toBeUndefined();
    expect(queue.aborted).toBe(false);
    expect(queue.commands).toEqual([
      { spec: undefined, args: [], transform: undefined, reply: 'OK' },
    ]);
  });

  it('keeps the first refusal, for a builder to reject with', () => {
    const queue = new TransactionQueue();
    const first = queue.addRaw(['GET']);
    queue.addRaw(['SET', K]);
    expect(queue.firstError).toBe(first);
  });

  it('refuses an argument that cannot be sent', () => {
    const queue = new TransactionQueue();
    const error = queue.add(COMMAND.get, [{} as unknown as Argument]);
    expect(error?.name).toBe('ArgumentTypeError');
    expect(queue.aborted).toBe(true);
  });
});

describe('the EXEC frame', () => {
  it('lists every key up front, so a migrating slot finds them as any multi-key frame', () => {
    const args = execFrame(
      [
        ['SET', K, 'v'],
        ['INCR', N],
      ],
      { token: '1.1.1', frames: 1, slotMapChanged: false },
      ['{t}watched', K, N],
    );
    const writer = new FrameWriter(createRingStorage(1 << 12));
    const start = beginRequest(writer, 1, SLOT, COMMAND.exec.op, args.length, 0);
    for (const arg of args) putArgument(writer, arg);
    endFrame(writer, start);
    expect(frameKeys(writer.buf, start, COMMAND.exec)).toEqual(['{t}watched', K, N]);
    // Finding the keys never walks the queued commands: a corrupt length there is not read.
    let lengthAt = start + REQ_HEADER_BYTES;
    const firstOpcode = EXEC_KEYS + 3 + 1;
    for (let i = 0; i < firstOpcode; i++) lengthAt += 4 + writer.buf.readUInt32LE(lengthAt);
    writer.buf.writeUInt32LE(0x7fffffff, lengthAt);
    expect(frameKeys(writer.buf, start, COMMAND.exec)).toEqual(['{t}watched', K, N]);
  });
});

describe('EXEC on a shard', () => {
  it('runs every queued command in order; an error reply does not stop the rest', () => {
    const shard = new ShardHarness();
    const reply = shard.run(
      'exec',
      SLOT,
      execFrame([
        ['SET', K, 'v'],
        ['INCR', K],
        ['APPEND', K, 'w'],
        ['GET', K],
        ['MGET', K, N],
      ]),
    ) as unknown[];
    expect(reply.slice(0, 1)).toEqual(['OK']);
    expect(errorText(reply[1])).toBe('ERR value is not an integer or out of range');
    expect(reply.slice(2)).toEqual([2, 'vw', ['vw', null]]);
  });

  it('answers an EXEC frame with no transaction as Redis answers EXEC without MULTI', () => {
    const shard = new ShardHarness();
    expect(errorText(shard.run('exec', SLOT, ['', 0, 0, 0]))).toBe(EXEC_WITHOUT_MULTI);
  });

  it('runs nothing of a corrupt frame (an opcode a transaction cannot hold, a bad arity)', () => {
    const shard = new ShardHarness();
    const corrupt: Argument[][] = [
      execArguments(
        NO_WATCH,
        [K],
        [
          { op: COMMAND.set.op, args: [K, 'v'] },
          { op: COMMAND.exec.op, args: [] },
        ],
      ),
      execArguments(
        NO_WATCH,
        [K],
        [
          { op: COMMAND.set.op, args: [K, 'v'] },
          { op: COMMAND.dbsize.op, args: [] },
        ],
      ),
      execArguments(
        NO_WATCH,
        [K],
        [
          { op: COMMAND.set.op, args: [K, 'v'] },
          { op: COMMAND.get.op, args: [] },
        ],
      ),
      [...execArguments(NO_WATCH, [K], [{ op: COMMAND.set.op, args: [K, 'v'] }]), 'extra'],
      execArguments(NO_WATCH, [K], [{ op: 0, args: [K] }]),
    ];
    for (const args of corrupt) {
      expect(errorText(shard.run('exec', SLOT, args))).toMatch(/corrupt transaction frame/);
    }
    expect(shard.keyspace.keyCount).toBe(0);
  });

  it('points the Call at each command in turn, with noBlock set, and restores it after', () => {
    const shard = new ShardHarness();
    const seen: string[] = [];
    const op = COMMAND.get.op;
    const get = HANDLERS[op]!;
    HANDLERS[op] = (call) => {
      seen.push(`${call.name} ${call.argc} ${call.arg(0)} ${call.noBlock}`);
      if (call.arg(0) === N) throw new Error('boom');
      get(call);
    };
    try {
      const reply = shard.run(
        'exec',
        SLOT,
        execFrame([
          ['GET', K],
          ['GET', N],
          ['SET', K, 'x'],
          ['GET', K],
        ]),
      );
      expect(reply).toEqual([
        null,
        expect.objectContaining({ message: "ERR slotdb internal error in 'get': boom" }),
        'OK',
        'x',
      ]);
    } finally {
      HANDLERS[op] = get;
    }
    expect(seen).toEqual([`get 1 ${K} true`, `get 1 ${N} true`, `get 1 ${K} true`]);
    expect(shard.call.noBlock).toBe(false);
    expect(shard.call.name).toBe('exec');
    expect(shard.call.argc).toBe(
      execFrame([
        ['GET', K],
        ['GET', N],
        ['SET', K, 'x'],
        ['GET', K],
      ]).length,
    );
  });
});

describe('WATCH on a shard', () => {
  const watched = (token: string, frames = 1, slotMapChanged = false) => ({
    token,
    frames,
    slotMapChanged,
  });

  function watching(...keys: string[]): ShardHarness {
    const shard = new ShardHarness();
    shard.keyspace.set(SLOT, K, 'old');
    expect(shard.run('watch', SLOT, ['1.1.1', ...keys])).toBe('OK');
    return shard;
  }

  it('runs EXEC when no watched key changed, and answers null when one did', () => {
    const clean = watching(K, N);
    expect(clean.run('exec', SLOT, execFrame([['GET', K]], watched('1.1.1')))).toEqual(['old']);
    const changed = watching(K, N);
    changed.run('set', SLOT, [N, 'new']);
    expect(changed.run('exec', SLOT, execFrame([['GET', K]], watched('1.1.1')))).toBeNull();
  });

  it('counts a change of any kind: delete, deadline, expiry, a write of the same value', () => {
    const changes: ((shard: ShardHarness) => void)[] = [
      (shard) => shard.run('del', SLOT, [K]),
      (shard) => shard.run('expire', SLOT, [K, 100]),
      (shard) => shard.run('set', SLOT, [K, 'old']),
      (shard) => shard.run('rename', SLOT, [K, N]),
      (shard) => {
        shard.run('set', SLOT, [N, 'other']);
        shard.run('copy', SLOT, [N, K, 'REPLACE']);
      },
      (shard) => {
        // Expired since WATCH and not yet removed: EXEC itself finds it expired.
        shard.run('pexpire', SLOT, [K, 10]);
        shard.keyspace.now += 20;
      },
    ];
    for (const change of changes) {
      const shard = watching(K);
      change(shard);
      expect(shard.run('exec', SLOT, execFrame([['GET', N]], watched('1.1.1')))).toBeNull();
    }
  });

  it('ignores what other tokens, other keys and reads do', () => {
    const shard = watching(K);
    shard.run('watch', SLOT, ['2.1.1', N]);
    shard.run('set', SLOT, [N, 'x']);
    shard.run('get', SLOT, [K]);
    shard.run('rename', SLOT, [K, K]);
    expect(shard.run('exec', SLOT, execFrame([['GET', K]], watched('2.1.1')))).toBeNull();
    expect(shard.run('exec', SLOT, execFrame([['GET', K]], watched('1.1.1')))).toEqual(['old']);
  });

  it('answers null when the record misses a WATCH frame, or is gone (UNWATCH, or taken)', () => {
    const short = watching(K);
    expect(short.run('exec', SLOT, execFrame([], watched('1.1.1', 2)))).toBeNull();
    const unwatched = watching(K);
    unwatched.run('unwatch', SLOT, ['1.1.1']);
    expect(unwatched.run('exec', SLOT, execFrame([], watched('1.1.1')))).toBeNull();
    const taken = watching(K);
    expect(taken.run('exec', SLOT, execFrame([], watched('1.1.1')))).toEqual([]);
    expect(taken.run('exec', SLOT, execFrame([], watched('1.1.1')))).toBeNull();
  });

  it('counts FLUSHALL as a change of the watched keys that exist', () => {
    const existing = watching(K);
    existing.run('flushall', SLOT, []);
    expect(existing.run('exec', SLOT, execFrame([], watched('1.1.1')))).toBeNull();
    const missing = watching(N);
    missing.run('flushall', SLOT, []);
    expect(missing.run('exec', SLOT, execFrame([], watched('1.1.1')))).toEqual([]);
  });

  it('after a slot moved somewhere, answers null for a watched key that is missing', () => {
    const missing = watching(N);
    expect(missing.run('exec', SLOT, execFrame([], watched('1.1.1', 1, true)))).toBeNull();
    const present = watching(K);
    expect(present.run('exec', SLOT, execFrame([], watched('1.1.1', 1, true)))).toEqual([]);
  });

  it('installs the keyspace watcher only while a clean record watches a key', () => {
    const shard = new ShardHarness();
    expect(shard.keyspace.watcher).toBeUndefined();
    shard.run('watch', SLOT, ['1.1.1', K, N]);
    shard.run('watch', SLOT, ['2.1.1', K]);
    expect(shard.keyspace.watcher).toBeDefined();
    shard.run('set', SLOT, [N, 'x']);
    expect(shard.keyspace.watcher).toBeDefined();
    shard.run('unwatch', SLOT, ['2.1.1']);
    expect(shard.keyspace.watcher).toBeUndefined();
    expect(watchTable(shard.keyspace).size).toBe(1);
    shard.run('exec', SLOT, execFrame([], watched('1.1.1')));
    expect(watchTable(shard.keyspace).size).toBe(0);
  });
});
