// A plain model of Redis lists for the list fuzz tests: a Map of keys to arrays (or strings, for
// type errors), with each command written the obvious way, so that the ring-buffer lists can be
// checked against it step by step.

import type { Random } from './random.js';

const WRONGTYPE = 'WRONGTYPE Operation against a key holding the wrong kind of value';

export type ModelReply = unknown;

/** An error reply, as the test compares it. */
export const failure = (message: string): { error: string } => ({ error: message });

export type Side = 'LEFT' | 'RIGHT';

export class ListModel {
  readonly data = new Map<string, string[] | string>();

  /** The list at key, undefined when missing; throws the WRONGTYPE reply for a string. */
  private list(key: string): string[] | undefined {
    const value = this.data.get(key);
    if (typeof value === 'string') throw failure(WRONGTYPE);
    return value;
  }

  /** Runs `body`, turning a thrown error reply into the reply. */
  apply(body: () => ModelReply): ModelReply {
    try {
      return body();
    } catch (error) {
      return error;
    }
  }

  private settle(key: string, list: string[]): void {
    if (list.length === 0) this.data.delete(key);
  }

  push(key: string, elements: string[], head: boolean, onlyExisting: boolean): ModelReply {
    let list = this.list(key);
    if (list === undefined) {
      if (onlyExisting) return 0;
      list = [];
      this.data.set(key, list);
    }
    for (const element of elements) {
      if (head) list.unshift(element);
      else list.push(element);
    }
    return list.length;
  }

  pop(key: string, head: boolean, count?: number): ModelReply {
    const list = this.list(key);
    if (list === undefined) return null;
    if (count === undefined) {
      const value = head ? list.shift()! : list.pop()!;
      this.settle(key, list);
      return value;
    }
    if (count === 0) return [];
    const popped = head ? list.splice(0, count) : list.splice(-count).reverse();
    this.settle(key, list);
    return popped;
  }

  length(key: string): ModelReply {
    return this.list(key)?.length ?? 0;
  }

  range(key: string, start: number, end: number): ModelReply {
    const list = this.list(key) ?? [];
    const [first, count] = clip(start, end, list.length);
    return list.slice(first, first + count);
  }

  index(key: string, index: number): ModelReply {
    const list = this.list(key);
    if (list === undefined) return null;
    return list[index < 0 ? index + list.length : index] ?? null;
  }

  set(key: string, index: number, element: string): ModelReply {
    const list = this.list(key);
    if (list === undefined) throw failure('ERR no such key');
    const at = index < 0 ? index + list.length : index;
    if (at < 0 || at >= list.length) throw failure('ERR index out of range');
    list[at] = element;
    return 'OK';
  }

  insert(key: string, after: boolean, pivot: string, element: string): ModelReply {
    const list = this.list(key);
    if (list === undefined) return 0;
    const at = list.indexOf(pivot);
    if (at < 0) return -1;
    list.splice(after ? at + 1 : at, 0, element);
    return list.length;
  }

  remove(key: string, count: number, element: string): ModelReply {
    const list = this.list(key);
    if (list === undefined) return 0;
    const indexes = list.flatMap((e, i) => (e === element ? [i] : []));
    const chosen = count > 0 ? indexes.slice(0, count) : count < 0 ? indexes.slice(count) : indexes;
    for (const i of [...chosen].reverse()) list.splice(i, 1);
    this.settle(key, list);
    return chosen.length;
  }

  trim(key: string, start: number, end: number): ModelReply {
    const list = this.list(key);
    if (list === undefined) return 'OK';
    const [first, count] = clip(start, end, list.length);
    list.splice(0, list.length, ...list.slice(first, first + count));
    this.settle(key, list);
    return 'OK';
  }

  /** LPOS with rank (≠ 0), maxlen (≥ 0) and count (undefined: without COUNT). */
  position(key: string, element: string, rank: number, maxlen: number, count?: number): ModelReply {
    const list = this.list(key);
    if (list === undefined) return count === undefined ? null : [];
    const order = list.map((_, i) => (rank > 0 ? i : list.length - 1 - i));
    const scanned = maxlen === 0 ? order : order.slice(0, maxlen);
    const matches = scanned.filter((i) => list[i] === element).slice(Math.abs(rank) - 1);
    if (count === undefined) return matches[0] ?? null;
    return count === 0 ? matches : matches.slice(0, count);
  }

  move(source: string, destination: string, from: Side, to: Side): ModelReply {
    const list = this.list(source);
    if (list === undefined) return null;
    const target = this.list(destination);
    const value = from === 'LEFT' ? list.shift()! : list.pop()!;
    const into = target ?? [];
    if (to === 'LEFT') into.unshift(value);
    else into.push(value);
    this.data.set(destination, into);
    if (source !== destination) this.settle(source, list);
    return value;
  }

  multiPop(keys: string[], side: Side, count: number): ModelReply {
    for (const key of keys) {
      const list = this.list(key);
      if (list !== undefined) return [key, this.pop(key, side === 'LEFT', count)];
    }
    return null;
  }
}

/** LRANGE's and LTRIM's reading of start and end: [first index, count]. */
function clip(start: number, end: number, size: number): [number, number] {
  let from = start < 0 ? start + size : start;
  let to = end < 0 ? end + size : end;
  if (from < 0) from = 0;
  if (from > to || from >= size) return [0, 0];
  if (to >= size) to = size - 1;
  return [from, to - from + 1];
}

export function pickSide(r: Random): Side {
  return r.chance(0.5) ? 'LEFT' : 'RIGHT';
}
