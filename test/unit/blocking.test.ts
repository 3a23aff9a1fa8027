// Blocking list commands on one shard, without workers: the registry's per-key order and its
// deadlines, the timeout as Redis 7.0 reads it, one push serving several waiters in the order they
// blocked, BLMOVE chains, timeouts answered on the shard, closed callers dropped, and blocked
// requests handed to another shard with the time they have left.

import { afterEach, describe, expect, it, vi } from 'vitest';
import { decodeValue } from '../../src/client/reply.js';
import type { ErrorReply } from '../../src/errors.js';
import { REQ_ARGC, REQ_HEADER_BYTES, readU32 } from '../../src/shared/codec.js';
import { keySlot } from '../../src/shared/key-slot.js';
import { SLOT_COUNT } from '../../src/shared/limits.js';
import { TIMEOUT_NEGATIVE, TIMEOUT_NOT_FLOAT, WRONGTYPE } from '../../src/shared/reply-errors.js';
import { createRingStorage, FrameWriter } from '../../src/shared/ring.js';
import { DeadlineHeap } from '../../workers/blocking/deadlines.js';
import { BlockingRegistry } from '../../workers/blocking/registry.js';
import type { BlockedRequest } from '../../workers/blocking/request.js';
import { blockingSignal } from '../../workers/blocking/signal.js';
import { timeoutArg, timeoutLeft } from '../../workers/blocking/timeout.js';
import { Call } from '../../workers/commands/call.js';
import { Keyspace } from '../../workers/keyspace/keyspace.js';
import { BlockingShard } from '../support/blocking-shard.js';
import { Random } from '../support/random.js';

afterEach(() => {
  vi.useRealTimers();
});

function request(sequence: number, keys: string[], deadline = Infinity, slot = 0): BlockedRequest {
  return {
    frame: Buffer.alloc(0),
    client: 1,
    generation: 1,
    id: sequence,
    slot,
    migration: 0,
    keys,
    destination: undefined,
    timeoutArg: 0,
    deadline,
    sequence,
    origin: -1,
    done: false,
  };
}

describe('the registry of blocked requests', () => {
  it('keeps each key a queue in blocking order, and forgets a key once its queue is empty', () => {
    const registry = new BlockingRegistry();
    const a = request(1, ['k', 'j']);
    const b = request(2, ['k']);
    const c = request(3, ['j', 'k']);
    for (const r of [a, b, c]) registry.add(r);
    expect(registry.waitingOn('k')).toEqual([a, b, c]);
    expect(registry.waitingOn('j')).toEqual([a, c]);
    registry.remove(b);
    expect(registry.waitingOn('k')).toEqual([a, c]);
    expect(b.done).toBe(true);
    registry.remove(a);
    registry.remove(c);
    expect(registry.waitingOn('k')).toBeUndefined();
    expect(registry.count).toBe(0);
  });

  it('gives due requests soonest deadline first, ties in blocking order, skipping those gone', () => {
    const registry = new BlockingRegistry();
    const late = request(1, ['a'], 300);
    const early = request(2, ['b'], 100);
    const tie = request(3, ['c'], 100);
    const never = request(4, ['d']);
    const gone = request(5, ['e'], 50);
    for (const r of [late, early, tie, never, gone]) registry.add(r);
    registry.remove(gone);
    expect(registry.soonestDeadline()).toBe(100);
    expect(registry.takeDue(99)).toBeUndefined();
    expect(registry.takeDue(200)).toBe(early);
    expect(registry.takeDue(200)).toBe(tie);
    expect(registry.takeDue(200)).toBeUndefined();
    expect(registry.soonestDeadline()).toBe(300);
    expect(registry.inSlot(0)).toEqual([late, early, tie, never]);
  });

  it('orders a heap of random deadlines as a sort does', () => {
    const r = new Random(7);
    const heap = new DeadlineHeap<{ deadline: number; sequence: number; done: boolean }>();
    const items = Array.from({ length: 500 }, (_, i) => ({
      deadline: r.int(50),
      sequence: i,
      done: r.chance(0.2),
    }));
    for (const item of items) heap.push(item);
    const popped: typeof items = [];
    for (let item = heap.peek(); item !== undefined; item = heap.peek()) popped.push(heap.pop()!);
    const expected = items
      .filter((item) => !item.done)
      .sort((x, y) => x.deadline - y.deadline || x.sequence - y.sequence);
    expect(popped).toEqual(expected);
  });
});

/** The timeout argument `text` as timeoutArg reads it: ms, or the error it answers. */
function timeoutOf(text: string): number | string {
  const call = new Call(new Keyspace(), 0, new Uint16Array(SLOT_COUNT));
  call.out = new FrameWriter(createRingStorage(1 << 12));
  call.buf = Buffer.from(text, 'latin1');
  call.argStart[0] = 0;
  call.argEnd[0] = call.buf.length;
  call.argc = 1;
  const ms = timeoutArg(call, 0);
  if (ms >= 0) return ms;
  return (decodeValue(call.out.buf, call.out.view, 0, false) as ErrorReply).message;
}

describe('the timeout', () => {
  it('is read as Redis 7.0 reads it: seconds as a long double, times 1000, rounded up', () => {
    const cases: [string, number | string][] = [
      ['0', 0],
      ['1.5', 1500],
      ['0.0001', 1], // rounded up: waits 1 ms
      ['1e-300', 1],
      ['-0.0001', 0], // rounds up to 0: waits for ever
      ['-0.001', 0], // 0.001 is a little under a thousandth as a long double
      ['-0.0011', TIMEOUT_NEGATIVE],
      ['-1', TIMEOUT_NEGATIVE],
      ['0x10', 16_000],
      ['+1', 1000],
      ['.5', 500],
      ['1.', 1000],
      ['inf', TIMEOUT_NEGATIVE], // (long long) of infinity is INT64_MIN
      ['-inf', TIMEOUT_NEGATIVE],
      ['1e20', TIMEOUT_NEGATIVE], // past int64 once in ms
      ['9223372036854775.807', 0], // fits int64, but never reached: for ever
      ['9223372036854775.808', TIMEOUT_NEGATIVE],
      ['abc', TIMEOUT_NOT_FLOAT],
      ['', TIMEOUT_NOT_FLOAT],
      [' 1', TIMEOUT_NOT_FLOAT],
      ['nan', TIMEOUT_NOT_FLOAT],
      ['0.5x', TIMEOUT_NOT_FLOAT],
    ];
    for (const [text, expected] of cases) expect(timeoutOf(text), text).toEqual(expected);
  });

  it('is written back as the time left, 1 ms at least, and 0 for ever', () => {
    expect(timeoutLeft(Infinity, 1000)).toBe('0');
    expect(timeoutLeft(2500, 1000)).toBe('1.500');
    expect(timeoutLeft(1000.2, 1000)).toBe('0.001');
    expect(timeoutOf(timeoutLeft(1234, 0))).toBeGreaterThanOrEqual(1234);
    expect(timeoutOf(timeoutLeft(1234, 0))).toBeLessThanOrEqual(1235);
  });
});

describe('blocked requests on a shard', () => {
  it('answer at once as the non-blocking form when data is there', () => {
    const shard = new BlockingShard();
    shard.attach(1);
    shard.run(1, 'RPUSH', '{t}k', 'a', 'b', 'c');
    shard.replies(1);
    shard.run(1, 'BLPOP', '{t}missing', '{t}k', '0');
    expect(shard.reply(1)).toEqual(['{t}k', 'a']);
    shard.run(1, 'BRPOP', '{t}k', '0');
    expect(shard.reply(1)).toEqual(['{t}k', 'c']);
    shard.run(1, 'BLMPOP', '0', '1', '{t}k', 'LEFT', 'COUNT', '5');
    expect(shard.reply(1)).toEqual(['{t}k', ['b']]);
    expect(shard.blocking.registry.count).toBe(0);
  });

  it('serve several waiters from one push, in the order they blocked, until the list is gone', () => {
    const shard = new BlockingShard();
    for (const client of [1, 2, 3, 4, 5]) shard.attach(client);
    shard.run(1, 'BLPOP', '{t}k', '0');
    shard.run(2, 'BRPOP', '{t}other', '{t}k', '0');
    shard.run(3, 'BLMPOP', '0', '1', '{t}k', 'LEFT', 'COUNT', '2');
    shard.run(4, 'BLPOP', '{t}k', '0');
    for (const client of [1, 2, 3, 4]) expect(shard.replies(client)).toEqual([]);
    expect(shard.keyspace.stored).toBeDefined();
    shard.run(5, 'RPUSH', '{t}k', 'a', 'b', 'c', 'd');
    expect(shard.reply(5)).toBe(4);
    expect(shard.reply(1)).toEqual(['{t}k', 'a']);
    expect(shard.reply(2)).toEqual(['{t}k', 'd']);
    expect(shard.reply(3)).toEqual(['{t}k', ['b', 'c']]);
    expect(shard.replies(4)).toEqual([]); // nothing left for it: still blocked
    expect(shard.keyspace.get(keySlot('{t}k'), '{t}k')).toBeUndefined();
    expect(shard.blocking.registry.count).toBe(1);
    shard.run(5, 'LPUSH', '{t}k', 'e');
    shard.replies(5);
    expect(shard.reply(4)).toEqual(['{t}k', 'e']);
    expect(shard.blocking.registry.count).toBe(0);
    expect(shard.keyspace.stored).toBeUndefined(); // the hot path is as it was
    expect(blockingSignal.flags).toBe(0);
  });

  it('serve a BLMOVE chain in the same step, each waiter on the key that got a list', () => {
    const shard = new BlockingShard();
    for (const client of [1, 2, 3, 4]) shard.attach(client);
    shard.run(1, 'BLMOVE', '{t}a', '{t}b', 'LEFT', 'RIGHT', '0');
    shard.run(2, 'BRPOPLPUSH', '{t}b', '{t}c', '0');
    shard.run(3, 'BLPOP', '{t}c', '0');
    shard.run(4, 'LPUSH', '{t}a', 'v');
    expect(shard.reply(4)).toBe(1);
    expect(shard.reply(1)).toBe('v');
    expect(shard.reply(2)).toBe('v');
    expect(shard.reply(3)).toEqual(['{t}c', 'v']);
    expect(shard.blocking.registry.count).toBe(0);
  });

  it('serve from the key that got a list, as Redis 7.0: another key of another type is no error', () => {
    const shard = new BlockingShard();
    shard.attach(1);
    shard.attach(2);
    shard.run(1, 'BLPOP', '{t}a', '{t}b', '0');
    shard.run(2, 'SET', '{t}a', 'text'); // a string: no wake-up
    shard.run(2, 'RPUSH', '{t}b', 'x');
    expect(shard.reply(1)).toEqual(['{t}b', 'x']);
  });

  it('answer WRONGTYPE to a BLMOVE whose destination turned into another type, and serve on', () => {
    const shard = new BlockingShard();
    for (const client of [1, 2, 3]) shard.attach(client);
    shard.run(1, 'BLMOVE', '{t}a', '{t}s', 'LEFT', 'LEFT', '0');
    shard.run(2, 'BLPOP', '{t}a', '0');
    shard.run(3, 'SET', '{t}s', 'text');
    shard.run(3, 'RPUSH', '{t}a', 'x');
    expect((shard.reply(1) as ErrorReply).message).toBe(WRONGTYPE);
    expect(shard.reply(2)).toEqual(['{t}a', 'x']);
  });

  it('answer null when their deadline passes, on the shard', () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(1_000_000);
    const shard = new BlockingShard();
    shard.attach(1);
    shard.run(1, 'BLPOP', '{t}k', '0.05');
    shard.run(1, 'BLMOVE', '{t}a', '{t}b', 'LEFT', 'LEFT', '0.1');
    shard.run(1, 'BLPOP', 'forever', '0');
    expect(shard.blocking.nextAt).toBe(1_000_050);
    shard.blocking.step(1_000_049);
    expect(shard.replies(1)).toEqual([]);
    shard.blocking.step(1_000_050);
    expect(shard.replies(1)).toEqual([[1, null]]);
    expect(shard.blocking.nextAt).toBe(1_000_100);
    shard.blocking.step(1_000_100);
    expect(shard.replies(1)).toEqual([[2, null]]);
    expect(shard.blocking.registry.count).toBe(1);
    expect(shard.blocking.nextAt).toBe(1_001_000); // only the sweep for closed callers is left
  });

  it('answer null at once inside a transaction (noBlock)', () => {
    const shard = new BlockingShard();
    shard.attach(1);
    (shard.execution as unknown as { call: Call }).call.noBlock = true;
    try {
      shard.run(1, 'BLPOP', '{t}k', '0');
      shard.run(1, 'BLMOVE', '{t}a', '{t}b', 'LEFT', 'LEFT', '0');
      shard.run(1, 'BLMPOP', '0', '1', '{t}k', 'LEFT');
    } finally {
      (shard.execution as unknown as { call: Call }).call.noBlock = false;
    }
    expect(shard.replies(1).map(([, value]) => value)).toEqual([null, null, null]);
    expect(shard.blocking.registry.count).toBe(0);
  });

  it('are dropped, not served, once their caller closed or left its seat', () => {
    const shard = new BlockingShard();
    for (const client of [1, 2, 3]) shard.attach(client);
    shard.run(1, 'BLPOP', '{t}k', '0');
    shard.run(2, 'BLPOP', '{t}k', '0');
    shard.close(1);
    shard.clients.detach(2);
    shard.run(3, 'RPUSH', '{t}k', 'x');
    shard.replies(3);
    expect(shard.replies(1)).toEqual([]);
    expect(shard.keyspace.get(keySlot('{t}k'), '{t}k')).toBeDefined(); // nobody took it
    expect(shard.blocking.registry.count).toBe(0);
  });

  it('move to another shard in blocking order, with the time they have left', () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(5_000);
    const shard = new BlockingShard();
    shard.attach(1);
    shard.run(1, 'BLPOP', '{t}a', '{t}b', '2');
    shard.run(1, 'BLMPOP', '0', '1', '{t}c', 'RIGHT');
    shard.run(1, 'BRPOPLPUSH', '{t}d', '{t}e', '0.5');
    shard.run(1, 'BLPOP', 'elsewhere', '0');
    vi.setSystemTime(5_600);
    const sent: Buffer[] = [];
    shard.blocking.handOff(keySlot('{t}'), (frame) => sent.push(frame));
    const args = sent.map(frameArguments);
    expect(args).toEqual([
      ['{t}a', '{t}b', '1.400'],
      ['0', '1', '{t}c', 'RIGHT'],
    ]);
    expect(shard.replies(1)).toEqual([[3, null]]); // its 0.5 s were over
    expect(shard.blocking.registry.count).toBe(1);
  });
});

/** The arguments of a request frame (at 0), as one-byte strings. */
function frameArguments(frame: Buffer): string[] {
  const argc = readU32(frame, REQ_ARGC);
  const args: string[] = [];
  let p = REQ_HEADER_BYTES;
  for (let i = 0; i < argc; i++) {
    const bytes = readU32(frame, p);
    args.push(frame.toString('latin1', p + 4, p + 4 + bytes));
    p += 4 + bytes;
  }
  expect(readU32(frame, 0)).toBe(p);
  return args;
}
