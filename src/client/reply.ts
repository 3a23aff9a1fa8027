// Decoding reply values into what node-redis returns: bulk strings as UTF-8 strings (or Buffers
// when asked), integers as numbers, status lines as strings, nil as null, arrays as arrays, and
// error replies as ErrorReply objects (the caller rejects with them).

import { ErrorReply, FailoverError, InvariantError, ShardDownError } from '../errors.js';
import { ValueType } from '../shared/codec.js';
import { FAILOVER_PREFIX, SHARD_DOWN_PREFIX } from '../shared/reply-errors.js';

/** Offset just past the last value decodeValue() read. */
export let decodedEnd = 0;

export function decodeValue(buf: Buffer, view: DataView, at: number, buffers: boolean): unknown {
  const type = buf[at];
  switch (type) {
    case ValueType.Bulk: {
      const start = at + 5;
      const end = start + view.getUint32(at + 1, true);
      decodedEnd = end;
      if (!buffers) return buf.toString('utf8', start, end);
      const copy = Buffer.allocUnsafe(end - start);
      buf.copy(copy, 0, start, end);
      return copy;
    }
    case ValueType.Nil:
      decodedEnd = at + 1;
      return null;
    case ValueType.Int:
      decodedEnd = at + 9;
      return view.getFloat64(at + 1, true);
    case ValueType.Status: {
      const start = at + 5;
      decodedEnd = start + view.getUint32(at + 1, true);
      return buf.toString('utf8', start, decodedEnd);
    }
    case ValueType.Error: {
      const start = at + 5;
      decodedEnd = start + view.getUint32(at + 1, true);
      const text = buf.toString('utf8', start, decodedEnd);
      if (text.startsWith(FAILOVER_PREFIX)) {
        const [shard, worker, primary, code] = text.slice(FAILOVER_PREFIX.length).split(' ');
        return new FailoverError(Number(shard), Number(worker), Number(primary), Number(code));
      }
      if (text.startsWith(SHARD_DOWN_PREFIX)) {
        const [shard, ...detail] = text.slice(SHARD_DOWN_PREFIX.length).split(' ');
        return new ShardDownError(Number(shard), detail.join(' '));
      }
      return new ErrorReply(text);
    }
    case ValueType.Array: {
      const count = view.getUint32(at + 1, true);
      const items = new Array<unknown>(count);
      let next = at + 5;
      for (let i = 0; i < count; i++) {
        items[i] = decodeValue(buf, view, next, buffers);
        next = decodedEnd;
      }
      decodedEnd = next;
      return items;
    }
    default:
      throw new InvariantError(`corrupt reply value type ${type} at ${at}`);
  }
}
