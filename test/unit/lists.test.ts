// Lists: the ring-buffer value (against a plain array), its migration codec, and the handlers' edge
// cases that a differential test against Redis cannot see (key deletion, modified-key signals,
// the tracker a migration sets, the reusable end operations).

import { describe, expect, it } from 'vitest';
import { decodeValue } from '../../src/client/reply.js';
import { ErrorReply } from '../../src/errors.js';
import { beginReply, REP_HEADER_BYTES } from '../../src/shared/codec.js';
import { keySlotOfLatin1 } from '../../src/shared/key-slot.js';
import { SLOT_COUNT } from '../../src/shared/limits.js';
import { WRONGTYPE } from '../../src/shared/reply-errors.js';
import { createRingStorage, FrameWriter } from '../../src/shared/ring.js';
import { ValueKind } from '../../src/shared/value-types.js';
import { Call, type CommandHandler } from '../../workers/commands/call.js';
import { popFirstWithKey } from '../../workers/commands/lists/ends.js';
import {
  moveFromArguments,
  multiPopArguments,
  multiPopFrom,
} from '../../workers/commands/lists/push-pop.js';
import { handlers } from '../../workers/commands/lists.js';
import { Keyspace } from '../../workers/keyspace/keyspace.js';
import { listCodec } from '../../workers/keyspace/list-codec.js';
import { ListValue } from '../../workers/keyspace/list-value.js';
import type { MemberTracker } from '../../workers/keyspace/value.js';
import { VALUE_CODECS } from '../../workers/keyspace/value-codec.js';
import { Random } from '../support/random.js';

/** Runs list handlers against a keyspace through a Call, the way a shard does. */
class Harness {
  readonly keyspace = new Keyspace();
  readonly modified: string[] = [];
  private readonly call: Call;

  constructor() {
    this.call = new Call(this.keyspace, 0, new Uint16Array(SLOT_COUNT));
    this.call.out = new FrameWriter(createRingStorage(1 << 16));
    this.keyspace.watcher = (_slot, key) => this.modified.push(key);
  }

  run(name: keyof typeof handlers, ...args: string[]): unknown {
    return this.runHandler(handlers[name], name, args[name === 'lmpop' ? 1 : 0] ?? '', args);
  }

  /** Runs any handler; `key` picks the call's slot. */
  runHandler(handler: CommandHandler, name: string, key: string, args: string[]): unknown {
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
    call.slot = keySlotOfLatin1(key);
    call.name = name;
    const out = call.out;
    const start = beginReply(out, 1);
    handler(call);
    const reply = decodeValue(out.buf, out.view, start + REP_HEADER_BYTES, false);
    out.rollback(start);
    return reply;
  }

  list(key: string): ListValue | undefined {
    const value = this.keyspace.get(keySlotOfLatin1(key), key);
    return value === undefined ? undefined : (value as ListValue);
  }
}

/** A tracker that writes down every call. */
function recorder(): MemberTracker & { calls: string[] } {
  const calls: string[] = [];
  return {
    calls,
    member: (name) => calls.push(`member ${name}`),
    pushed: (head, count) => calls.push(`pushed ${head ? 'head' : 'tail'} ${count}`),
    popped: (head, count) => calls.push(`popped ${head ? 'head' : 'tail'} ${count}`),
    rewritten: () => calls.push('rewritten'),
  };
}

describe('ListValue', () => {
  it('pushes and pops at both ends across the ring edge, growing and shrinking', () => {
    const list = new ListValue();
    expect(list.kind).toBe(ValueKind.List);
    expect(list.capacity).toBe(4);
    for (let i = 0; i < 3; i++) list.push(true, `h${i}`);
    for (let i = 0; i < 3; i++) list.push(false, `t${i}`);
    expect(list.toArray()).toEqual(['h2', 'h1', 'h0', 't0', 't1', 't2']);
    expect(list.capacity).toBe(8);
    expect(list.at(0)).toBe('h2');
    expect(list.at(5)).toBe('t2');
    expect(list.pop(true)).toBe('h2');
    expect(list.pop(false)).toBe('t2');
    expect(list.size).toBe(4);
    list.pop(true);
    list.pop(true);
    expect(list.capacity).toBe(4); // a quarter full: halved
    expect(list.toArray()).toEqual(['t0', 't1']);
    expect(() => new ListValue().pop(true)).toThrow('pop from an empty list');
  });

  it('matches a plain array under random operations', () => {
    const r = new Random(20240607);
    const list = new ListValue();
    let model: string[] = [];
    for (let step = 0; step < 5000; step++) {
      const value = String(r.int(5));
      const op = r.int(model.length === 0 ? 2 : 8);
      if (op === 0) {
        list.push(true, value);
        model.unshift(value);
      } else if (op === 1) {
        list.push(false, value);
        model.push(value);
      } else if (op === 2) {
        expect(list.pop(true)).toBe(model.shift());
      } else if (op === 3) {
        expect(list.pop(false)).toBe(model.pop());
      } else if (op === 4) {
        const at = r.int(model.length + 1);
        list.insert(at, value);
        model.splice(at, 0, value);
      } else if (op === 5) {
        const at = r.int(model.length);
        list.set(at, value);
        model[at] = value;
      } else if (op === 6) {
        const count = r.between(-2, 2);
        expect(list.removeEqual(value, count)).toBe(removeEqual(model, value, count));
      } else {
        const start = r.int(model.length);
        const count = r.between(1, model.length - start);
        list.keep(start, count);
        model = model.slice(start, start + count);
      }
      expect(list.toArray()).toEqual(model);
      expect(list.capacity).toBeGreaterThanOrEqual(model.length);
      expect(list.capacity <= 4 || model.length > list.capacity / 4 || op < 2).toBe(true);
    }
  });

  it('tells its tracker of every change: ends as pushed/popped, the rest as rewritten', () => {
    const list = ListValue.of(['a', 'b', 'c', 'b']);
    const tracker = recorder();
    list.tracker = tracker;
    list.push(true, 'x');
    list.push(false, 'y');
    list.pop(true);
    list.pop(false);
    list.set(0, 'z');
    list.insert(1, 'i');
    expect(list.removeEqual('nope', 0)).toBe(0); // nothing changed: nothing told
    list.removeEqual('b', 0);
    list.keep(0, list.size); // the whole list kept: nothing changed
    list.keep(1, 1);
    expect(tracker.calls).toEqual([
      'pushed head 1',
      'pushed tail 1',
      'popped head 1',
      'popped tail 1',
      'rewritten',
      'rewritten',
      'rewritten',
      'rewritten',
    ]);
  });

  it('clones deeply, without the tracker', () => {
    const list = ListValue.of(['a', 'b']);
    list.tracker = recorder();
    const copy = list.clone();
    expect(copy.tracker).toBeUndefined();
    copy.push(false, 'c');
    copy.set(0, 'z');
    expect(list.toArray()).toEqual(['a', 'b']);
    expect(copy.toArray()).toEqual(['z', 'b', 'c']);
  });
});

/** LREM on a plain array, as Redis does it. */
function removeEqual(model: string[], value: string, count: number): number {
  const indexes = model.flatMap((element, i) => (element === value ? [i] : []));
  const chosen = count > 0 ? indexes.slice(0, count) : count < 0 ? indexes.slice(count) : indexes;
  for (const i of [...chosen].reverse()) model.splice(i, 1);
  return chosen.length;
}

describe('the list codec', () => {
  const encode = (list: ListValue): Buffer => {
    const bytes = listCodec.payloadBytes(list);
    const buf = Buffer.alloc(bytes + 3);
    listCodec.encode(list, buf, 3);
    return buf.subarray(3);
  };

  it('is the list entry of the value codec table and round-trips binary elements', () => {
    expect(VALUE_CODECS[ValueKind.List]).toBe(listCodec);
    const elements = ['', 'a', '\x00\xff\x80', 'x'.repeat(300)];
    const payload = encode(ListValue.of(elements));
    expect(payload.length).toBe(4 + elements.reduce((sum, e) => sum + 4 + e.length, 0));
    const decoded = listCodec.decode(payload, 0, payload.length) as ListValue;
    expect(decoded).toBeInstanceOf(ListValue);
    expect(decoded.toArray()).toEqual(elements);
  });

  it('refuses bytes that are not a list payload', () => {
    const payload = encode(ListValue.of(['ab', 'c']));
    expect(listCodec.decode(payload, 0, payload.length - 1)).toBeUndefined(); // truncated
    expect(listCodec.decode(Buffer.concat([payload, Buffer.of(0)]), 0, payload.length + 1)).toBe(
      undefined,
    ); // trailing bytes
    expect(listCodec.decode(Buffer.alloc(4), 0, 4)).toBeUndefined(); // empty list
    expect(listCodec.decode(Buffer.of(0xff, 0xff, 0xff, 0x7f), 0, 4)).toBeUndefined(); // count
    expect(listCodec.decode(Buffer.alloc(2), 0, 2)).toBeUndefined();
    const longElement = Buffer.from(payload);
    longElement.writeUInt32LE(1000, 4);
    expect(listCodec.decode(longElement, 0, longElement.length)).toBeUndefined();
  });
});

function expectWrongType(reply: unknown): void {
  expect(reply).toBeInstanceOf(ErrorReply);
  expect((reply as Error).message).toBe(WRONGTYPE);
}

describe('list handlers', () => {
  it('delete the key when the last element goes, whichever command takes it', () => {
    const cases: [keyof typeof handlers, ...string[]][] = [
      ['lpop', '{k}a', '5'],
      ['rpop', '{k}a', '2'],
      ['lrem', '{k}a', '0', 'a'],
      ['ltrim', '{k}a', '5', '10'],
      ['lmpop', '1', '{k}a', 'RIGHT', 'COUNT', '9'],
    ];
    for (const [name, ...args] of cases) {
      const h = new Harness();
      h.run('rpush', '{k}a', 'a', 'a');
      h.run(name, ...args);
      expect(h.list('{k}a'), name).toBeUndefined();
      expect(h.keyspace.keyCount, name).toBe(0);
    }
    const h = new Harness();
    h.run('rpush', '{k}a', 'x');
    expect(h.run('lmove', '{k}a', '{k}b', 'LEFT', 'RIGHT')).toBe('x');
    expect(h.list('{k}a')).toBeUndefined();
    expect(h.list('{k}b')?.toArray()).toEqual(['x']);
  });

  it('LMOVE onto the same key rotates the list and keeps a one-element list', () => {
    const h = new Harness();
    h.run('rpush', '{k}a', 'only');
    expect(h.run('lmove', '{k}a', '{k}a', 'LEFT', 'RIGHT')).toBe('only');
    expect(h.list('{k}a')?.toArray()).toEqual(['only']);
    h.run('rpush', '{k}a', 'b', 'c');
    expect(h.run('rpoplpush', '{k}a', '{k}a')).toBe('c');
    expect(h.list('{k}a')?.toArray()).toEqual(['c', 'only', 'b']);
  });

  it('signal a modified key once per change, and not when nothing changed (LTRIM and LSET as Redis: always)', () => {
    const h = new Harness();
    const signals = (name: keyof typeof handlers, ...args: string[]): number => {
      h.modified.length = 0;
      h.run(name, ...args);
      return h.modified.length;
    };
    expect(signals('rpush', 'k', 'a', 'b', 'c')).toBe(1); // created
    expect(signals('lpush', 'k', 'x', 'y')).toBe(1);
    expect(signals('lpushx', 'missing', 'x')).toBe(0);
    expect(signals('lrem', 'k', '0', 'nope')).toBe(0);
    expect(signals('lrem', 'k', '1', 'x')).toBe(1);
    expect(signals('linsert', 'k', 'BEFORE', 'nope', 'v')).toBe(0);
    expect(signals('linsert', 'k', 'AFTER', 'a', 'v')).toBe(1);
    expect(signals('lset', 'k', '0', 'y')).toBe(1);
    expect(signals('ltrim', 'k', '0', '-1')).toBe(1);
    expect(signals('lrange', 'k', '0', '-1')).toBe(0);
    expect(signals('lpop', 'k', '0')).toBe(0);
    expect(signals('lpop', 'k')).toBe(1);
    expect(signals('lpop', 'k', '100')).toBe(1); // deleted
    expect(h.list('k')).toBeUndefined();
  });

  it('tell the tracker a migration set: pushes and pops by end, other changes as rewrites', () => {
    const h = new Harness();
    h.run('rpush', 'k', 'a', 'b', 'c', 'd');
    const tracker = recorder();
    h.list('k')!.tracker = tracker;
    h.run('lpush', 'k', 'x', 'y');
    h.run('rpop', 'k', '2');
    h.run('lset', 'k', '1', 'z');
    h.run('ltrim', 'k', '1', '-1');
    expect(tracker.calls).toEqual([
      'pushed head 1',
      'pushed head 1',
      'popped tail 1',
      'popped tail 1',
      'rewritten',
      'rewritten',
    ]);
  });

  it('answer WRONGTYPE for a key of another type, after the argument errors Redis checks first', () => {
    const h = new Harness();
    h.keyspace.set(keySlotOfLatin1('s'), 's', 'text');
    const commands: [keyof typeof handlers, ...string[]][] = [
      ['lpush', 's', 'a'],
      ['rpushx', 's', 'a'],
      ['lpop', 's'],
      ['rpop', 's', '0'],
      ['llen', 's'],
      ['lrange', 's', '0', '1'],
      ['lindex', 's', 'x'], // the key is looked up before the index is read
      ['lset', 's', 'x', 'v'],
      ['linsert', 's', 'BEFORE', 'a', 'b'],
      ['lrem', 's', '0', 'a'],
      ['ltrim', 's', '0', '1'],
      ['lpos', 's', 'a'],
    ];
    for (const [name, ...args] of commands) expectWrongType(h.run(name, ...args));
    expect((h.run('lpop', 's', '-1') as Error).message).toBe(
      'ERR value is out of range, must be positive',
    );
    expect((h.run('lrange', 's', 'x', '1') as Error).message).toBe(
      'ERR value is not an integer or out of range',
    );
    expect((h.run('linsert', 's', 'MIDDLE', 'a', 'b') as Error).message).toBe('ERR syntax error');
    expect(h.keyspace.get(keySlotOfLatin1('s'), 's')).toBe('text');
  });

  it('LPOS RANK -2^63 searches from the tail with no COUNT limit, as Redis 7.0 does', () => {
    const h = new Harness();
    h.run('rpush', 'k', 'a', 'b', 'c', 'a', 'b');
    expect(h.run('lpos', 'k', 'a', 'RANK', '-9223372036854775808')).toBe(3);
    expect(h.run('lpos', 'k', 'a', 'RANK', '-9223372036854775808', 'COUNT', '1')).toEqual([3, 0]);
    expect(h.run('lpos', 'k', 'a', 'RANK', '-9223372036854775807', 'COUNT', '1')).toEqual([]);
  });

  it('exports the multi-pop steps for a blocking form whose keys start after a timeout', () => {
    const h = new Harness();
    h.run('rpush', '{k}b', '1', '2', '3');
    const blmpop = (call: Call): void => {
      const options = multiPopArguments(call, 1);
      if (options !== undefined && !multiPopFrom(call, 2, options)) call.nil();
    };
    const args = ['0', '2', '{k}a', '{k}b', 'RIGHT', 'COUNT', '2'];
    expect(h.runHandler(blmpop, 'blmpop', '{k}a', args)).toEqual(['{k}b', ['3', '2']]);
    expect(h.runHandler(blmpop, 'blmpop', '{k}a', ['0', '1', '{k}a', 'LEFT'])).toBeNull();
    const bad = h.runHandler(blmpop, 'blmpop', '{k}a', ['0', '0', '{k}a', 'LEFT']);
    expect((bad as Error).message).toBe('ERR numkeys should be greater than 0');
  });

  it('exports BLPOP-style and BLMOVE-style steps that answer nothing when there is no list', () => {
    const h = new Harness();
    h.run('rpush', '{k}b', '1', '2');
    h.keyspace.set(keySlotOfLatin1('{k}s'), '{k}s', 'text');
    const answered: boolean[] = [];
    const blpop = (call: Call): void => {
      const found = popFirstWithKey(call, 0, call.argc - 1, true);
      answered.push(found);
      if (!found) call.nil();
    };
    expect(h.runHandler(blpop, 'blpop', '{k}a', ['{k}a', '{k}b', '0'])).toEqual(['{k}b', '1']);
    expect(h.runHandler(blpop, 'blpop', '{k}a', ['{k}a', '0'])).toBeNull();
    expectWrongType(h.runHandler(blpop, 'blpop', '{k}a', ['{k}a', '{k}s', '{k}b', '0']));
    expect(answered).toEqual([true, false, true]);
    const blmove = (call: Call): void => {
      if (!moveFromArguments(call, false, true)) call.int(-1); // would block
    };
    expect(h.runHandler(blmove, 'blmove', '{k}b', ['{k}b', '{k}c', '0'])).toBe('2');
    expect(h.list('{k}b')).toBeUndefined();
    expect(h.runHandler(blmove, 'blmove', '{k}b', ['{k}b', '{k}c', '0'])).toBe(-1);
    expectWrongType(h.runHandler(blmove, 'blmove', '{k}c', ['{k}c', '{k}s', '0']));
    expect(h.list('{k}c')?.toArray()).toEqual(['2']);
  });
});
