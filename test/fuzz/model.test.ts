// Model-based fuzz: seeded random commands go to a 4-shard database and to a plain Map model; every
// reply must equal the model's, and after every step the whole key pool must hold what the model
// holds. Commands are sent one at a time, in pipelined batches (one tick), and through db.sync.
// The seed is printed; SLOTDB_FUZZ_SEED=<seed> replays a failure.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SlotDB } from '../../dist/src/index.js';
import { type Arg, KEYS } from '../support/commands.js';
import { MapModel, type Reply } from '../support/model.js';
import { fuzzSeed, Random } from '../support/random.js';

const TAGGED = KEYS.filter((key) => typeof key === 'string' && key.startsWith('{t}'));

function value(r: Random): Arg {
  switch (r.int(5)) {
    case 0:
      return String(r.between(-50, 50));
    case 1:
      return Buffer.from([r.int(256), 0, 0xc3, r.int(256)]);
    case 2:
      return r.pick(['9223372036854775807', '-9223372036854775808', '']);
    default:
      return `v${r.int(1000)}`;
  }
}

function command(r: Random): Arg[] {
  const key = r.pick(KEYS);
  const some = (n: number): Arg[] => Array.from({ length: r.between(1, n) }, () => r.pick(KEYS));
  switch (r.int(20)) {
    case 0:
    case 1:
      return ['GET', key];
    case 2:
    case 3: {
      const args: Arg[] = ['SET', key, value(r)];
      if (r.chance(0.3)) args.push(r.pick(['NX', 'XX']));
      if (r.chance(0.3)) args.push('GET');
      return args;
    }
    case 4:
      return ['SETNX', key, value(r)];
    case 5:
      return ['GETSET', key, value(r)];
    case 6:
      return ['GETDEL', key];
    case 7:
      return ['DEL', ...some(4)];
    case 8:
      return ['EXISTS', ...some(4)];
    case 9:
      return ['INCR', key];
    case 10:
      return ['INCRBY', key, String(r.between(-1000, 1000))];
    case 11:
      return ['DECRBY', key, String(r.between(-1000, 1000))];
    case 12:
      return ['APPEND', key, value(r)];
    case 13:
      return ['STRLEN', key];
    case 14:
      return ['MGET', ...some(6)];
    case 15:
      return ['MSET', ...some(4).flatMap((k) => [k, value(r)])];
    case 16:
      return [
        'MSETNX',
        ...Array.from({ length: r.between(1, 3) }, () => [r.pick(TAGGED), value(r)]).flat(),
      ];
    case 17:
      return ['DBSIZE'];
    case 18:
      return ['TYPE', key];
    default:
      return r.chance(0.5) ? ['EXPIRE', key, '-1'] : ['PERSIST', key];
  }
}

/** A reply as the test compares it: bulk strings as hex, errors as their text. */
function normal(reply: unknown): unknown {
  if (Buffer.isBuffer(reply)) return `<${reply.toString('hex')}>`;
  if (Array.isArray(reply)) return reply.map(normal);
  if (reply instanceof Error) return { error: reply.message };
  if (reply !== null && typeof reply === 'object' && 'error' in reply) return reply;
  return reply;
}

const STEPS = 1500;

describe('model-based fuzz over 4 shards', () => {
  let db: SlotDB;
  beforeAll(async () => {
    db = await SlotDB.open({ shards: 4 });
  });
  afterAll(async () => {
    await db.close();
  });

  async function checkState(model: MapModel, where: string): Promise<void> {
    const stored = (await db.withBuffers().mGet([...KEYS])) as (Buffer | null)[];
    const expected = KEYS.map((key) => {
      const value = model.data.get(
        (typeof key === 'string' ? Buffer.from(key) : key).toString('latin1'),
      );
      return value === undefined ? null : `<${Buffer.from(value, 'latin1').toString('hex')}>`;
    });
    expect(stored.map(normal), where).toEqual(expected);
  }

  it('one command at a time, state compared after every step', async () => {
    const seed = fuzzSeed();
    console.log(`model fuzz (serial) seed ${seed}`);
    const r = new Random(seed);
    const model = new MapModel();
    const buffers = db.withBuffers();
    await db.flushAll();
    for (let step = 0; step < STEPS; step++) {
      const args = command(r);
      const expected: Reply = model.apply(args);
      const actual = await buffers.sendCommand(args).catch((error: Error) => error);
      const where = `seed ${seed} step ${step}: ${args.map(String).join(' ')}`;
      expect(normal(actual), where).toEqual(normal(expected));
      await checkState(model, where);
    }
  });

  it('pipelined batches of one tick, replies in issue order, state compared after every batch', async () => {
    const seed = fuzzSeed();
    console.log(`model fuzz (pipelined) seed ${seed}`);
    const r = new Random(seed);
    const model = new MapModel();
    const buffers = db.withBuffers();
    await db.flushAll();
    for (let batch = 0; batch < STEPS / 15; batch++) {
      const commands = Array.from({ length: r.between(1, 30) }, () => command(r));
      const promises = commands.map((args) =>
        buffers.sendCommand(args).catch((error: Error) => error),
      );
      const expected = commands.map((args) => model.apply(args));
      const actual = await Promise.all(promises);
      const where = `seed ${seed} batch ${batch}`;
      expect(actual.map(normal), where).toEqual(expected.map(normal));
      await checkState(model, where);
    }
  });

  it('mixing async and sync calls keeps issue order', async () => {
    const seed = fuzzSeed();
    console.log(`model fuzz (sync) seed ${seed}`);
    const r = new Random(seed);
    const model = new MapModel();
    const buffers = db.withBuffers();
    await db.flushAll();
    for (let step = 0; step < STEPS / 3; step++) {
      // An async command left unawaited, then a sync one: the sync one must see its effect.
      const first = command(r);
      const second = command(r);
      const pending = buffers.sendCommand(first).catch((error: Error) => error);
      const expectedFirst = model.apply(first);
      let actualSecond: unknown;
      try {
        actualSecond = buffers.sync.sendCommand(second);
      } catch (error) {
        actualSecond = error;
      }
      const expectedSecond = model.apply(second);
      const where = `seed ${seed} step ${step}: ${first.map(String).join(' ')} ; ${second.map(String).join(' ')}`;
      expect(normal(actualSecond), where).toEqual(normal(expectedSecond));
      expect(normal(await pending), where).toEqual(normal(expectedFirst));
    }
    await checkState(model, `seed ${seed} end`);
  });
});
