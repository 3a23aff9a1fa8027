// A plain model of the commands the transaction fuzz sends through the typed methods: string
// values and whether each key has a deadline (deadlines are long; only their presence matters).
// Each operation returns what the typed method resolves to (node-redis's shapes), or an Error
// text for an error reply.

export interface ModelValue {
  value: string;
  deadline: boolean;
}

/** An operation as the fuzz draws it: a typed method's name and its arguments. */
export type Operation =
  | { method: 'set' | 'append' | 'incrBy'; key: string; value: string }
  | { method: 'get' | 'incr' | 'persist' | 'expire' | 'exists'; key: string }
  | { method: 'del'; keys: string[] }
  | { method: 'rename' | 'renameNX'; key: string; other: string }
  | { method: 'copy'; key: string; other: string; replace: boolean };

export type ModelReply = string | number | null | { error: string };

const NOT_INTEGER = { error: 'ERR value is not an integer or out of range' };

export class TransactionModel {
  readonly data = new Map<string, ModelValue>();

  /** Applies `op`; returns its reply. */
  apply(op: Operation): ModelReply {
    const data = this.data;
    switch (op.method) {
      case 'set':
        data.set(op.key, { value: op.value, deadline: false });
        return 'OK';
      case 'get':
        return data.get(op.key)?.value ?? null;
      case 'append': {
        const held = data.get(op.key);
        const value = (held?.value ?? '') + op.value;
        data.set(op.key, { value, deadline: held?.deadline ?? false });
        return value.length;
      }
      case 'incr':
        return this.increment(op.key, 1);
      case 'incrBy':
        return this.increment(op.key, Number(op.value));
      case 'persist': {
        const held = data.get(op.key);
        if (held === undefined || !held.deadline) return 0;
        held.deadline = false;
        return 1;
      }
      case 'expire': {
        const held = data.get(op.key);
        if (held === undefined) return 0;
        held.deadline = true;
        return 1;
      }
      case 'exists':
        return data.has(op.key) ? 1 : 0;
      case 'del':
        return op.keys.filter((key) => data.delete(key)).length;
      case 'rename':
      case 'renameNX':
        return this.rename(op.key, op.other, op.method === 'renameNX');
      case 'copy':
        return this.copy(op.key, op.other, op.replace);
    }
  }

  private increment(key: string, by: number): ModelReply {
    const held = this.data.get(key);
    const current = held === undefined ? 0 : Number(held.value);
    if (held !== undefined && !/^(0|-?[1-9]\d{0,14})$/.test(held.value)) return NOT_INTEGER;
    const value = String(current + by);
    this.data.set(key, { value, deadline: held?.deadline ?? false });
    return current + by;
  }

  private rename(key: string, other: string, nx: boolean): ModelReply {
    const held = this.data.get(key);
    if (held === undefined) return { error: 'ERR no such key' };
    if (key === other) return nx ? 0 : 'OK';
    if (nx && this.data.has(other)) return 0;
    this.data.delete(key);
    this.data.set(other, held);
    return nx ? 1 : 'OK';
  }

  private copy(key: string, other: string, replace: boolean): ModelReply {
    if (key === other) return { error: 'ERR source and destination objects are the same' };
    const held = this.data.get(key);
    if (held === undefined || (this.data.has(other) && !replace)) return 0;
    this.data.set(other, { ...held });
    return 1;
  }
}
