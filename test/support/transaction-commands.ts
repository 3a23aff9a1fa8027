// Random transaction blocks for the differential test: what one connection (`tx`) sends around a
// MULTI...EXEC, and what a second connection (`other`) changes meanwhile. Keys are mostly in one
// slot (the `{h}` tag), so transactions run; a few live in other slots, so that CROSSSLOT is
// answered at queue time (one command's keys) and at EXEC (commands of two slots), as a Redis
// Cluster node answers. Nothing depends on the clock: deadlines are long and only their presence
// is read back (PERSIST answers 1 when a key had one).
//
// The blocks keep to what slotdb answers as a single Redis Cluster node does: watched keys and
// the first queued command are in the `{h}` slot (a WATCH in one slot and a transaction in
// another runs on one node, and is CROSSSLOT in slotdb), COPY names no database but 0 or one out
// of range, and no command that looks beyond one slot is queued.

import type { Random } from './random.js';

export type Arg = string | Buffer;

/** One command of a block, sent on the transaction's connection or on the other one. */
export interface Step {
  readonly other: boolean;
  readonly args: Arg[];
}

export const HOME_KEYS: readonly Arg[] = [
  '{h}a',
  '{h}b',
  '{h}c',
  '{h}n',
  Buffer.from([0x7b, 0x68, 0x7d, 0xff, 0x00]),
];
/** Keys in two other slots. */
export const FOREIGN_KEYS: readonly Arg[] = ['x1', 'x2'];

function value(r: Random): Arg {
  switch (r.int(5)) {
    case 0:
      return String(r.between(-20, 20));
    case 1:
      return r.pick(['9223372036854775807', '1.5', '', 'ü🙂']);
    case 2:
      return Buffer.from([r.int(256), 0, r.int(256)]);
    default:
      return `v${r.int(100)}`;
  }
}

const home = (r: Random): Arg => r.pick(HOME_KEYS);

/** A command on `key` (and other keys of its slot when `keys` has them). */
function keyCommand(r: Random, key: Arg, keys: readonly Arg[]): Arg[] {
  const other = (): Arg => r.pick(keys);
  switch (r.int(22)) {
    case 0:
    case 1:
      return ['GET', key];
    case 2:
    case 3: {
      const args: Arg[] = ['SET', key, value(r)];
      if (r.chance(0.2)) args.push(r.pick(['NX', 'XX']));
      if (r.chance(0.1)) args.push('GET');
      if (r.chance(0.15)) args.push('EX', '5000');
      return args;
    }
    case 4:
      return ['INCR', key];
    case 5:
      return ['INCRBY', key, String(r.between(-5, 5))];
    case 6:
      return ['APPEND', key, value(r)];
    case 7:
      return ['DEL', key, ...(r.chance(0.5) ? [other()] : [])];
    case 8:
      return ['EXISTS', key, other()];
    case 9:
      return ['MGET', key, other()];
    case 10:
      return ['MSET', key, value(r), other(), value(r)];
    case 11:
      return ['RENAME', key, other()];
    case 12:
      return ['RENAMENX', key, other()];
    case 13: {
      const args: Arg[] = ['COPY', key, other()];
      if (r.chance(0.4)) args.push('REPLACE');
      if (r.chance(0.2)) args.push('DB', r.pick(['0', '99', 'x']));
      return args;
    }
    case 14:
      return ['EXPIRE', key, r.pick(['1000', '2000', '-1']), ...(r.chance(0.3) ? ['NX'] : [])];
    case 15:
      return ['PERSIST', key];
    case 16:
      return ['TYPE', key];
    case 17:
      return ['GETDEL', key];
    case 18:
      return ['STRLEN', key];
    case 19:
      return ['SETRANGE', key, String(r.between(0, 5)), value(r)];
    case 20:
      return ['SETNX', key, value(r)];
    default:
      return ['GETSET', key, value(r)];
  }
}

/**
 * A command queued in a transaction: mostly in the home slot, sometimes wrong, and (when nothing
 * is watched) sometimes in another slot.
 */
function queuedCommand(r: Random, first: boolean, watching: boolean): Arg[] {
  if (first) return keyCommand(r, home(r), HOME_KEYS);
  const roll = watching ? 0.07 + r.next() * 0.93 : r.next();
  if (roll < 0.04) return keyCommand(r, r.pick(FOREIGN_KEYS), [r.pick(FOREIGN_KEYS)]);
  if (roll < 0.07) return ['MGET', home(r), r.pick(FOREIGN_KEYS)];
  if (roll < 0.15) {
    return r.pick<Arg[]>([
      ['GET'],
      ['SET', home(r)],
      ['NOPE', 'x'],
      ['SET', home(r), 'v', 'NX', 'XX'],
      ['INCRBY', home(r), 'x'],
      ['COPY', home(r), home(r), 'FOO'],
      ['RENAME', home(r)],
      ['PING'],
      ['ECHO', 'hi'],
      ['PING', 'a', 'b'],
      ['MULTI'],
      ['WATCH', home(r)],
      ['WATCH'],
      ['UNWATCH'],
      ['DISCARD', 'x'],
      ['MULTI', 'x'],
    ]);
  }
  return keyCommand(r, home(r), HOME_KEYS);
}

/** What the other connection does while `tx` watches or queues: writes and reads of home keys. */
function otherCommand(r: Random): Arg[] {
  if (r.chance(0.02)) return ['FLUSHALL'];
  return keyCommand(r, home(r), HOME_KEYS);
}

/**
 * Blocks of steps, remembering whether the transaction's connection watches keys. While it does,
 * no queued command is in another slot: a Redis node stops queueing once a watched key changed,
 * so whether EXEC answers CROSSSLOT or null there depends on when the key changed, which slotdb
 * does not follow (it answers CROSSSLOT; docs/types/transactions.md).
 */
export class TransactionBlocks {
  private watching = false;

  constructor(private readonly r: Random) {}

  /** One block: a transaction, a lone command of either connection, or connection state misused. */
  next(): Step[] {
    const r = this.r;
    const roll = r.next();
    if (roll < 0.6) return this.transaction();
    if (roll < 0.85) return [{ other: r.chance(0.5), args: keyCommand(r, home(r), HOME_KEYS) }];
    const args = r.pick<Arg[]>([
      ['EXEC'],
      ['DISCARD'],
      ['UNWATCH'],
      ['WATCH'],
      ['MULTI', 'x'],
      ['EXEC', 'x'],
      ['WATCH', home(r), home(r)],
      ['WATCH', home(r), r.pick(FOREIGN_KEYS)],
      ['RENAME', home(r), r.pick(FOREIGN_KEYS)],
      ['COPY', home(r), r.pick(FOREIGN_KEYS)],
    ]);
    const name = String(args[0]);
    if (name === 'UNWATCH' || (name === 'EXEC' && args.length > 1)) this.watching = false;
    if (
      name === 'WATCH' &&
      args.length > 1 &&
      args.every((arg, i) => i === 0 || HOME_KEYS.includes(arg))
    ) {
      this.watching = true;
    }
    return [{ other: false, args }];
  }

  private transaction(): Step[] {
    const r = this.r;
    const steps: Step[] = [];
    const tx = (args: Arg[]): void => {
      steps.push({ other: false, args });
    };
    const other = (): void => {
      steps.push({ other: true, args: otherCommand(r) });
    };
    if (r.chance(0.5)) {
      tx(['WATCH', ...Array.from({ length: r.between(1, 3) }, () => home(r))]);
      this.watching = true;
      if (r.chance(0.3)) tx(['WATCH', home(r)]);
      if (r.chance(0.3)) tx(keyCommand(r, home(r), HOME_KEYS));
      if (r.chance(0.5)) other();
      if (r.chance(0.1)) {
        tx(['UNWATCH']);
        this.watching = false;
      }
    }
    tx(['MULTI']);
    const count = r.between(0, 6);
    for (let i = 0; i < count; i++) {
      tx(queuedCommand(r, i === 0, this.watching));
      if (r.chance(0.1)) other();
    }
    const end = r.next();
    tx(end < 0.08 ? ['DISCARD'] : end < 0.11 ? ['EXEC', 'x'] : ['EXEC']);
    // EXEC (whatever it answers) and DISCARD end the watch.
    this.watching = false;
    return steps;
  }
}
