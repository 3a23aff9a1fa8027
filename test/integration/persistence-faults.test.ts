// A log that cannot be written (a full disk, injected with ShardFaults.logWriteError): under
// appendfsync 'everysec' and 'no' the shard refuses writes with Redis's MISCONF error and goes on
// serving reads, until the disk takes the log again; nothing it acknowledged is lost. Under
// 'always' the shard's worker exits, as Redis does (an acknowledged write could be lost otherwise):
// its callers get ShardDownError, or, with a replica, the replica takes the shard and its log over.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ShardDownError, SlotDB } from '../../dist/src/index.js';
import {
  failoverRecords,
  replicasStreaming,
  setShardFaults,
  shardWorker,
} from '../../dist/src/testing.js';
import { errorOf } from '../support/db.js';
import { checkSlotMap, keysOf, until } from '../support/failover.js';

const ENOSPC = 'ENOSPC: no space left on device';
const MISCONF = 'MISCONF Errors writing to the AOF file: ';

const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'slotdb-'));
  dirs.push(dir);
  return dir;
}
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** Sets `key` until the shard accepts writes again (the first may still meet the old refusal). */
async function setUntilAccepted(db: SlotDB, key: string, value: string): Promise<void> {
  const deadline = performance.now() + 10_000;
  for (;;) {
    try {
      await db.set(key, value);
      return;
    } catch (error) {
      if (!(error as Error).message.startsWith(MISCONF) || performance.now() > deadline) {
        throw error;
      }
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }
}

/** Every key of `expected` holds its value in `db`. */
async function expectKeys(db: SlotDB, expected: ReadonlyMap<string, string>): Promise<void> {
  const keys = [...expected.keys()];
  const values = await Promise.all(keys.map((key) => db.get(key)));
  expect(Object.fromEntries(keys.map((key, i) => [key, values[i]]))).toEqual(
    Object.fromEntries(expected),
  );
}

describe('a log write that fails', () => {
  for (const appendfsync of ['everysec', 'no'] as const) {
    it(`under appendfsync '${appendfsync}': writes get MISCONF, reads go on, and once the disk takes the log again nothing acknowledged is lost`, async () => {
      const dir = tempDir();
      const acked = new Map<string, string>();
      let db = await SlotDB.open({ shards: 2, dir, appendfsync });
      try {
        const [a, b, c] = keysOf(db, 1, 'k', 3);
        const [other] = keysOf(db, 0, 'o', 1);
        await db.set(a!, 'before');
        acked.set(a!, 'before');
        await setShardFaults(db, 1, { logWriteError: ENOSPC });
        // The write that meets the failure was executed and acknowledged (the log is written at
        // the end of the turn): it stays staged, and is written once the disk takes it.
        await db.set(b!, 'staged');
        acked.set(b!, 'staged');
        const refused = await errorOf(db.set(c!, 'refused'));
        expect(refused.startsWith(MISCONF)).toBe(true);
        expect(refused).toContain('shard-1-1.log');
        expect(refused).toContain(ENOSPC);
        // Every write is refused, of any type; reads are served.
        expect(await errorOf(db.hSet(c!, 'f', 'v'))).toBe(refused);
        expect(await errorOf(db.del(a!))).toBe(refused);
        expect(await db.get(a!)).toBe('before');
        expect(await db.get(b!)).toBe('staged');
        expect(await db.exists(c!)).toBe(0);
        // The other shard's log is fine: it takes writes.
        await db.set(other!, 'fine');
        acked.set(other!, 'fine');

        await setShardFaults(db, 1, {});
        await setUntilAccepted(db, c!, 'after');
        acked.set(c!, 'after');
        await db.set(a!, 'rewritten');
        acked.set(a!, 'rewritten');
        await expectKeys(db, acked);
      } finally {
        await db.close();
      }
      db = await SlotDB.open({ shards: 2, dir, appendfsync });
      try {
        await expectKeys(db, acked);
        expect(await db.dbSize()).toBe(acked.size);
      } finally {
        await db.close();
      }
    });
  }

  it("under appendfsync 'always': the shard's worker exits, its callers get ShardDownError, and what it acknowledged is there after a reopen", async () => {
    const dir = tempDir();
    const acked = new Map<string, string>();
    let db = await SlotDB.open({ shards: 2, dir, appendfsync: 'always' });
    try {
      const [a, b] = keysOf(db, 1, 'k', 2);
      const [other] = keysOf(db, 0, 'o', 1);
      await db.set(a!, 'before');
      acked.set(a!, 'before');
      await setShardFaults(db, 1, { logWriteError: ENOSPC });
      const error = await db.set(b!, 'never').catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ShardDownError);
      expect((error as Error).message).toContain('shard 1 is down');
      await expect(db.get(a!)).rejects.toThrow(ShardDownError);
      expect(db.stats().shards[1]!.state).toBe('dead');
      await db.set(other!, 'fine');
      acked.set(other!, 'fine');
    } finally {
      await db.close();
    }
    db = await SlotDB.open({ shards: 2, dir, appendfsync: 'always' });
    try {
      await expectKeys(db, acked);
      expect(await db.dbSize()).toBe(acked.size);
    } finally {
      await db.close();
    }
  });

  it("under appendfsync 'always' with a replica: the replica takes the shard and its log over; writes go on and survive a reopen", async () => {
    const dir = tempDir();
    const acked = new Map<string, string>();
    const options = { shards: 2, replicas: 1, dir, appendfsync: 'always' } as const;
    let db = await SlotDB.open(options);
    try {
      const keys = keysOf(db, 1, 'k', 41);
      const lost = keys.pop()!;
      for (const key of keys.slice(0, 20)) {
        await db.set(key, `v-${key}`);
        acked.set(key, `v-${key}`);
      }
      const dead = db.stats().shards[1]!.primary;
      await setShardFaults(db, 1, { logWriteError: ENOSPC });
      // The write that meets the failure is lost with the worker (it was never acknowledged), or
      // fails over; either way later writes land on the promoted replica.
      await db.set(lost, 'x').catch(() => undefined);
      await until(() => failoverRecords(db).length > 0);
      expect(failoverRecords(db)[0]!.from).toBe(dead);
      expect(failoverRecords(db)[0]!.to).toBeGreaterThanOrEqual(0);
      for (const key of keys.slice(20)) {
        await setAfterFailover(db, key, `v-${key}`);
        acked.set(key, `v-${key}`);
      }
      checkSlotMap(db);
      await expectKeys(db, acked);
    } finally {
      await db.close();
    }
    db = await SlotDB.open(options);
    try {
      await expectKeys(db, acked);
    } finally {
      await db.close();
    }
  });

  // While the log cannot take a record, the replicas get nothing past what the log holds: a
  // promoted replica must never hold more than the log it takes over (takeOver would refuse it and
  // the shard would go down). So WAIT does not count a write the log lacks, and the primary's
  // death, then, loses only writes nothing counted.
  it("under appendfsync 'everysec' with a replica: nothing the log lacks reaches the replica, and a primary that dies then fails over", async () => {
    const dir = tempDir();
    const options = { shards: 1, replicas: 1, dir, appendfsync: 'everysec' } as const;
    let db = await SlotDB.open(options);
    try {
      await replicasStreaming(db);
      await db.set('a', '1');
      expect(await db.wait(1, 5000)).toBe(1);
      await setShardFaults(db, 0, { logWriteError: ENOSPC });
      await db.set('b', '2');
      expect(await db.wait(1, 300)).toBe(0);
      await shardWorker(db, 0).terminate();
      await setAfterFailover(db, 'c', '3');
      expect(await db.get('a')).toBe('1');
    } finally {
      await db.close();
    }
    db = await SlotDB.open(options);
    try {
      expect(await db.mGet(['a', 'c'])).toEqual(['1', '3']);
    } finally {
      await db.close();
    }
  });
});

/** Sets `key`, retried while its shard fails over (FailoverError). */
async function setAfterFailover(db: SlotDB, key: string, value: string): Promise<void> {
  const deadline = performance.now() + 10_000;
  for (;;) {
    try {
      await db.set(key, value);
      return;
    } catch (error) {
      if ((error as Error).name !== 'FailoverError' || performance.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }
}
