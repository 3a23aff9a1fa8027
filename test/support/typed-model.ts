// A plain model of a keyspace of every value type (strings, lists, sets, hashes, sorted sets, and
// whether a key has a deadline), for the write commands the persistence tests send; and a reader
// of a database's whole keyspace in the same canonical form, so the two compare with toEqual.
// Deadlines are far off (an hour): a key only has one or not, none expires during a test.

import type { SlotDB } from '../../dist/src/index.js';
import type { Random } from './random.js';

type Value =
  | { type: 'string'; value: string }
  | { type: 'list'; value: string[] }
  | { type: 'set'; value: Set<string> }
  | { type: 'hash'; value: Map<string, string> }
  | { type: 'zset'; value: Map<string, number> };

/** One key as compared: its type, its value in a canonical form, whether it has a deadline. */
export type KeyDump = [key: string, type: string, value: unknown, deadline: boolean];

const KEYS = [
  ...Array.from({ length: 24 }, (_, i) => `k${i}`),
  ...Array.from({ length: 6 }, (_, i) => `{a}${i}`),
  ...Array.from({ length: 6 }, (_, i) => `{b}${i}`),
];
const TAGGED = [KEYS.filter((k) => k.startsWith('{a}')), KEYS.filter((k) => k.startsWith('{b}'))];
const SCORES = ['1', '2', '-3', '0.5', '-2.5', '100', 'inf', '-inf', '0', '7'];

const parseScore = (text: string): number =>
  text === 'inf' || text === '+inf' ? Infinity : text === '-inf' ? -Infinity : Number(text);

export class TypedModel {
  readonly data = new Map<string, Value>();
  readonly deadlines = new Set<string>();

  /** A random write command of any type (and what the model does with it, once applied). */
  command(r: Random): string[] {
    const key = r.pick(KEYS);
    const small = () => `${r.pick(['x', 'y', 'ü', ''])}${r.int(12)}`;
    switch (r.int(22)) {
      case 0:
        return ['SET', key, small()];
      case 1:
        return ['SET', key, small(), 'PX', '3600000'];
      case 2:
        return ['APPEND', key, small()];
      case 3:
        return ['INCRBY', key, String(r.between(-100, 100))];
      case 4:
        return ['DEL', key];
      case 5:
      case 6:
        return [r.pick(['RPUSH', 'LPUSH']), key, small(), ...(r.chance(0.5) ? [small()] : [])];
      case 7:
        return [r.pick(['LPOP', 'RPOP']), key];
      case 8:
      case 9:
        return ['SADD', key, small(), small()];
      case 10:
        return ['SREM', key, small()];
      case 11:
      case 12:
        return ['HSET', key, small(), small()];
      case 13:
        return ['HDEL', key, small()];
      case 14:
        return ['HINCRBY', key, `n${r.int(3)}`, String(r.between(-9, 9))];
      case 15:
      case 16:
        return ['ZADD', key, r.pick(SCORES), small()];
      case 17:
        return ['ZREM', key, small()];
      case 18:
        return ['ZINCRBY', key, r.pick(['1', '-2', '0.5']), small()];
      case 19:
        return r.chance(0.5) ? ['EXPIRE', key, '3600'] : ['PERSIST', key];
      case 20: {
        const tagged = r.pick(TAGGED);
        return ['RENAME', r.pick(tagged), r.pick(tagged)];
      }
      default:
        return r.chance(0.05) ? ['FLUSHALL'] : ['SET', key, small()];
    }
  }

  /** Applies a command `command()` made, as the database does. */
  apply(args: readonly string[]): void {
    const [name, key, ...rest] = args as [string, string, ...string[]];
    const old = this.data.get(key);
    const is = (type: Value['type']) => old === undefined || old.type === type;
    switch (name) {
      case 'SET':
        this.data.set(key, { type: 'string', value: rest[0]! });
        if (rest[1] === 'PX') this.deadlines.add(key);
        else this.deadlines.delete(key);
        return;
      case 'APPEND':
        if (is('string')) this.put(key, { type: 'string', value: (old?.value ?? '') + rest[0] });
        return;
      case 'INCRBY': {
        if (!is('string')) return;
        const text = (old?.value as string | undefined) ?? '0';
        if (!/^(0|-?[1-9]\d*)$/.test(text)) return;
        this.put(key, { type: 'string', value: String(Number(text) + Number(rest[0])) });
        return;
      }
      case 'DEL':
        this.remove(key);
        return;
      case 'FLUSHALL':
        this.data.clear();
        this.deadlines.clear();
        return;
      case 'EXPIRE':
        if (old !== undefined) this.deadlines.add(key);
        return;
      case 'PERSIST':
        this.deadlines.delete(key);
        return;
      case 'RENAME':
        this.rename(key, rest[0]!);
        return;
      default:
        this.collection(name, key, old, rest);
    }
  }

  private collection(name: string, key: string, old: Value | undefined, rest: string[]): void {
    const type = {
      RPUSH: 'list',
      LPUSH: 'list',
      LPOP: 'list',
      RPOP: 'list',
      SADD: 'set',
      SREM: 'set',
      HSET: 'hash',
      HDEL: 'hash',
      HINCRBY: 'hash',
      ZADD: 'zset',
      ZREM: 'zset',
      ZINCRBY: 'zset',
    }[name]!;
    if (old !== undefined && old.type !== type) return;
    const v = (old?.value ?? (type === 'list' ? [] : type === 'set' ? new Set() : new Map())) as
      | string[]
      | Set<string>
      | Map<string, string | number>;
    if (name === 'RPUSH') (v as string[]).push(...rest);
    else if (name === 'LPUSH') for (const e of rest) (v as string[]).unshift(e);
    else if (name === 'LPOP') (v as string[]).shift();
    else if (name === 'RPOP') (v as string[]).pop();
    else if (name === 'SADD') for (const m of rest) (v as Set<string>).add(m);
    else if (name === 'SREM') (v as Set<string>).delete(rest[0]!);
    else if (name === 'HSET') (v as Map<string, string>).set(rest[0]!, rest[1]!);
    else if (name === 'HDEL' || name === 'ZREM') (v as Map<string, unknown>).delete(rest[0]!);
    else if (name === 'HINCRBY') {
      const hash = v as Map<string, string>;
      hash.set(rest[0]!, String(Number(hash.get(rest[0]!) ?? '0') + Number(rest[1])));
    } else if (name === 'ZADD') (v as Map<string, number>).set(rest[1]!, parseScore(rest[0]!));
    else {
      const zset = v as Map<string, number>;
      const score = (zset.get(rest[1]!) ?? 0) + parseScore(rest[0]!);
      if (!Number.isNaN(score)) zset.set(rest[1]!, score);
    }
    const size = Array.isArray(v) ? v.length : v.size;
    if (size === 0) this.remove(key);
    else this.data.set(key, { type, value: v } as Value);
  }

  /** A string's new value keeps the key's deadline (APPEND, INCRBY do). */
  private put(key: string, value: Value): void {
    this.data.set(key, value);
  }

  private remove(key: string): void {
    this.data.delete(key);
    this.deadlines.delete(key);
  }

  private rename(from: string, to: string): void {
    const value = this.data.get(from);
    if (value === undefined || from === to) return;
    const deadline = this.deadlines.has(from);
    this.remove(from);
    this.remove(to);
    this.data.set(to, value);
    if (deadline) this.deadlines.add(to);
  }

  /** Every key in canonical form, sorted by key. */
  dump(): KeyDump[] {
    return [...this.data.keys()].sort().map((key) => {
      const { type, value } = this.data.get(key)!;
      return [key, type, canonical(type, value), this.deadlines.has(key)];
    });
  }
}

function canonical(type: string, value: unknown): unknown {
  switch (type) {
    case 'set':
      return [...(value as Set<string>)].sort();
    case 'hash':
      return [...(value as Map<string, string>)].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    case 'zset':
      return [...(value as Map<string, number>)].sort(([a, x], [b, y]) =>
        x !== y ? x - y : a < b ? -1 : a > b ? 1 : 0,
      );
    default:
      return value;
  }
}

/** Every key of `db` in the model's canonical form, sorted by key. */
export async function readKeyspace(db: SlotDB): Promise<KeyDump[]> {
  const keys: string[] = [];
  for await (const step of db.scanIterator({ COUNT: 1000 })) keys.push(...step);
  keys.sort();
  const send = (args: string[]) => db.sendCommand(args) as Promise<unknown>;
  return Promise.all(
    keys.map(async (key): Promise<KeyDump> => {
      const type = (await send(['TYPE', key])) as string;
      const deadline = ((await send(['PTTL', key])) as number) > 0;
      let value: unknown;
      if (type === 'string') value = await send(['GET', key]);
      else if (type === 'list') value = await send(['LRANGE', key, '0', '-1']);
      else if (type === 'set') value = ((await send(['SMEMBERS', key])) as string[]).sort();
      else if (type === 'hash')
        value = canonical('hash', new Map(Object.entries(await db.hGetAll(key))));
      else {
        const flat = (await send(['ZRANGE', key, '0', '-1', 'WITHSCORES'])) as string[];
        const pairs: [string, number][] = [];
        for (let i = 0; i < flat.length; i += 2) pairs.push([flat[i]!, parseScore(flat[i + 1]!)]);
        value = pairs;
      }
      return [key, type, value, deadline];
    }),
  );
}
