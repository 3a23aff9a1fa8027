// Model-based fuzz with replicas: seeded random commands of every type family go to a database
// whose shards have replicas. String commands on their own keys are checked against a plain Map
// model (test/support/model.ts) after every step, as the model fuzz does; the other families, with
// short deadlines, SPOP, transactions, blocked pops served later, FLUSHALL, COPY and RENAME and big
// collections, change keys the model does not hold. Every few steps the test waits for every
// replica (WAIT n 0) and checks that each replica holds exactly what its primary holds
// (test/support/replicas.ts). On the way a replica is killed, so that its replacement gets a full
// copy while writes go on, and a primary is made to drop a lagging replica, which then gets a new
// copy. SLOTDB_FUZZ_SEED=<seed> replays a run.

import { describe, expect, it } from 'vitest';
import type { BufferCommands } from '../../dist/src/index.js';
import { replicaWorker, setShardFaults } from '../../dist/src/testing.js';
import { randomBlockingCommand } from '../support/blocking-commands.js';
import { type Arg, KEYS } from '../support/commands.js';
import { randomCrossCommand } from '../support/cross-type-commands.js';
import { type SlotDB, withDb } from '../support/db.js';
import { randomHashCommand } from '../support/hash-commands.js';
import { randomListCommand } from '../support/list-commands.js';
import { MapModel, type Reply } from '../support/model.js';
import { fuzzSeed, Random } from '../support/random.js';
import { copiesSent, expectReplicasEqual } from '../support/replicas.js';
import { randomSetCommand } from '../support/sets-commands.js';
import { randomZsetCommand } from '../support/zset-commands.js';

const STEPS = 900;
const CHECK_EVERY = 60;
const TAGGED = KEYS.filter((key) => typeof key === 'string' && key.startsWith('{t}'));
/** Keys only the unmodelled commands touch: deadlines, copies, renames, big collections. */
const EXTRA = ['{e}a', '{e}b', '{e}c', '{e}d', '{e}big', 'e1', 'e2'];

function value(r: Random): Arg {
  switch (r.int(4)) {
    case 0:
      return String(r.between(-50, 50));
    case 1:
      return Buffer.from([r.int(256), 0, 0xc3, r.int(256)]);
    default:
      return `v${r.int(1000)}`;
  }
}

/** A string command the Map model knows (model.test.ts's mix, without DBSIZE). */
function modelCommand(r: Random): Arg[] {
  const key = r.pick(KEYS);
  const some = (n: number): Arg[] => Array.from({ length: r.between(1, n) }, () => r.pick(KEYS));
  switch (r.int(12)) {
    case 0:
      return ['GET', key];
    case 1:
    case 2: {
      const args: Arg[] = ['SET', key, value(r)];
      if (r.chance(0.3)) args.push(r.pick(['NX', 'XX']));
      if (r.chance(0.3)) args.push('GET');
      return args;
    }
    case 3:
      return ['GETSET', key, value(r)];
    case 4:
      return ['GETDEL', key];
    case 5:
      return ['DEL', ...some(3)];
    case 6:
      return ['INCRBY', key, String(r.between(-1000, 1000))];
    case 7:
      return ['APPEND', key, value(r)];
    case 8:
      return ['MSET', ...some(3).flatMap((k) => [k, value(r)])];
    case 9:
      return ['MSETNX', ...[r.pick(TAGGED), value(r), r.pick(TAGGED), value(r)]];
    case 10:
      return r.chance(0.5) ? ['EXPIRE', key, '-1'] : ['PERSIST', key];
    default:
      return ['MGET', ...some(5)];
  }
}

/** Short deadlines, PERSIST racing them, COPY and RENAME on keys the model does not hold. */
function extraCommand(r: Random): Arg[] {
  const key = r.pick(EXTRA);
  const other = r.pick(EXTRA.slice(0, 4));
  switch (r.int(10)) {
    case 0:
      return ['SET', key, value(r), 'PX', String(r.between(1, 40))];
    case 1:
      return ['PEXPIRE', key, String(r.between(1, 40))];
    case 2:
      return ['PERSIST', key];
    case 3:
      return ['SADD', key, ...Array.from({ length: r.between(1, 5) }, () => `m${r.int(8)}`)];
    case 4:
      return ['SPOP', key, ...(r.chance(0.5) ? [String(r.between(1, 3))] : [])];
    case 5:
      return ['COPY', r.pick(EXTRA.slice(0, 4)), other, ...(r.chance(0.5) ? ['REPLACE'] : [])];
    case 6:
      return [r.pick(['RENAME', 'RENAMENX']), r.pick(EXTRA.slice(0, 4)), other];
    case 7:
      return ['RPUSH', key, value(r), value(r)];
    case 8:
      return ['GETEX', key, 'PX', String(r.between(1, 40))];
    default:
      return ['ZADD', key, String(r.between(-5, 5)), `z${r.int(6)}`];
  }
}

/** A write to the filler keys (a copy is under way). */
function fillerWrite(r: Random, i: number): Arg[] {
  const key = `fill:${r.int(20_000)}`;
  switch (i % 4) {
    case 0:
      return ['DEL', key];
    case 1:
      return ['SET', key, `w${i}`, 'PX', String(r.between(1, 30))];
    case 2:
      return ['APPEND', key, 'x'];
    default:
      return ['SET', key, `w${i}`];
  }
}

/** A few commands of one slot for a transaction. */
function transaction(r: Random): Arg[][] {
  const family = r.chance(0.5)
    ? (x: Random) => randomSetCommand(x).args
    : (x: Random) => randomZsetCommand(x);
  return Array.from({ length: r.between(2, 6) }, () => family(r));
}

/** A collection of a few thousand members (the copies send it in parts). */
function bigCommand(r: Random): Arg[] {
  const members = Array.from({ length: 3000 }, (_, i) => `member-${i}-${r.int(100)}`);
  switch (r.int(4)) {
    case 0:
      return ['RPUSH', '{e}big', ...members];
    case 1:
      return ['SADD', 'e1', ...members];
    case 2:
      return ['HSET', 'e2', ...members.flatMap((m) => [m, m])];
    default:
      return ['ZADD', '{e}a', ...members.flatMap((m, i) => [String(i / 3), m])];
  }
}

/** A key whose slot `shard` serves. */
function keyOfShard(db: SlotDB, shard: number, prefix: string): string {
  const primary = db.stats().shards[shard]!.primary;
  for (let i = 0; ; i++) {
    if (db.slotOwner(db.sync.clusterKeySlot(`${prefix}${i}`)) === primary) return `${prefix}${i}`;
  }
}

function normal(reply: unknown): unknown {
  if (Buffer.isBuffer(reply)) return `<${reply.toString('hex')}>`;
  if (Array.isArray(reply)) return reply.map(normal);
  if (reply instanceof Error) return { error: reply.message };
  return reply;
}

class Run {
  readonly model = new MapModel();
  readonly buffers: BufferCommands;

  constructor(
    readonly db: SlotDB,
    readonly r: Random,
    readonly seed: number,
  ) {
    this.buffers = db.withBuffers();
  }

  send(args: Arg[]): Promise<unknown> {
    return this.buffers.sendCommand(args).catch((error: Error) => error);
  }

  async modelStep(where: string): Promise<void> {
    const args = modelCommand(this.r);
    const expected: Reply = this.model.apply(args);
    const actual = await this.send(args);
    expect(normal(actual), `${where}: ${args.map(String).join(' ')}`).toEqual(normal(expected));
  }

  /** Every key the model holds, read back (the model fuzz's check). */
  async checkModel(where: string): Promise<void> {
    const stored = (await this.buffers.sendCommand(['MGET', ...KEYS])) as (Buffer | null)[];
    const expected = KEYS.map((key) => {
      const value = this.model.data.get(
        (typeof key === 'string' ? Buffer.from(key) : key).toString('latin1'),
      );
      return value === undefined ? null : `<${Buffer.from(value, 'latin1').toString('hex')}>`;
    });
    expect(stored.map(normal), where).toEqual(expected);
  }

  /**
   * A blocking pop parked first, then served from the key after the first it waits on: the first
   * key then holds a string, or got a list in the same transaction, just after the ready one.
   */
  async servedLater(): Promise<void> {
    const r = this.r;
    await this.send(['DEL', '{l}c', '{l}d']);
    const blocked = r.pick<Arg[]>([
      ['BLPOP', '{l}c', '{l}d', '5'],
      ['BRPOP', '{l}c', '{l}d', '5'],
      ['BLMPOP', '5', '2', '{l}c', '{l}d', 'RIGHT', 'COUNT', '2'],
      ['BLMOVE', '{l}d', '{l}a', 'LEFT', 'RIGHT', '5'],
      ['BRPOPLPUSH', '{l}d', '{l}b', '5'],
    ]);
    const reply = this.send(blocked);
    await new Promise((resolve) => setTimeout(resolve, 2));
    if (r.chance(0.5)) {
      await this.send(['SET', '{l}c', 'not a list']);
      await this.send(['RPUSH', '{l}d', 'x', 'y', 'z']);
    } else {
      const multi = this.buffers.multi();
      multi.addCommand(['RPUSH', '{l}d', 'x', 'y', 'z']);
      multi.addCommand(['RPUSH', '{l}c', 'a', 'b', 'c']);
      await multi.exec();
    }
    await reply;
  }

  async otherStep(): Promise<void> {
    const r = this.r;
    const pick = r.int(100);
    if (pick < 12) await this.send(randomListCommand(r));
    else if (pick < 24) await this.send(randomHashCommand(r));
    else if (pick < 36) await this.send(randomSetCommand(r).args);
    else if (pick < 48) await this.send(randomZsetCommand(r));
    else if (pick < 56) await this.send(randomCrossCommand(r));
    else if (pick < 62) await this.send(randomBlockingCommand(r));
    else if (pick < 85) await this.send(extraCommand(r));
    else if (pick < 92) {
      const multi = this.buffers.multi();
      for (const args of transaction(r)) multi.addCommand(args);
      await multi.exec().catch(() => undefined);
    } else if (pick < 96) await this.servedLater();
    else if (pick < 98) await this.send(bigCommand(r));
    else {
      await this.send(['FLUSHALL']);
      this.model.data.clear();
    }
  }

  async checkReplicas(step: number, replicas: number): Promise<void> {
    expect(await this.db.wait(replicas, 0)).toBe(replicas);
    await expectReplicasEqual(this.db, `seed ${this.seed} step ${step}`);
  }
}

async function fuzz(shards: number, replicas: number): Promise<void> {
  const seed = fuzzSeed();
  console.log(`replication fuzz (shards ${shards}, replicas ${replicas}) seed ${seed}`);
  await withDb({ shards, replicas }, async (db) => {
    const run = new Run(db, new Random(seed), seed);
    for (let step = 0; step < STEPS; step++) {
      const where = `seed ${seed} step ${step}`;
      if (run.r.chance(0.35)) await run.modelStep(where);
      else await run.otherStep();
      await run.checkModel(where);
      if (step === Math.floor(STEPS / 3)) {
        // A replica dies: its replacement gets a full copy (of enough keys to take several loop
        // turns) while the writes go on, pipelined.
        for (let i = 0; i < 20_000; i += 2000) {
          const pairs = Array.from({ length: 2000 }, (_, j) => [`fill:${i + j}`, `f${j}`]).flat();
          await run.send(['MSET', ...pairs]);
        }
        await replicaWorker(db, 0, 0).terminate();
        await Promise.all(Array.from({ length: 400 }, (_, i) => run.send(fillerWrite(run.r, i))));
      }
      if (step === Math.floor((2 * STEPS) / 3)) {
        // The primary of shard 0 drops a replica that falls behind: a record bigger than its ring.
        const before = await copiesSent(db, 0);
        await setShardFaults(db, 0, { replicaBacklogBytes: 0 });
        await run.send(['SET', keyOfShard(db, 0, 'lag'), 'x'.repeat(6 << 20)]);
        await run.checkReplicas(step, replicas);
        await setShardFaults(db, 0, {});
        expect(await copiesSent(db, 0)).toBeGreaterThan(before);
      }
      if (step % CHECK_EVERY === CHECK_EVERY - 1) await run.checkReplicas(step, replicas);
    }
    await run.checkReplicas(STEPS, replicas);
  });
}

describe('replication fuzz: replicas equal their primary', () => {
  it('1 shard, 2 replicas', { timeout: 120_000 }, async () => {
    await fuzz(1, 2);
  });

  it('2 shards, 1 replica', { timeout: 120_000 }, async () => {
    await fuzz(2, 1);
  });
});
