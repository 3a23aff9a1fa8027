// Failover of a database kept on disk (replicas: 1, appendfsync 'always'): the promoted replica
// takes the shard's log over and writes go on; after a reopen every acknowledged write is there and
// nothing else was invented. The primary dies at chosen moments of a snapshot's life: while writes
// and snapshots run, as its snapshot reaches the opening thread, once the manifest names the new
// files, and with its snapshot event arriving after the failover chose the files to take over.

import { describe, expect, it } from 'vitest';
import { kPool } from '../../dist/src/db.js';
import type { SlotDB } from '../../dist/src/index.js';
import { SlotDB as DB } from '../../dist/src/index.js';
import type { DataStore } from '../../dist/src/persistence/store.js';
import { failoverRecords, replicasStreaming, shardWorker } from '../../dist/src/testing.js';
import { cleanTempDirsAfterEach, tempDir } from '../support/data-dirs.js';
import { until } from '../support/failover.js';

cleanTempDirsAfterEach();

const BATCH = 50;

/** Pipelined SETs of k<n> = v<n> until stopped; what was acknowledged, and what was tried. */
function startWriter(db: SlotDB): { stop: () => Promise<{ acked: Set<number>; tried: number }> } {
  const acked = new Set<number>();
  let next = 0;
  let running = true;
  const done = (async () => {
    while (running) {
      const batch: Promise<unknown>[] = [];
      for (let i = 0; i < BATCH; i++) {
        const n = next++;
        batch.push(
          db.set(`k${n}`, `v${n}`).then(
            () => acked.add(n),
            (error: Error) => {
              // A write sent to the primary that died may or may not have run.
              if (error.name !== 'FailoverError') throw error;
            },
          ),
        );
      }
      await Promise.all(batch);
    }
  })();
  return {
    stop: async () => {
      running = false;
      await done;
      return { acked, tried: next };
    },
  };
}

/** Reopens `dir`: every acknowledged key holds its value, and no key is one never written. */
async function expectRecovered(
  dir: string,
  acked: ReadonlySet<number>,
  tried: number,
): Promise<void> {
  const db = await DB.open({ shards: 1, dir });
  try {
    const missing: number[] = [];
    for (const n of acked) if ((await db.get(`k${n}`)) !== `v${n}`) missing.push(n);
    expect(missing).toEqual([]);
    const keys = await db.keys('*');
    const invented = keys.filter((key) => {
      const n = Number(key.slice(1));
      return !(key.startsWith('k') && Number.isInteger(n) && n < tried);
    });
    expect(invented).toEqual([]);
    for (const key of keys) expect(await db.get(key)).toBe(`v${key.slice(1)}`);
  } finally {
    await db.close();
  }
}

/**
 * Opens a one-shard database with a replica on a new directory, snapshots every few KiB, lets
 * `arrange` set its trap, writes until a failover happened and a little after; then reopens.
 */
async function failoverUnderLoad(
  arrange: (db: SlotDB, store: DataStore, kill: () => void) => void,
): Promise<void> {
  const dir = tempDir();
  const db = await DB.open({
    shards: 1,
    replicas: 1,
    dir,
    appendfsync: 'always',
    autoAofRewriteMinSize: 16_384,
  });
  let result: { acked: Set<number>; tried: number };
  try {
    await replicasStreaming(db);
    const dead = db.stats().shards[0]!.primary;
    let killed = false;
    const kill = (): void => {
      if (killed) return;
      killed = true;
      void shardWorker(db, 0).terminate();
    };
    arrange(db, db[kPool]!.store!, kill);
    const writer = startWriter(db);
    try {
      await until(() => failoverRecords(db).length > 0, 15_000);
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(failoverRecords(db)).toHaveLength(1);
    } finally {
      result = await writer.stop();
    }
    const record = failoverRecords(db)[0]!;
    expect(record.from).toBe(dead);
    expect(record.to).not.toBe(-1);
    // Writes went on after the failover.
    const after = result.tried;
    await db.set(`k${after}`, `v${after}`);
    result.acked.add(after);
    result.tried++;
    expect(result.acked.size).toBeGreaterThan(BATCH);
  } finally {
    await db.close();
  }
  await expectRecovered(dir, result.acked, result.tried);
}

describe("failover with a data directory (appendfsync 'always')", () => {
  it('keeps every acknowledged write when the primary dies while writes and snapshots run', async () => {
    await failoverUnderLoad((_db, _store, kill) => {
      setTimeout(kill, 150 + Math.random() * 300);
    });
  });

  it('keeps every acknowledged write when the primary dies as its snapshot reaches the opening thread', async () => {
    // Regression: the commit awaited the dead primary's answer to 'snapshot-commit', which comes
    // only once the failover marks it dead, and the failover awaited the commit: the shard hung.
    await failoverUnderLoad((_db, store, kill) => {
      const written = store.snapshotWritten.bind(store);
      store.snapshotWritten = (seat, snapshot) => {
        kill();
        written(seat, snapshot);
      };
    });
  });

  it('keeps every acknowledged write when the primary dies once the manifest names its snapshot', async () => {
    await failoverUnderLoad((_db, store, kill) => {
      const written = store.snapshotWritten.bind(store);
      store.snapshotWritten = (seat, snapshot) => {
        const save = store.saveManifest.bind(store);
        store.saveManifest = () => {
          store.saveManifest = save;
          const saved = save();
          void saved.then(kill, () => undefined);
          return saved;
        };
        written(seat, snapshot);
      };
    });
  });

  it('keeps every acknowledged write when the snapshot event of the dead primary comes after the failover chose its files', async () => {
    // Regression: the dead primary counts as live and primary until the promotion ends, so a
    // commit made meanwhile named new files and removed the log the promoted replica had taken.
    await failoverUnderLoad((_db, store, kill) => {
      const written = store.snapshotWritten.bind(store);
      const files = store.filesForPromotion.bind(store);
      let held: (() => void) | undefined;
      store.snapshotWritten = (seat, snapshot) => {
        if (held !== undefined) return written(seat, snapshot);
        held = () => written(seat, snapshot);
        kill();
      };
      store.filesForPromotion = async (shard) => {
        const chosen = await files(shard);
        const late = held;
        held = () => undefined;
        late?.();
        // The late commit runs (and is refused) before the promotion goes on.
        await files(shard);
        return chosen;
      };
    });
  });
});

describe('planned failover with a data directory', () => {
  // The take-over carries the shard's files (store.filesForPromotion): the new primary takes over
  // the log, so the writes after the failover are on disk too.
  it('keeps the writes made after db.failover() across a reopen', async () => {
    const dir = tempDir();
    const options = { shards: 1, replicas: 1, dir, appendfsync: 'always' } as const;
    let db = await DB.open(options);
    try {
      await replicasStreaming(db);
      await db.set('before', '1');
      await db.failover(0);
      await db.set('after', '2');
    } finally {
      await db.close();
    }
    db = await DB.open(options);
    try {
      expect(await db.mGet(['before', 'after'])).toEqual(['1', '2']);
    } finally {
      await db.close();
    }
  });
});
