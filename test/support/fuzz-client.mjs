// One client thread of the migration fuzz: seeded random commands on keys only it writes, spread
// over the slots that the main thread keeps moving. Every reply is checked against the client's own
// model at once, which checks order, read-your-writes and monotonic reads; the final model goes back
// to the main thread, which compares it with the database.
import { parentPort, workerData } from 'node:worker_threads';
import { SlotDB } from '../../dist/src/index.js';
import { random } from './random.mjs';

const { handle, client, seed, rounds, tags } = workerData;

const r = random(seed);
const keys = tags.flatMap((tag) => Array.from({ length: 6 }, (_, i) => `{${tag}}c${client}:${i}`));
const model = new Map();
const NOT_INTEGER = 'ERR value is not an integer or out of range';
const value = () =>
  r.pick(['a', 'bb', String(r.int(100)), String(-r.int(100)), 'x'.repeat(r.int(40))]);
const isInteger = (text) => /^(0|-?[1-9]\d{0,15})$/.test(text);

function command() {
  const key = r.pick(keys);
  const some = () => Array.from({ length: 1 + r.int(4) }, () => r.pick(keys));
  switch (r.int(12)) {
    case 0:
    case 1:
      return ['GET', key];
    case 2:
    case 3:
      return ['SET', key, value()];
    case 4:
      return ['INCR', key];
    case 5:
      return ['INCRBY', key, String(r.int(200) - 100)];
    case 6:
      return ['APPEND', key, value()];
    case 7:
      return ['DEL', ...some()];
    case 8:
      return ['EXISTS', ...some()];
    case 9:
      return ['MGET', ...some()];
    case 10:
      return ['MSET', ...some().flatMap((k) => [k, value()])];
    default:
      return r.chance(0.5) ? ['GETDEL', key] : ['EXPIRE', key, '-1'];
  }
}

/** What Redis replies, applied to the model. */
function expect(args) {
  const [name, ...a] = args;
  switch (name) {
    case 'GET':
      return model.get(a[0]) ?? null;
    case 'SET':
      model.set(a[0], a[1]);
      return 'OK';
    case 'INCR':
    case 'INCRBY': {
      const current = model.get(a[0]) ?? '0';
      if (!isInteger(current)) return { error: NOT_INTEGER };
      const next = Number(current) + (name === 'INCR' ? 1 : Number(a[1]));
      model.set(a[0], String(next));
      return next;
    }
    case 'APPEND': {
      const next = (model.get(a[0]) ?? '') + a[1];
      model.set(a[0], next);
      return Buffer.byteLength(next);
    }
    case 'DEL':
      return a.filter((k) => model.delete(k)).length;
    case 'EXISTS':
      return a.filter((k) => model.has(k)).length;
    case 'MGET':
      return a.map((k) => model.get(k) ?? null);
    case 'MSET':
      for (let i = 0; i < a.length; i += 2) model.set(a[i], a[i + 1]);
      return 'OK';
    case 'GETDEL': {
      const old = model.get(a[0]) ?? null;
      model.delete(a[0]);
      return old;
    }
    case 'EXPIRE':
      return model.delete(a[0]) ? 1 : 0;
  }
  throw new Error(`no model for ${name}`);
}

const normal = (reply) => (reply instanceof Error ? { error: reply.message } : reply);

const db = SlotDB.attach(handle);
let checked = 0;
try {
  for (let round = 0; round < rounds; round++) {
    const commands = Array.from({ length: 1 + r.int(20) }, command);
    if (r.chance(0.2)) {
      // Blocking calls, one round trip each.
      for (const args of commands) {
        let reply;
        try {
          reply = db.sync.sendCommand(args);
        } catch (error) {
          reply = error;
        }
        const expected = expect(args);
        if (JSON.stringify(normal(reply)) !== JSON.stringify(expected)) {
          throw new Error(
            `client ${client} seed ${seed} round ${round}: ${args.join(' ')} replied ${JSON.stringify(normal(reply))}, expected ${JSON.stringify(expected)}`,
          );
        }
        checked++;
      }
      continue;
    }
    const replies = await Promise.all(
      commands.map((args) => db.sendCommand(args).catch((error) => error)),
    );
    for (let i = 0; i < commands.length; i++) {
      const expected = expect(commands[i]);
      if (JSON.stringify(normal(replies[i])) !== JSON.stringify(expected)) {
        throw new Error(
          `client ${client} seed ${seed} round ${round}: ${commands[i].join(' ')} replied ${JSON.stringify(normal(replies[i]))}, expected ${JSON.stringify(expected)}`,
        );
      }
      checked++;
    }
  }
  await db.close();
  parentPort.postMessage({ ok: true, checked, model: [...model] });
} catch (error) {
  parentPort.postMessage({ ok: false, error: String(error?.stack ?? error) });
}
