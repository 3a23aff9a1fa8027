// A plain model of the hash commands for the hash model fuzz: each key holds a Map of fields (or a
// string, so that WRONGTYPE is hit), changed as directly as possible so that it is obviously right.
// Values are integers, short texts and the sums HINCRBYFLOAT makes of exact binary fractions, so
// that JS prints every float the way Redis does.

export const WRONGTYPE = 'WRONGTYPE Operation against a key holding the wrong kind of value';
const HASH_NOT_INTEGER = 'ERR hash value is not an integer';
const HASH_NOT_FLOAT = 'ERR hash value is not a float';

/** An error the model expects, compared by message. */
export class Expected {
  constructor(readonly error: string) {}
}

const INTEGER = /^(0|-?[1-9]\d*)$/;
const FLOAT = /^-?\d+(\.\d+)?$/;

export class HashModel {
  readonly data = new Map<string, Map<string, string> | string>();

  /** The hash at `key`; undefined when missing; an Expected WRONGTYPE for a string. */
  hash(key: string): Map<string, string> | undefined | Expected {
    const value = this.data.get(key);
    return typeof value === 'string' ? new Expected(WRONGTYPE) : value;
  }

  /** The hash at `key` for a write, created when missing (and stored once it holds a field). */
  private writable(key: string): Map<string, string> | Expected {
    const hash = this.hash(key);
    return hash ?? new Map<string, string>();
  }

  private store(key: string, hash: Map<string, string>): void {
    if (hash.size === 0) this.data.delete(key);
    else this.data.set(key, hash);
  }

  hSet(key: string, pairs: [string, string][]): number | Expected {
    const hash = this.writable(key);
    if (hash instanceof Expected) return hash;
    let created = 0;
    for (const [field, value] of pairs) {
      if (!hash.has(field)) created++;
      hash.set(field, value);
    }
    this.store(key, hash);
    return created;
  }

  hSetNX(key: string, field: string, value: string): number | Expected {
    const hash = this.writable(key);
    if (hash instanceof Expected) return hash;
    if (hash.has(field)) return 0;
    hash.set(field, value);
    this.store(key, hash);
    return 1;
  }

  hDel(key: string, fields: string[]): number | Expected {
    const hash = this.hash(key);
    if (hash === undefined || hash instanceof Expected) return hash ?? 0;
    let deleted = 0;
    for (const field of fields) if (hash.delete(field)) deleted++;
    this.store(key, hash);
    return deleted;
  }

  hIncrBy(key: string, field: string, increment: number): number | Expected {
    const hash = this.writable(key);
    if (hash instanceof Expected) return hash;
    const current = hash.get(field) ?? '0';
    if (!INTEGER.test(current)) return new Expected(HASH_NOT_INTEGER);
    const next = Number(current) + increment;
    hash.set(field, String(next));
    this.store(key, hash);
    return next;
  }

  hIncrByFloat(key: string, field: string, increment: number): string | Expected {
    const hash = this.writable(key);
    if (hash instanceof Expected) return hash;
    const current = hash.get(field) ?? '0';
    if (!FLOAT.test(current)) return new Expected(HASH_NOT_FLOAT);
    const next = String(Number(current) + increment);
    hash.set(field, next);
    this.store(key, hash);
    return next;
  }

  /** A read of the hash at `key` through `read`; WRONGTYPE for a string, `missing` when absent. */
  read<T>(key: string, missing: T, read: (hash: Map<string, string>) => T): T | Expected {
    const hash = this.hash(key);
    if (hash instanceof Expected) return hash;
    return hash === undefined ? missing : read(hash);
  }
}
