// The control messages of persistence (src/shared/control-messages.ts), as the shard handles them:
// a snapshot's commit or abandon, an fsync on request, and the slot fixes an open makes after a
// crash in the middle of a move (src/persistence/open-fixes.ts).

import type { Reply, ToShard } from '../../src/shared/control-messages.js';
import { createRingStorage, FrameWriter } from '../../src/shared/ring.js';
import { RecordApplier } from '../replication/apply.js';
import { COPY_LIMITS_DEFAULT, copySlot } from '../replication/full-copy.js';
import type { Shard } from '../shard.js';

type Message<K extends ToShard['type']> = Extract<ToShard, { type: K }>;

const ok = (message: ToShard): Reply => ({ type: 'reply', id: message.id });

function persistenceOf(shard: Shard) {
  const persistence = shard.persistence;
  if (persistence?.log === undefined) throw new Error(`worker ${shard.id} keeps no log`);
  return persistence;
}

export const PERSISTENCE_CONTROL = {
  'snapshot-commit'(shard: Shard, message: Message<'snapshot-commit'>): Reply {
    persistenceOf(shard).committed(message.generation);
    return ok(message);
  },
  'snapshot-abandon'(shard: Shard, message: Message<'snapshot-abandon'>): Reply {
    persistenceOf(shard).abandoned(message.generation);
    return ok(message);
  },
  sync(shard: Shard, message: Message<'sync'>): Reply {
    shard.persistence?.syncNow();
    return ok(message);
  },
  'slot-export'(shard: Shard, message: Message<'slot-export'>): Reply {
    const w = new FrameWriter(createRingStorage(64));
    const keyspace = shard.keyspace;
    copySlot(w, keyspace, message.slot, 0, COPY_LIMITS_DEFAULT);
    return { ...ok(message), records: new Uint8Array(w.buf.subarray(w.head, w.tail)) };
  },
  'slot-import'(shard: Shard, message: Message<'slot-import'>): Reply {
    const persistence = persistenceOf(shard);
    const { keyspace, control } = shard;
    const buf = Buffer.from(
      message.records.buffer,
      message.records.byteOffset,
      message.records.byteLength,
    );
    const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    const applier = new RecordApplier(keyspace, shard.id, control.owner);
    const now = keyspace.now;
    const mark = keyspace.importMarks.get(message.slot);
    for (let at = 0; at < buf.length; at += view.getUint32(at, true)) {
      const failed = applier.apply(buf, view, at);
      if (failed !== undefined) throw new Error(`slot ${message.slot}: ${failed}`);
    }
    keyspace.now = now;
    // The keys are the owner's now; the other shard's import mark is not carried over.
    if (mark === undefined) keyspace.importMarks.delete(message.slot);
    else keyspace.importMarks.set(message.slot, mark);
    const journal = shard.replication.journal!;
    for (const key of keyspace.table(message.slot)?.keys() ?? [])
      journal.appendKey(message.slot, key);
    persistence.syncNow();
    return ok(message);
  },
  'slot-drop'(shard: Shard, message: Message<'slot-drop'>): Reply {
    const persistence = persistenceOf(shard);
    shard.keyspace.dropSlot(message.slot);
    shard.replication.journal!.appendDropSlot(message.slot);
    persistence.syncNow();
    return ok(message);
  },
};
