// A plain Map model of the string commands the fuzz test sends: what Redis would reply and how the
// keyspace changes, written as directly as possible so that it is obviously right. Keys and values
// are held as latin1 strings of their bytes.

import type { Arg } from './commands.js';

export type Reply = null | number | string | Buffer | Reply[] | { error: string };

const bytes = (arg: Arg): string =>
  (typeof arg === 'string' ? Buffer.from(arg, 'utf8') : arg).toString('latin1');
const bulk = (value: string | undefined): Reply =>
  value === undefined ? null : Buffer.from(value, 'latin1');
const NOT_INTEGER = { error: 'ERR value is not an integer or out of range' };

function toInteger(text: string): bigint | undefined {
  if (!/^(0|-?[1-9]\d{0,18})$/.test(text)) return undefined;
  const value = BigInt(text);
  return value >= -(2n ** 63n) && value < 2n ** 63n ? value : undefined;
}

export class MapModel {
  readonly data = new Map<string, string>();

  apply(args: readonly Arg[]): Reply {
    const name = String(args[0]).toUpperCase();
    const a = args.slice(1).map(bytes);
    const data = this.data;
    switch (name) {
      case 'GET':
        return bulk(data.get(a[0]!));
      case 'SET': {
        const old = data.get(a[0]!);
        const flags = new Set(a.slice(2).map((x) => x.toUpperCase()));
        if ((flags.has('NX') && old !== undefined) || (flags.has('XX') && old === undefined)) {
          return flags.has('GET') ? bulk(old) : null;
        }
        data.set(a[0]!, a[1]!);
        return flags.has('GET') ? bulk(old) : 'OK';
      }
      case 'SETNX':
        if (data.has(a[0]!)) return 0;
        data.set(a[0]!, a[1]!);
        return 1;
      case 'GETSET': {
        const old = data.get(a[0]!);
        data.set(a[0]!, a[1]!);
        return bulk(old);
      }
      case 'GETDEL': {
        const old = data.get(a[0]!);
        data.delete(a[0]!);
        return bulk(old);
      }
      case 'DEL':
        return a.filter((key) => data.delete(key)).length;
      case 'EXISTS':
        return a.filter((key) => data.has(key)).length;
      case 'INCR':
      case 'INCRBY':
      case 'DECRBY': {
        const current = data.has(a[0]!) ? toInteger(data.get(a[0]!)!) : 0n;
        const delta = name === 'INCR' ? 1n : toInteger(a[1]!);
        if (current === undefined || delta === undefined) return NOT_INTEGER;
        const next = current + (name === 'DECRBY' ? -delta : delta);
        if (next >= 2n ** 63n || next < -(2n ** 63n))
          return { error: 'ERR increment or decrement would overflow' };
        data.set(a[0]!, next.toString());
        return Number(next);
      }
      case 'APPEND': {
        const next = (data.get(a[0]!) ?? '') + a[1]!;
        data.set(a[0]!, next);
        return next.length;
      }
      case 'STRLEN':
        return data.get(a[0]!)?.length ?? 0;
      case 'MGET':
        return a.map((key) => bulk(data.get(key)));
      case 'MSET':
        for (let i = 0; i < a.length; i += 2) data.set(a[i]!, a[i + 1]!);
        return 'OK';
      case 'MSETNX':
        for (let i = 0; i < a.length; i += 2) if (data.has(a[i]!)) return 0;
        for (let i = 0; i < a.length; i += 2) data.set(a[i]!, a[i + 1]!);
        return 1;
      case 'DBSIZE':
        return data.size;
      case 'TYPE':
        return data.has(a[0]!) ? 'string' : 'none';
      case 'EXPIRE':
        // The fuzz only sends EXPIRE key -1: delete now.
        return data.delete(a[0]!) ? 1 : 0;
      case 'PERSIST':
        return 0;
      default:
        throw new Error(`model: no command ${name}`);
    }
  }
}
