// One client thread of the migration fuzz with replicas: seeded random commands on keys only it
// writes, spread over slots that move back and forth while primaries are killed and replicas take
// over. Every reply is checked against the thread's model at once.
//
// A failover may lose writes no WAIT counted, so the model keeps, per key, every value the key may
// hold: the values written since the last write a WAIT counted (that one is kept; the newer ones
// may be lost, newest first). A WAIT counts the writes made since the WAIT before it, on the
// shards they went to: a write made before a WAIT that timed out (or failed) is never counted. A command that failed with a FailoverError
// may or may not have run: its value joins the possible ones without replacing the one before. A
// read must return a possible value; what it returns rules out the newer ones. Any other error is
// a failure: nothing else may reach a caller.
import { parentPort, workerData } from 'node:worker_threads';
import { SlotDB } from '../../dist/src/index.js';
import { random } from './random.mjs';

const { handle, client, seed, rounds, tags } = workerData;

const r = random(seed);
const keys = tags.flatMap((tag) => Array.from({ length: 6 }, (_, i) => `{${tag}}c${client}:${i}`));
/** A value a failed INCR may have left: any integer. */
const ANY = Symbol('any');
/** key → the values it may hold, oldest first: { value: string | null | ANY, definite, wait }. */
const model = new Map(keys.map((key) => [key, [{ value: null, definite: true, wait: -1 }]]));
/** WAITs so far, and those that counted a replica (by number). */
let waitsCalled = 0;
const waitsCounted = new Set([-1]);
const NOT_INTEGER = 'ERR value is not an integer or out of range';
const isInteger = (text) => typeof text === 'string' && /^(0|-?[1-9]\d{0,15})$/.test(text);
const value = () =>
  r.pick(['a', 'bb', String(r.int(100)), String(-r.int(100)), 'x'.repeat(r.int(30))]);
let failovers = 0;

function command() {
  const key = r.pick(keys);
  switch (r.int(8)) {
    case 0:
    case 1:
      return ['GET', key];
    case 2:
    case 3:
      return ['SET', key, value()];
    case 4:
      return ['INCR', key];
    case 5:
      return ['DEL', key];
    case 6:
      return ['MGET', ...Array.from({ length: 1 + r.int(4) }, () => r.pick(keys))];
    default:
      return [
        'MSET',
        ...Array.from({ length: 1 + r.int(3) }, () => [r.pick(keys), value()]).flat(),
      ];
  }
}

function fail(args, reply, why) {
  const shown = JSON.stringify(reply instanceof Error ? `${reply.name}: ${reply.message}` : reply);
  const possible = args
    .slice(1)
    .filter((key) => model.has(key))
    .map((key) => `${key} may hold ${JSON.stringify(model.get(key).map((e) => e.value))}`);
  throw new Error(
    `client ${client} seed ${seed}: ${args.join(' ')} replied ${shown}: ${why} (${possible.join('; ')})`,
  );
}

/** The key held one of its possible values that `matches`: the newer ones are ruled out. */
function observed(key, matches, seen) {
  const values = model.get(key);
  for (let i = values.length - 1; i >= 0; i--) {
    const entry = values[i];
    if (entry.value === ANY ? matches(seen, true) : matches(entry.value, false)) {
      values.length = i + 1;
      if (entry.value === ANY && seen !== undefined) values[i] = { ...entry, value: seen };
      return true;
    }
  }
  return false;
}

/** A write, counted by the next WAIT if that one counts a replica. */
const wrote = (key, value, definite) => model.get(key).push({ value, definite, wait: waitsCalled });

/** Checks a reply (an Error for an error reply) against the model, and updates the model. */
function check(args, reply) {
  const [name, ...a] = args;
  if (reply instanceof Error && reply.name !== 'FailoverError' && reply.message !== NOT_INTEGER) {
    fail(args, reply, 'no error but a FailoverError may reach a caller');
  }
  const failedOver = reply instanceof Error && reply.name === 'FailoverError';
  if (failedOver) failovers++;
  switch (name) {
    case 'GET':
    case 'MGET': {
      if (failedOver) return;
      const values = name === 'GET' ? [reply] : reply;
      a.forEach((key, i) => {
        const seen = values[i];
        if (!observed(key, (v, any) => (any ? isInteger(seen) : v === seen), seen))
          fail(args, reply, `${key} may hold only ${JSON.stringify(model.get(key))}`);
      });
      return;
    }
    case 'SET':
      wrote(a[0], a[1], !failedOver);
      return;
    case 'MSET':
      for (let i = 0; i < a.length; i += 2) wrote(a[i], a[i + 1], !failedOver);
      return;
    case 'DEL':
      if (!failedOver) {
        const found = (v, any) => (reply === 1 ? any || v !== null : v === null);
        if (!observed(a[0], found, undefined)) fail(args, reply, 'the key was not in that state');
      }
      wrote(a[0], null, !failedOver);
      return;
    case 'INCR': {
      if (failedOver) {
        wrote(a[0], ANY, false);
        return;
      }
      if (reply instanceof Error) {
        if (!observed(a[0], (v, any) => !any && v !== null && !isInteger(v), undefined))
          fail(args, reply, 'the key held no non-integer');
        return;
      }
      const before = (v, any) => any || (reply === 1 && v === null) || v === String(reply - 1);
      if (!observed(a[0], before, undefined)) fail(args, reply, 'the key was not one less');
      wrote(a[0], String(reply), true);
      return;
    }
  }
  throw new Error(`no model for ${name}`);
}

/** A WAIT counted a replica: the last write it counted survives; older values are ruled out. */
function durable() {
  for (const values of model.values()) {
    let last = values.length - 1;
    while (last > 0 && !(values[last].definite && waitsCounted.has(values[last].wait))) last--;
    values.splice(0, last);
  }
}

const db = SlotDB.attach(handle);
let checked = 0;
let waits = 0;
try {
  for (let round = 0; round < rounds; round++) {
    const commands = Array.from({ length: 1 + r.int(16) }, command);
    if (r.chance(0.2)) {
      for (const args of commands) {
        let reply;
        try {
          reply = db.sync.sendCommand(args);
        } catch (error) {
          reply = error;
        }
        check(args, reply);
        checked++;
      }
    } else {
      const replies = await Promise.all(
        commands.map((args) => db.sendCommand(args).catch((error) => error)),
      );
      for (let i = 0; i < commands.length; i++) check(commands[i], replies[i]);
      checked += commands.length;
    }
    if (r.chance(0.3)) {
      const acknowledged = await db.wait(1, 500).catch(() => 0);
      if (acknowledged >= 1) {
        waitsCounted.add(waitsCalled);
        durable();
        waits++;
      }
      waitsCalled++;
    }
  }
  await db.close();
  const final = [...model].map(([key, values]) => [
    key,
    values.map((entry) => (entry.value === ANY ? '<integer>' : entry.value)),
  ]);
  parentPort.postMessage({ ok: true, checked, waits, failovers, model: final });
} catch (error) {
  parentPort.postMessage({ ok: false, error: String(error?.stack ?? error) });
}
