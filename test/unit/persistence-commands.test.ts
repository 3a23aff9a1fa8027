// The persistence commands without workers: WAITAOF's, BGSAVE's argument checks in Redis's order
// and texts (workers/commands/persistence.ts), what they ask the shard (waitSignal), WAITAOF inside
// EXEC; held WAITAOF requests answered as [local, replicas] once the log holds the caller's write
// on disk and enough replicas do (workers/replication/waits.ts); WAITAOF's merge over shards.

import { afterEach, describe, expect, it } from 'vitest';
import { decodeValue } from '../../src/client/reply.js';
import { ReplyPolicy } from '../../src/commands/declaration.js';
import { REPLY_REDUCERS } from '../../src/commands/replies.js';
import { beginReply, REP_HEADER_BYTES, REP_ID } from '../../src/shared/codec.js';
import { SLOT_COUNT } from '../../src/shared/limits.js';
import { createRingStorage, FrameWriter } from '../../src/shared/ring.js';
import { Call, type CommandHandler } from '../../workers/commands/call.js';
import { handlers } from '../../workers/commands/persistence.js';
import { Keyspace } from '../../workers/keyspace/keyspace.js';
import { HeldKind, waitSignal } from '../../workers/replication/signal.js';
import { type PendingWait, Waits } from '../../workers/replication/waits.js';
import type { ClientLink } from '../../workers/shard/client-links.js';

const NOT_INTEGER = 'ERR value is not an integer or out of range';
const LOCAL_RANGE = 'ERR value is out of range, value must between 0 and 1';
const NOT_POSITIVE = 'ERR value is out of range, must be positive';
const TIMEOUT_NOT_INTEGER = 'ERR timeout is not an integer or out of range';
const TIMEOUT_NEGATIVE = 'ERR timeout is negative';

const call = new Call(new Keyspace(), 0, new Uint16Array(SLOT_COUNT));
call.out = new FrameWriter(createRingStorage(1 << 16));

/** Runs `handler` with `args`: its reply (an Error for an error reply), or 'held' if it wrote none. */
function run(handler: CommandHandler, ...args: string[]): unknown {
  waitSignal.asked = false;
  const bytes = args.map((arg) => Buffer.from(arg, 'latin1'));
  call.buf = Buffer.concat(bytes);
  let at = 0;
  bytes.forEach((arg, i) => {
    call.argStart[i] = at;
    at += arg.length;
    call.argEnd[i] = at;
  });
  call.argc = args.length;
  const out = call.out;
  const start = beginReply(out, 1);
  handler(call);
  const written = out.tail > start + REP_HEADER_BYTES;
  const reply = written ? decodeValue(out.buf, out.view, start + REP_HEADER_BYTES, false) : 'held';
  out.rollback(start);
  return reply instanceof Error ? reply.message : reply;
}

afterEach(() => {
  call.noBlock = false;
  waitSignal.aofNow = () => [0, 0];
});

describe('WAITAOF arguments', () => {
  it('refuses bad ones with Redis’s texts, numlocal first, then numreplicas, then the timeout', () => {
    const cases: [string[], string][] = [
      [['x', '0', '0'], NOT_INTEGER],
      [['1.5', '0', '0'], NOT_INTEGER],
      [['2', '0', '0'], LOCAL_RANGE],
      [['-1', '0', '0'], LOCAL_RANGE],
      [['2', '-1', '-1'], LOCAL_RANGE],
      [['1', 'x', '0'], NOT_INTEGER],
      [['1', '-1', '-1'], NOT_POSITIVE],
      [['1', '0', 'x'], TIMEOUT_NOT_INTEGER],
      [['1', '0', '1.5'], TIMEOUT_NOT_INTEGER],
      [['1', '0', '-1'], TIMEOUT_NEGATIVE],
    ];
    for (const [args, error] of cases) {
      expect(run(handlers.waitaof, ...args), args.join(' ')).toBe(error);
      expect(waitSignal.asked).toBe(false);
    }
  });

  it('asks the shard to hold the request with the counts and the timeout', () => {
    expect(run(handlers.waitaof, '1', '2', '250')).toBe('held');
    expect(waitSignal).toMatchObject({
      asked: true,
      kind: HeldKind.WaitAof,
      local: 1,
      needed: 2,
      timeoutMs: 250,
    });
    expect(run(handlers.waitaof, '0', '0', '0')).toBe('held');
    expect(waitSignal).toMatchObject({ local: 0, needed: 0, timeoutMs: 0 });
  });

  it('answers at once inside EXEC, with the pair or the refusal the shard gives', () => {
    call.noBlock = true;
    waitSignal.aofNow = (local) => (local === 1 ? [1, 2] : [0, 2]);
    expect(run(handlers.waitaof, '1', '5', '0')).toEqual([1, 2]);
    expect(run(handlers.waitaof, '0', '5', '0')).toEqual([0, 2]);
    expect(waitSignal.asked).toBe(false);
    waitSignal.aofNow = () => 'ERR no log here';
    expect(run(handlers.waitaof, '1', '0', '0')).toBe('ERR no log here');
    // The arguments are checked first, as Redis does in MULTI.
    expect(run(handlers.waitaof, '3', '0', '0')).toBe(LOCAL_RANGE);
  });
});

describe('snapshot commands', () => {
  it('BGSAVE takes SCHEDULE (any case) and nothing else', () => {
    expect(run(handlers.bgsave)).toBe('held');
    expect(waitSignal).toMatchObject({ asked: true, kind: HeldKind.BgSave, schedule: false });
    expect(run(handlers.bgsave, 'schedule')).toBe('held');
    expect(waitSignal).toMatchObject({ kind: HeldKind.BgSave, schedule: true });
    expect(run(handlers.bgsave, 'NOW')).toBe('ERR syntax error');
    expect(run(handlers.bgsave, 'SCHEDULE', 'SCHEDULE')).toBe('ERR syntax error');
    expect(waitSignal.asked).toBe(false);
  });

  it('SAVE and BGREWRITEAOF ask for their snapshot', () => {
    expect(run(handlers.save)).toBe('held');
    expect(waitSignal.kind).toBe(HeldKind.Save);
    expect(run(handlers.bgrewriteaof)).toBe('held');
    expect(waitSignal.kind).toBe(HeldKind.BgRewriteAof);
  });
});

function link(client: number): ClientLink {
  return {
    client,
    generation: 1,
    replies: new FrameWriter(createRingStorage(1 << 12)),
    dirty: false,
    lastWriteOffset: 0,
  } as unknown as ClientLink;
}

/** The replies staged for `of`: [request id, value]. */
function replies(of: ClientLink): [number, unknown][] {
  const w = of.replies;
  const out: [number, unknown][] = [];
  for (let p = w.head; p < w.tail; p += w.view.getUint32(p, true)) {
    out.push([
      w.view.getUint32(p + REP_ID, true),
      decodeValue(w.buf, w.view, p + REP_HEADER_BYTES, false),
    ]);
  }
  return out;
}

function waitAof(
  of: ClientLink,
  id: number,
  offset: number,
  local: number,
  needed: number,
  deadline = Number.POSITIVE_INFINITY,
): PendingWait {
  return { link: of, generation: 1, id, offset, needed, deadline, timing: undefined, local };
}

describe('held WAITAOF requests', () => {
  it('are answered [local, replicas] once the log has the offset on disk and the replicas hold it', () => {
    let synced = 100;
    const acks = [0];
    const waits = new Waits(() => synced);
    const a = link(1);
    waits.add(waitAof(a, 1, 500, 1, 0));
    waits.add(waitAof(a, 2, 500, 1, 1));
    waits.add(waitAof(a, 3, 500, 0, 1));
    const count = (offset: number): number => acks.filter((held) => held >= offset).length;
    expect(waits.settle(0, count)).toBe(0);
    expect(waits.anyLocalDone(count)).toBe(false);
    synced = 500;
    // The first can go now; the second still lacks its replica, and alone would not stop a park.
    expect(waits.anyLocalDone(count)).toBe(true);
    expect(waits.settle(0, count)).toBe(1);
    expect(waits.anyLocalDone(count)).toBe(false);
    acks[0] = 600;
    expect(waits.settle(0, count)).toBe(2);
    expect(replies(a)).toEqual([
      [1, [1, 0]],
      [2, [1, 1]],
      [3, [1, 1]],
    ]);
  });

  it('answer at their deadline with what they reached, and WAITs beside them answer a count', () => {
    const waits = new Waits(() => -1);
    const a = link(1);
    waits.add(waitAof(a, 1, 0, 1, 0, 1000));
    waits.add({ ...waitAof(a, 2, 0, 0, 3, 1000), local: undefined });
    expect(waits.settle(999, () => 2)).toBe(0);
    expect(waits.settle(1000, () => 2)).toBe(2);
    expect(replies(a)).toEqual([
      [1, [0, 2]],
      [2, 2],
    ]);
  });
});

describe('WAITAOF over several shards', () => {
  it('answers the least local and the least replicas', () => {
    const merge = REPLY_REDUCERS[ReplyPolicy.MinPair];
    expect(
      merge([
        [1, 2],
        [0, 3],
        [1, 1],
      ]),
    ).toEqual([0, 1]);
    expect(merge([[1, 0]])).toEqual([1, 0]);
  });
});
