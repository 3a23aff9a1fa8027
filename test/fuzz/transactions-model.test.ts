// Model-based fuzz of transactions over 3 shards: seeded random db.multi() transactions (async and
// db.sync), watched transactions on isolated clients with and without a conflicting write, and
// lone RENAME/RENAMENX/COPY, against a plain model; every reply and then every key (value, and
// whether it has a deadline) compared after each step. Two slots move while it runs: every
// transaction must still run (never a TRYAGAIN), and a watched one may fail only if a watched key
// changed, or (conservatively) if its slot was moving. SLOTDB_FUZZ_SEED replays a run.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type MigrationReport, MultiErrorReply, SlotDB, WatchError } from '../../dist/src/index.js';
import { fuzzSeed, Random } from '../support/random.js';
import { type ModelReply, type Operation, TransactionModel } from '../support/transaction-model.js';

const STEPS = 600;
const TAGS = ['{a}', '{b}', '{c}'];
const KEYS_PER_TAG = 4;
/** Keys that make the moving slots take a while, so that the moves overlap many steps. */
const FILLER_KEYS = 2000;

const keysOf = (tag: string): string[] =>
  Array.from({ length: KEYS_PER_TAG }, (_, i) => `${tag}k${i}`);
const ALL_KEYS = TAGS.flatMap(keysOf);

function operation(r: Random, keys: readonly string[]): Operation {
  const key = r.pick(keys);
  const other = r.pick(keys);
  const value = r.chance(0.6) ? String(r.between(-9, 99)) : `s${r.int(10)}`;
  switch (r.int(12)) {
    case 0:
    case 1:
      return { method: 'set', key, value };
    case 2:
      return { method: 'get', key };
    case 3:
      return { method: 'incr', key };
    case 4:
      return { method: 'incrBy', key, value: String(r.between(-5, 5)) };
    case 5:
      return { method: 'append', key, value };
    case 6:
      return { method: 'del', keys: [key, ...(r.chance(0.5) ? [other] : [])] };
    case 7:
      return { method: r.pick(['rename', 'renameNX'] as const), key, other };
    case 8:
      return { method: 'copy', key, other, replace: r.chance(0.5) };
    case 9:
      return { method: 'expire', key };
    case 10:
      return { method: 'persist', key };
    default:
      return { method: 'exists', key };
  }
}

/** Queues `op` on a builder (or any object with the typed methods). */
function queue(target: any, op: Operation): any {
  switch (op.method) {
    case 'set':
    case 'append':
      return target[op.method](op.key, op.value);
    case 'incrBy':
      return target.incrBy(op.key, Number(op.value));
    case 'expire':
      return target.expire(op.key, 1000);
    case 'del':
      return target.del(op.keys);
    case 'rename':
    case 'renameNX':
      return target[op.method](op.key, op.other);
    case 'copy':
      return target.copy(op.key, op.other, op.replace ? { REPLACE: true } : undefined);
    default:
      return target[op.method](op.key);
  }
}

/** A reply as compared: errors as { error }. */
const normal = (reply: unknown): unknown =>
  reply instanceof Error ? { error: reply.message } : reply;

/** The replies exec() gave, MultiErrorReply unpacked (its replies hold the errors in place). */
async function execReplies(exec: () => Promise<unknown[]> | unknown[]): Promise<unknown> {
  try {
    return (await exec()).map(normal);
  } catch (error) {
    if (error instanceof MultiErrorReply) return error.replies.map(normal);
    throw error;
  }
}

describe('transactions against a model, over 3 shards, with slots moving', () => {
  let db: SlotDB;
  beforeAll(async () => {
    db = await SlotDB.open({ shards: 3 });
  });
  afterAll(async () => {
    await db.close();
  });

  async function checkState(model: TransactionModel, where: string): Promise<void> {
    const values = await db.mGet(ALL_KEYS);
    const ttls = await Promise.all(ALL_KEYS.map((key) => db.pTTL(key)));
    const expected = ALL_KEYS.map((key) => model.data.get(key)?.value ?? null);
    expect(values, where).toEqual(expected);
    const deadlines = ALL_KEYS.map((key) => {
      const held = model.data.get(key);
      return held === undefined ? -2 : held.deadline ? 'deadline' : -1;
    });
    expect(
      ttls.map((ttl) => (ttl > 0 ? 'deadline' : ttl)),
      where,
    ).toEqual(deadlines);
  }

  it('runs every transaction as the model says, watched ones failing only when they should', async () => {
    const seed = fuzzSeed();
    console.log(`transactions model fuzz seed ${seed} (replay with SLOTDB_FUZZ_SEED=${seed})`);
    const r = new Random(seed);
    const model = new TransactionModel();
    await db.flushAll();
    for (const tag of TAGS.slice(0, 2)) {
      await db.mSet(
        Array.from({ length: FILLER_KEYS }, (_, i) => [`${tag}fill${i}`, 'x']) as [
          string,
          string,
        ][],
      );
    }
    const moving = new Set<string>();
    const moves: Promise<unknown>[] = [];
    const move = (tag: string): void => {
      const slot = db.sync.clusterKeySlot(tag);
      moving.add(tag);
      const target = (db.slotOwner(slot) + 1) % db.shardCount;
      moves.push(
        db.migrateSlot(slot, target, { batchKeys: 8, keysPerSecond: 4000 }).finally(() => {
          moving.delete(tag);
        }),
      );
    };
    let watchFailures = 0;
    let stepsWhileMoving = 0;
    for (let step = 0; step < STEPS; step++) {
      if (step === STEPS / 4) move(TAGS[0]!);
      if (step === STEPS / 2) move(TAGS[1]!);
      if (moving.size > 0) stepsWhileMoving++;
      const tag = r.pick(TAGS);
      const keys = keysOf(tag);
      const where = `seed ${seed} step ${step} (${tag})`;
      const kind = r.int(10);
      if (kind < 5) {
        // A transaction on one slot: async or sync builder.
        const ops = Array.from({ length: r.between(1, 5) }, () => operation(r, keys));
        const sync = r.chance(0.25);
        let builder: any = sync ? db.sync.multi() : db.multi();
        for (const op of ops) builder = queue(builder, op);
        const actual = await execReplies(() => builder.exec());
        const expected: ModelReply[] = ops.map((op) => model.apply(op));
        expect(actual, `${where}: ${JSON.stringify(ops)}`).toEqual(expected);
      } else if (kind < 8) {
        const outcome = await watched(r, model, keys, tag, moving);
        if (outcome === 'conservative') watchFailures++;
      } else {
        const op = operation(r, keys);
        const actual = await queue(db, op).then(normal, normal);
        expect(actual, `${where}: ${JSON.stringify(op)}`).toEqual(model.apply(op));
      }
      await checkState(model, where);
    }
    const reports = (await Promise.all(moves)) as MigrationReport[];
    await checkState(model, `seed ${seed} after the moves`);
    console.log(
      `moves overlapped ${stepsWhileMoving} steps; watched transactions refused while their ` +
        `slot moved: ${watchFailures}`,
    );
    expect(stepsWhileMoving).toBeGreaterThan(10);
    // Requests (transactions among them) met the moves: forwarded to the target, or waiting.
    const met = reports.reduce((sum, report) => sum + report.redirections + report.waits.count, 0);
    console.log(`requests forwarded or waiting during the moves: ${met}`);
    expect(met).toBeGreaterThan(0);
  }, 120_000);

  /**
   * A watched transaction on an isolated client; the shared db may write a watched key (or
   * another key of the slot) between WATCH and EXEC. Returns how it ended.
   */
  async function watched(
    r: Random,
    model: TransactionModel,
    keys: readonly string[],
    tag: string,
    moving: ReadonlySet<string>,
  ): Promise<'ran' | 'changed' | 'conservative'> {
    const watchedKeys = keys.slice(0, r.between(1, 2));
    const ops = Array.from({ length: r.between(0, 3) }, () => operation(r, keys));
    const interfere = r.int(3);
    const epoch = db.stats().epoch;
    const wasMoving = moving.has(tag);
    return db.isolated(async (client) => {
      await client.watch(watchedKeys);
      const seen = await client.get(watchedKeys[0]!);
      expect(seen).toBe(model.data.get(watchedKeys[0]!)?.value ?? null);
      let changed = false;
      if (interfere > 0) {
        const key = interfere === 1 ? watchedKeys[0]! : keys[KEYS_PER_TAG - 1]!;
        changed = watchedKeys.includes(key);
        await db.set(key, 'interference');
        model.apply({ method: 'set', key, value: 'interference' });
      }
      let builder: any = client.multi();
      for (const op of ops) builder = queue(builder, op);
      let actual: unknown;
      try {
        actual = await execReplies(() => builder.exec());
      } catch (error) {
        expect(error).toBeInstanceOf(WatchError);
        if (changed) return 'changed';
        const slotMoved = wasMoving || moving.has(tag) || db.stats().epoch !== epoch;
        expect(
          slotMoved,
          `a watched transaction failed though nothing changed: ${JSON.stringify(ops)}`,
        ).toBe(true);
        return 'conservative';
      }
      expect(changed, 'a watched transaction ran after a watched key changed').toBe(false);
      expect(actual).toEqual(ops.map((op) => model.apply(op)));
      return 'ran';
    });
  }
});
