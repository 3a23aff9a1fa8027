// Replies too big for one frame, for the commands that remove what they answer (SPOP, LPOP, RPOP,
// LMPOP, ZPOPMIN, ZPOPMAX, GETDEL, GETSET, SET ... GET, GETEX): the reply-limit error, and the data
// left exactly as it was, alone and inside EXEC. Inside EXEC the limit holds for the whole array
// of replies, so a command whose own reply fits may still not fit after the earlier ones: it must
// refuse before it changes anything, not pop and then lose its reply. The limit is lowered to 4 KiB
// here (the real one is about 513 MiB), so that small collections reach it.

import { describe, expect, it, vi } from 'vitest';

vi.mock('../../src/shared/limits.js', async (importOriginal) => {
  const original = await importOriginal<typeof import('../../src/shared/limits.js')>();
  return { ...original, REPLY_BYTES_MAX: 4096 };
});

const { COMMAND } = await import('../../src/commands/table.js');
const { keySlotOfLatin1 } = await import('../../src/shared/key-slot.js');
const { execArguments, NO_WATCH } = await import('../../src/transactions/exec-frame.js');
const { ShardHarness } = await import('../support/shard-harness.js');

type Shard = InstanceType<typeof ShardHarness>;
type Name = keyof typeof COMMAND;

const K = '{r}k';
/** A string whose GET takes 2,505 bytes of a transaction's 4,096. */
const PAD = '{r}pad';
const SLOT = keySlotOfLatin1(K);
/** 60 members of 52 bytes: about 3.5 KiB in a reply, which fits alone but not after PAD. */
const MEMBERS = Array.from(
  { length: 60 },
  (_, i) => `m${String(i).padStart(3, '0')}-${'x'.repeat(47)}`,
);

function fill(shard: Shard, type: string): void {
  if (type === 'set') shard.run('sadd', SLOT, [K, ...MEMBERS]);
  else if (type === 'list') shard.run('rpush', SLOT, [K, ...MEMBERS]);
  else if (type === 'zset') shard.run('zadd', SLOT, [K, ...MEMBERS.flatMap((m, i) => [`${i}`, m])]);
  else shard.run('set', SLOT, [K, MEMBERS.join('')]);
  shard.run('pexpire', SLOT, [K, '100000']);
  shard.run('set', SLOT, [PAD, 'p'.repeat(2500)]);
}

/** The key's type, contents and whether it keeps its deadline. */
function state(shard: Shard): unknown[] {
  const type = shard.run('type', SLOT, [K]);
  // Which of the members this file ever adds the set holds (SMEMBERS may pass the limit).
  const known = [...MEMBERS, 'y'.repeat(900), 'y'.repeat(899), 'v'.repeat(2000), 'w'.repeat(2000)];
  const read: Record<string, [Name, string[]]> = {
    set: ['smismember', [K, ...known]],
    list: ['lrange', [K, '0', '-1']],
    zset: ['zrange', [K, '0', '-1', 'WITHSCORES']],
    string: ['get', [K]],
  };
  const [name, args] = read[String(type)]!;
  const contents = shard.run(name, SLOT, args);
  return [type, contents, (shard.run('pttl', SLOT, [K]) as number) > 0];
}

/** EXEC of GET PAD (2.5 KiB) then `name args`: the second reply. */
function afterPad(shard: Shard, name: Name, args: string[]): unknown {
  const queued = [
    { op: COMMAND.get.op, args: [PAD] },
    { op: COMMAND[name].op, args },
  ];
  const replies = shard.run('exec', SLOT, execArguments(NO_WATCH, [K, PAD], queued)) as unknown[];
  expect(replies[0]).toBe('p'.repeat(2500));
  return replies[1];
}

const LIMIT_ERROR = /^ERR slotdb: reply of \d+ bytes exceeds slotdb's reply limit of 4096 bytes/;

const CASES: [type: string, name: Name, args: string[]][] = [
  ['set', 'spop', [K, '50']],
  ['set', 'spop', [K, '1000']],
  ['list', 'lpop', [K, '50']],
  ['list', 'rpop', [K, '1000']],
  ['list', 'lmpop', ['1', K, 'LEFT', 'COUNT', '1000']],
  ['zset', 'zpopmin', [K, '50']],
  ['zset', 'zpopmax', [K, '1000']],
];

describe('a pop whose reply cannot fit the frame pops nothing', () => {
  for (const [type, name, args] of CASES) {
    it(`${name} ${args.join(' ')} alone, on a bigger ${type}`, () => {
      const shard = new ShardHarness();
      fill(shard, type);
      const extra = 'y'.repeat(900);
      if (type === 'zset') shard.run('zadd', SLOT, [K, '-1', extra, '99', extra.slice(1)]);
      else shard.run(type === 'list' ? 'lpush' : 'sadd', SLOT, [K, extra, extra.slice(1)]);
      const before = state(shard);
      const whole = args.map((arg) => (arg === '50' ? '1000' : arg));
      expect((shard.run(name, SLOT, whole) as Error).message).toMatch(LIMIT_ERROR);
      expect(state(shard)).toEqual(before);
    });

    it(`${name} ${args.join(' ')} inside EXEC, after replies that leave too little room`, () => {
      const shard = new ShardHarness();
      fill(shard, type);
      const before = state(shard);
      expect((afterPad(shard, name, args) as Error).message).toMatch(LIMIT_ERROR);
      expect(state(shard)).toEqual(before);
    });
  }
});

describe('a single value removed inside EXEC is kept when its reply cannot fit', () => {
  const big = (shard: Shard, type: string): void => {
    fill(shard, type);
    const value = 'v'.repeat(2000);
    if (type === 'set') shard.run('sadd', SLOT, [K, value]);
    else if (type === 'zset') shard.run('zadd', SLOT, [K, '-1', value]);
    else if (type === 'string') shard.run('set', SLOT, [K, value, 'KEEPTTL']);
    else shard.run('lpush', SLOT, [K, value]);
  };
  const singles: [type: string, name: Name, args: string[]][] = [
    ['zset', 'zpopmin', [K]],
    ['string', 'getdel', [K]],
    ['string', 'getset', [K, 'new']],
    ['string', 'set', [K, 'new', 'GET']],
    ['string', 'getex', [K, 'PERSIST']],
  ];
  for (const [type, name, args] of singles) {
    it(`${name} ${args.join(' ')}`, () => {
      const shard = new ShardHarness();
      big(shard, type);
      const before = state(shard);
      expect((afterPad(shard, name, args) as Error).message).toMatch(LIMIT_ERROR);
      expect(state(shard)).toEqual(before);
    });
  }

  it('spop (one random member: whichever it is, the set keeps it)', () => {
    const shard = new ShardHarness();
    fill(shard, 'set');
    shard.run('del', SLOT, [K]);
    shard.run('sadd', SLOT, [K, 'v'.repeat(2000), 'w'.repeat(2000)]);
    const before = state(shard);
    expect((afterPad(shard, 'spop', [K]) as Error).message).toMatch(LIMIT_ERROR);
    expect(state(shard)).toEqual(before);
  });

  // LPOP and RPOP without a count, LMOVE and RPOPLPUSH check their element's reply before they
  // take it: inside EXEC after large replies, the element stays where it was (it used to be popped
  // and lost, or moved, with its reply replaced by the reply-limit error). The big element sits at
  // both ends, so RPOPLPUSH (from the tail) meets it too.
  for (const [name, args] of [
    ['lpop', [K]],
    ['rpoplpush', [K, K]],
    ['lmove', [K, '{r}other', 'LEFT', 'RIGHT']],
  ] as [Name, string[]][]) {
    it(`${name} ${args.join(' ')}`, () => {
      const shard = new ShardHarness();
      big(shard, 'list');
      shard.run('rpush', SLOT, [K, 'w'.repeat(2000)]);
      const before = state(shard);
      expect((afterPad(shard, name, args) as Error).message).toMatch(LIMIT_ERROR);
      expect(state(shard)).toEqual(before);
      expect(shard.run('exists', SLOT, ['{r}other'])).toBe(0);
    });
  }
});
