// The check after a crash: a database reopened on the directory a killed child wrote to
// (test/support/crash-writer.mjs) must hold every write the child's journal says was acknowledged
// (or, for appendfsync 'everysec', confirmed by WAITAOF), exactly once, and nothing it never sent:
//   s:<id>, t:<id>, d:<id>   only keys a SET of the journal made, with its value (t: with a deadline);
//                            an acknowledged one is there, unless a DEL of it was sent (d:)
//   DEL of d:<id>            acknowledged: the key is gone
//   c:<n> (INCR)             at least the highest acknowledged reply, at most the INCRs sent
//   l:<n> (RPUSH)            the ids sent, each once, in the order sent; every acknowledged one
//   set:<n>, h:<n>, z:<n>    members sent (with their values, scores); every acknowledged one
// and, read per slot, the keys a SCAN finds are the keys DBSIZE and CLUSTER COUNTKEYSINSLOT count:
// no key is on two shards, none on a shard that does not own its slot.

import { readFileSync } from 'node:fs';
import type { SlotDB } from '../../dist/src/index.js';
import { keySlot } from '../../dist/src/index.js';

export interface CrashJournal {
  /** Every command sent, by id. */
  readonly sent: Map<number, string[]>;
  /** The reply of every command acknowledged, by id. */
  readonly acked: Map<number, string>;
  /** The ids that must survive: acknowledged, or confirmed by WAITAOF. */
  readonly durable: Set<number>;
  /** Lines the writer wrote about failures (E ...). */
  readonly errors: string[];
}

/**
 * Reads the journal writers left (round after round: "R <first id>" starts each); with
 * `confirmed`, only writes a WAITAOF of their own round confirmed are durable.
 */
export function readJournal(path: string, confirmed: boolean): CrashJournal {
  const text = readFileSync(path, 'utf8');
  // A line cut by the kill (no newline yet) is not counted.
  const lines = text.slice(0, text.lastIndexOf('\n') + 1).split('\n');
  const sent = new Map<number, string[]>();
  const acked = new Map<number, string>();
  const durable = new Set<number>();
  const errors: string[] = [];
  let round = new Map<number, number>(); // id -> line of its acknowledgement, this round
  const waitAt = new Map<number, number>();
  let confirmedLine = -1;
  const endRound = () => {
    for (const [id, at] of round) if (!confirmed || at < confirmedLine) durable.add(id);
    round = new Map();
    confirmedLine = -1;
  };
  lines.forEach((line, index) => {
    const [tag, id, ...rest] = line.split(' ');
    if (tag === 'R') endRound();
    else if (tag === 'S') sent.set(Number(id), rest);
    else if (tag === 'A') {
      acked.set(Number(id), rest[0]!);
      round.set(Number(id), index);
    } else if (tag === 'W') waitAt.set(Number(id), index);
    else if (tag === 'C') confirmedLine = Math.max(confirmedLine, waitAt.get(Number(id))!);
    else if (tag === 'E') errors.push(line);
  });
  endRound();
  return { sent, acked, durable, errors };
}

const KEY = /^\{g(\d+)\}(s|t|d|c|l|set|h|z):(\d+)$/;

/** What is wrong with the reopened database, as lines (none when all is well). */
export async function checkCrash(db: SlotDB, journal: CrashJournal): Promise<string[]> {
  const problems: string[] = [];
  const found = await scanKeys(db, problems);
  const byKey = new Map<string, number[]>(); // key -> ids of the writes sent to it
  for (const [id, args] of journal.sent) {
    const list = byKey.get(args[1]!) ?? [];
    list.push(id);
    byKey.set(args[1]!, list);
  }
  await Promise.all([...found].map((key) => checkKey(db, key, byKey.get(key) ?? [], journal))).then(
    (lists) => problems.push(...lists.flat()),
  );
  for (const id of journal.durable) {
    const args = journal.sent.get(id)!;
    const key = args[1]!;
    const deleted = (byKey.get(key) ?? []).some((other) => journal.sent.get(other)![0] === 'DEL');
    if (args[0] === 'DEL') {
      if (found.has(key))
        problems.push(`write ${id} (DEL ${key}) was acknowledged; ${key} is there`);
    } else if (!found.has(key) && !(args[0] === 'SET' && deleted)) {
      problems.push(`write ${id} (${args.join(' ')}) was acknowledged; ${key} is missing`);
    }
  }
  problems.push(...(await checkCounts(db, found)));
  return problems;
}

async function scanKeys(db: SlotDB, problems: string[]): Promise<Set<string>> {
  const found = new Set<string>();
  for await (const step of db.scanIterator({ COUNT: 1000 })) {
    for (const key of step) {
      if (found.has(key)) problems.push(`SCAN listed ${key} twice`);
      found.add(key);
    }
  }
  return found;
}

/** DBSIZE and CLUSTER COUNTKEYSINSLOT count exactly the keys found, slot by slot. */
async function checkCounts(db: SlotDB, found: Set<string>): Promise<string[]> {
  const problems: string[] = [];
  const size = (await db.sendCommand(['DBSIZE'])) as number;
  if (size !== found.size) problems.push(`DBSIZE is ${size}; SCAN found ${found.size} keys`);
  const perSlot = new Map<number, number>();
  for (const key of found) perSlot.set(keySlot(key), (perSlot.get(keySlot(key)) ?? 0) + 1);
  const counts = await Promise.all(
    [...perSlot.keys()].map(
      (slot) => db.sendCommand(['CLUSTER', 'COUNTKEYSINSLOT', String(slot)]) as Promise<number>,
    ),
  );
  [...perSlot].forEach(([slot, keys], i) => {
    if (counts[i] !== keys) {
      problems.push(`slot ${slot}: COUNTKEYSINSLOT says ${counts[i]}, SCAN found ${keys} keys`);
    }
  });
  return problems;
}

/** The problems of one key found, given the ids of the writes sent to it. */
async function checkKey(
  db: SlotDB,
  key: string,
  ids: number[],
  journal: CrashJournal,
): Promise<string[]> {
  const match = KEY.exec(key);
  if (match === null || ids.length === 0) return [`${key} was never written (invented)`];
  const kind = match[2]!;
  const send = (args: string[]) => db.sendCommand(args) as Promise<unknown>;
  const durable = ids.filter((id) => journal.durable.has(id));
  const sets = ids.filter((id) => journal.sent.get(id)![0] !== 'DEL');
  if (kind === 's' || kind === 't' || kind === 'd') {
    if (sets.length === 0) return [`${key} was never SET (invented)`];
    const args = journal.sent.get(sets[0]!)!;
    const value = await send(['GET', key]);
    if (value !== args[2]) return [`${key} holds ${String(value)}, written as ${args[2]}`];
    if (kind === 't' && !(((await send(['PTTL', key])) as number) > 0)) {
      return [`${key} lost its deadline`];
    }
    return [];
  }
  if (kind === 'c') {
    const value = Number(await send(['GET', key]));
    const least = Math.max(0, ...durable.map((id) => Number(journal.acked.get(id))));
    return value >= least && value <= ids.length
      ? []
      : [`counter ${key} is ${value}: acknowledged up to ${least}, ${ids.length} INCRs sent`];
  }
  return checkCollection(kind, key, await members(db, kind, key), ids, durable, journal);
}

/** A collection's members as the write's own argument (an RPUSH id, SADD id, HSET/ZADD member). */
async function members(db: SlotDB, kind: string, key: string): Promise<string[]> {
  const send = (args: string[]) => db.sendCommand(args) as Promise<string[]>;
  if (kind === 'l') return send(['LRANGE', key, '0', '-1']);
  if (kind === 'set') return send(['SMEMBERS', key]);
  if (kind === 'h') {
    return Object.entries(await db.hGetAll(key)).map(([f, v]) => `${f}=${v}`);
  }
  const flat = await send(['ZRANGE', key, '0', '-1', 'WITHSCORES']);
  const out: string[] = [];
  for (let i = 0; i < flat.length; i += 2) out.push(`${flat[i]}@${flat[i + 1]}`);
  return out;
}

/** The member a write adds, in the form members() gives. */
function memberOf(args: string[]): string {
  if (args[0] === 'HSET') return `${args[2]}=${args[3]}`;
  if (args[0] === 'ZADD') return `${args[3]}@${args[2]}`;
  return args[2]!;
}

function checkCollection(
  kind: string,
  key: string,
  got: string[],
  ids: number[],
  durable: number[],
  journal: CrashJournal,
): string[] {
  const problems: string[] = [];
  const sentMembers = new Map(ids.map((id) => [memberOf(journal.sent.get(id)!), id]));
  const seen = new Set<string>();
  let last = -1;
  for (const member of got) {
    const id = sentMembers.get(member);
    if (id === undefined) problems.push(`${key} holds ${member}, never sent`);
    if (seen.has(member)) problems.push(`${key} holds ${member} twice`);
    seen.add(member);
    if (kind === 'l' && id !== undefined) {
      if (id < last) problems.push(`${key}: ${id} comes after ${last}, sent before it`);
      last = id;
    }
  }
  for (const id of durable) {
    const member = memberOf(journal.sent.get(id)!);
    if (!seen.has(member))
      problems.push(`write ${id} (${member} to ${key}) was acknowledged; lost`);
  }
  return problems;
}
