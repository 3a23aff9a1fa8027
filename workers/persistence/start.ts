// A primary opened on a data directory recovers before it serves: its ready event carries what the
// recovery found, or why it failed (the opening thread then refuses the open with that error).

import { PersistenceError } from '../../src/errors.js';
import type { ShardEvent, ShardInit } from '../../src/shared/control-messages.js';
import type { Shard } from '../shard.js';

export function startPersistence(shard: Shard, init: ShardInit): ShardEvent {
  const persistence = shard.persistence;
  const files = init.persistence?.files;
  const journal = shard.replication.journal;
  if (persistence === undefined || files === undefined || journal === undefined) {
    return { type: 'ready' };
  }
  try {
    const recovery = persistence.recover(files);
    journal.startAt(recovery.offset);
    shard.control.setOffset(shard.id, recovery.offset);
    persistence.attach(journal);
    return { type: 'ready', recovery };
  } catch (error) {
    if (!(error instanceof PersistenceError)) throw error;
    const failed = { file: error.file, offset: error.offset, problem: error.problem };
    return { type: 'ready', failed };
  }
}
