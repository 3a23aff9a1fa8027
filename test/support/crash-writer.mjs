// Run as a child process by the crash tests (test/integration/persistence-crash*.test.ts): opens a
// database on a directory and writes to it under pipelined load until it is killed. Every command
// is written to a journal file before it is sent ("S <id> <args...>") and again once its reply
// came ("A <id> <reply>"); with `confirm`, a WAITAOF after each batch ("W <n>" as it is sent,
// "C <n>" once it confirmed what was acknowledged before on disk). The file is written with
// writeSync, so what it says survives a SIGKILL. The parent then reopens the directory and checks
// the keys against it (test/support/crash-check.ts).
//
// argv[2] is JSON: { journal, seed, firstId (of the writes' ids), open (the options, with dir),
// groups (hash tags the keys spread over), lanes (batches in flight at once; 0: only open),
// migrate (move the groups' slots under load), failover ({ shard, afterMs }: terminate that
// shard's primary worker), closeAfterMs (then, after the failover if there is one, close cleanly
// and exit), confirm (WAITAOF 1 0 0 after batches) }.
// Lines on stdout: "ready" once open, "failover" once a replica took over, "closed".

import { closeSync, openSync, writeSync } from 'node:fs';
import { keySlot, SlotDB } from '../../dist/src/index.js';
import { failoverRecords, shardWorker } from '../../dist/src/testing.js';
import { random } from './random.mjs';

const config = JSON.parse(process.argv[2]);
const r = random(config.seed);
const journal = openSync(config.journal, 'a');
const note = (text) => writeSync(journal, text);
const groups = config.groups ?? 64;
const COUNTERS = 8;
const COLLECTIONS = 6;
const firstId = config.firstId ?? 0;
let nextId = firstId;
let running = true;

const db = await SlotDB.open(config.open);
note(`R ${firstId}\n`);
process.stdout.write('ready\n');

/** The command of write `id`: a new key, a counter, a collection member, or a delete. */
function command(id) {
  const tag = `{g${r.int(groups)}}`;
  const j = r.int(COLLECTIONS);
  // A counter or collection keeps its tag, so its writes go to one slot.
  const fixed = (kind, n) => `{g${(n * 7 + kind.length) % groups}}${kind}:${n}`;
  switch (r.int(10)) {
    case 0:
    case 1:
      return ['SET', `${tag}s:${id}`, `v${id}`];
    case 2:
      return ['SET', `${tag}t:${id}`, `v${id}`, 'PX', '3600000'];
    case 3:
      return ['INCR', fixed('c', r.int(COUNTERS))];
    case 4:
      return ['RPUSH', fixed('l', j), String(id)];
    case 5:
      return ['SADD', fixed('set', j), String(id)];
    case 6:
      return ['HSET', fixed('h', j), `f${id}`, `v${id}`];
    case 7:
      return ['ZADD', fixed('z', j), String(id % 97), `m${id}`];
    case 8:
      return ['SET', `{g${id % groups}}d:${id}`, `v${id}`];
    default: {
      // A delete of a key an earlier write may have made (the d: key of write `target`).
      const target = Math.max(firstId, id - 1 - r.int(60));
      return ['DEL', `{g${target % groups}}d:${target}`];
    }
  }
}

function replyText(reply) {
  return typeof reply === 'number' || typeof reply === 'string' ? String(reply) : '-';
}

async function lane() {
  while (running) {
    const size = 1 + r.int(config.batchMax ?? 48);
    const batch = [];
    for (let i = 0; i < size; i++) {
      const id = nextId++;
      batch.push([id, command(id)]);
    }
    note(batch.map(([id, args]) => `S ${id} ${args.join(' ')}\n`).join(''));
    const replies = batch.map(([id, args]) =>
      db.sendCommand(args).then(
        (reply) => note(`A ${id} ${replyText(reply)}\n`),
        () => undefined,
      ),
    );
    await Promise.all(replies);
    if (config.confirm) await confirm();
  }
}

/**
 * WAITAOF 1 0 0: every write acknowledged before it was sent ("W <n>") is on disk once it answers
 * [1, 0] ("C <n>").
 */
let waits = 0;
async function confirm() {
  const n = waits++;
  note(`W ${n}\n`);
  try {
    const reply = await db.sendCommand(['WAITAOF', '1', '0', '0']);
    if (Array.isArray(reply) && Number(reply[0]) >= 1) note(`C ${n}\n`);
  } catch (error) {
    note(`E ${String(error.message).replaceAll('\n', ' ')}\n`);
    running = false;
  }
}

async function migrate() {
  const shards = config.open.shards;
  while (running) {
    const slot = keySlot(`{g${r.int(groups)}}`);
    const target = (db.slotOwner(slot) + 1 + r.int(shards - 1)) % shards;
    await db.migrateSlot(slot, target, { batchKeys: 1 + r.int(20) }).catch(() => undefined);
  }
}

async function failover({ shard, afterMs }) {
  await new Promise((resolve) => setTimeout(resolve, afterMs));
  await shardWorker(db, shard).terminate();
  while (failoverRecords(db).length === 0) await new Promise((resolve) => setTimeout(resolve, 5));
  process.stdout.write('failover\n');
}

const work = Array.from({ length: config.lanes ?? 2 }, () => lane());
if (config.migrate) work.push(migrate());
// A close waits for the failover, if there is one, then `closeAfterMs`.
const failedOver = config.failover ? failover(config.failover) : Promise.resolve();
if (config.closeAfterMs !== undefined) {
  await failedOver;
  await new Promise((resolve) => setTimeout(resolve, config.closeAfterMs));
  running = false;
  await Promise.all(work);
  await db.close();
  closeSync(journal);
  process.stdout.write('closed\n');
}
