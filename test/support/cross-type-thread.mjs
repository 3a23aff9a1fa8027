// A client thread for the cross-type tests: attaches with a handle from workerData and sends a
// seeded random sequence of commands of every type (hashes, lists, sets, sorted sets, strings,
// COPY, RENAME, deadlines, transactions) to the keys of one slot, as raw commands. Only commands
// whose replies and effects do not depend on chance or the clock are sent, so that the same
// sequence replayed on another database must give the same replies and leave the same data.
// Posts back the commands it sent (a transaction as one entry: its commands) and their replies.
// With `workerData.optimistic`, it instead makes that many WATCH-guarded updates of a sorted-set
// score, a hash field and a list (read all three, then write all three in one transaction,
// retried on WatchError) and posts back its retries.
import { parentPort, workerData } from 'node:worker_threads';
import { SlotDB, WatchError } from '../../dist/src/index.js';
import { random } from './random.mjs';

/** Random commands over `keys` (one slot): every collection type, copies, renames, deadlines. */
function crossCommands(seed, keys) {
  const r = random(seed);
  const key = () => r.pick(keys);
  const member = () => r.pick(['a', 'b', 'c', 'd', '1', '2', '', 'ü', 'L'.repeat(70)]);
  const score = () => r.pick(['1', '2', '-1', '0', '1.5', 'inf', '-inf']);
  const index = () => String(r.int(7) - 3);
  const side = () => r.pick(['LEFT', 'RIGHT']);
  const bulk = (name, k, pair) => {
    const args = [name, k];
    const n = 60 + r.int(100);
    for (let i = 0; i < n; i++) args.push(...(pair ? [pair(i), `m${i}`] : [`m${i}`]));
    return args;
  };
  const commands = [
    () => ['HSET', key(), member(), member(), member(), member()],
    () => ['HDEL', key(), member(), member()],
    () => ['HINCRBY', key(), member(), index()],
    () => ['HGETALL', key()],
    () => ['LPUSH', key(), member(), member()],
    () => ['RPUSH', key(), member()],
    () => ['LPOP', key(), String(r.int(4))],
    () => ['RPOP', key()],
    () => ['LTRIM', key(), index(), index()],
    () => ['LRANGE', key(), '0', '-1'],
    () => ['LREM', key(), index(), member()],
    () => ['LMOVE', key(), key(), side(), side()],
    () => ['LMPOP', '2', key(), key(), side(), 'COUNT', String(1 + r.int(3))],
    () => ['LSET', key(), index(), member()],
    () => ['LINSERT', key(), r.pick(['BEFORE', 'AFTER']), member(), member()],
    () => ['SADD', key(), member(), member()],
    () => ['SREM', key(), member()],
    () => ['SMOVE', key(), key(), member()],
    () => ['SINTERSTORE', key(), key(), key()],
    () => ['SUNIONSTORE', key(), key(), key()],
    () => ['SDIFFSTORE', key(), key(), key()],
    () => ['SCARD', key()],
    () => ['SISMEMBER', key(), member()],
    () => ['ZADD', key(), score(), member(), score(), member()],
    () => ['ZINCRBY', key(), score(), member()],
    () => ['ZREM', key(), member()],
    () => ['ZPOPMIN', key(), String(r.int(3))],
    () => ['ZPOPMAX', key()],
    () => ['ZREMRANGEBYRANK', key(), index(), index()],
    () => ['ZUNIONSTORE', key(), '2', key(), key()],
    () => ['ZINTERSTORE', key(), '2', key(), key(), 'AGGREGATE', 'MAX'],
    () => ['ZRANGESTORE', key(), key(), index(), index()],
    () => ['ZRANGE', key(), '0', '-1', 'WITHSCORES'],
    () => ['COPY', key(), key()],
    () => ['COPY', key(), key(), 'REPLACE'],
    () => ['RENAME', key(), key()],
    () => ['RENAMENX', key(), key()],
    () => ['DEL', key()],
    () => ['PEXPIRE', key(), r.pick(['10000000', '20000000'])],
    () => ['PERSIST', key()],
    () => ['SET', key(), member()],
    () => ['APPEND', key(), member()],
    () => ['TYPE', key()],
    () => bulk('HSET', key(), (i) => `f${i}`),
    () => bulk('ZADD', key(), (i) => String(i % 5)),
    () => bulk('SADD', key()),
    () => bulk('RPUSH', key()),
  ];
  const one = () => r.pick(commands)();
  return {
    /** The next step: a command, or (one time in ten) a transaction of 2 to 5. */
    next: () => {
      if (!r.chance(0.1)) return { args: one() };
      return { transaction: Array.from({ length: 2 + r.int(4) }, one) };
    },
  };
}

/** Sends one step; its reply (an Error's message as { error }). */
export async function sendStep(db, step) {
  const shown = (reply) =>
    reply instanceof Error
      ? { error: reply.message }
      : Array.isArray(reply)
        ? reply.map(shown)
        : reply;
  try {
    if (step.args !== undefined) return shown(await db.sendCommand(step.args));
    const multi = db.multi();
    for (const args of step.transaction) multi.addCommand(args);
    return shown(await multi.exec());
  } catch (error) {
    return shown(error.replies ?? error);
  }
}

/** One WATCH-guarded update of `keys` ([zset, hash, list]); resolves once it ran. */
async function optimisticUpdate(db, [zset, hash, list]) {
  for (let retries = 0; ; retries++) {
    try {
      await db.isolated(async (client) => {
        await client.watch([zset, hash, list]);
        const score = (await client.zScore(zset, 'm')) ?? 0;
        const field = Number((await client.hGet(hash, 'f')) ?? 0);
        const length = await client.lLen(list);
        await new Promise((resolve) => setTimeout(resolve, 0));
        await client
          .multi()
          .zAdd(zset, { score: score + 1, value: 'm' })
          .hSet(hash, 'f', String(field + 1))
          .rPush(list, String(length))
          .exec();
      });
      return retries;
    } catch (error) {
      if (!(error instanceof WatchError)) throw error;
    }
  }
}

if (parentPort !== null && workerData?.optimistic !== undefined) {
  const db = SlotDB.attach(workerData.handle);
  try {
    let retries = 0;
    for (let i = 0; i < workerData.optimistic; i++)
      retries += await optimisticUpdate(db, workerData.keys);
    await db.close();
    parentPort.postMessage({ ok: true, retries });
  } catch (error) {
    parentPort.postMessage({ ok: false, error: String(error?.stack ?? error) });
  }
} else if (parentPort !== null && workerData?.handle !== undefined) {
  const db = SlotDB.attach(workerData.handle);
  const { seed, keys, steps } = workerData;
  const commands = crossCommands(seed, keys);
  const sent = [];
  const replies = [];
  try {
    for (let i = 0; i < steps; i++) {
      const step = commands.next();
      sent.push(step);
      replies.push(await sendStep(db, step));
    }
    await db.close();
    parentPort.postMessage({ ok: true, sent, replies });
  } catch (error) {
    parentPort.postMessage({ ok: false, error: String(error?.stack ?? error) });
  }
}
