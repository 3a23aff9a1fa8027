// Issue 12: a shard must never die from a request. Requests with more arguments than a frame may
// carry are refused on the client; malformed frames pushed straight into a shard's request ring
// are answered with an error reply, and the shard goes on with its keys intact.

import { describe, expect, it } from 'vitest';
import { COMMAND } from '../../dist/src/commands/table.js';
import { ArgumentCountError, type SlotDB } from '../../dist/src/index.js';
import { REQ_ARGC, REQ_HEADER_BYTES, REQ_OP } from '../../dist/src/shared/codec.js';
import { ARGS_MAX } from '../../dist/src/shared/limits.js';
import { sendCorrupted } from '../../dist/src/testing.js';
import { errorOf, withDb } from '../support/db.js';

/** ARGS_MAX + 1 keys under one hash tag: one frame's worth of arguments, one too many. */
const tooMany = Array.from({ length: ARGS_MAX + 1 }, (_, i) => `{t}${i}`);

async function expectIntact(db: SlotDB): Promise<void> {
  expect(await db.get('{t}kept')).toBe('yes');
  for (const shard of db.stats().shards) expect(shard.state).toBe('running');
}

describe('more arguments than one frame may carry', () => {
  it('is refused on the client with ArgumentCountError, for every path', async () => {
    await withDb({ shards: 2 }, async (db) => {
      await db.set('{t}kept', 'yes');
      const calls: [string, () => unknown][] = [
        ['mGet', () => db.mGet(tooMany)],
        ['del', () => db.del(tooMany)],
        ['exists', () => db.exists(tooMany)],
        ['mSet', () => db.mSet(tooMany.slice(0, ARGS_MAX / 2 + 1).map((k) => [k, 'v']))],
        ['sendCommand MGET', () => db.sendCommand(['MGET', ...tooMany])],
        [
          'SET options',
          () => db.sendCommand(['SET', '{t}k', 'v', ...tooMany.map(() => 'KEEPTTL')]),
        ],
        ['sync.mGet', () => db.sync.mGet(tooMany)],
      ];
      for (const [name, call] of calls) {
        let error: unknown;
        try {
          await call();
        } catch (caught) {
          error = caught;
        }
        expect(error, name).toBeInstanceOf(ArgumentCountError);
        expect(error, name).toBeInstanceOf(RangeError);
        expect((error as Error).message, name).toContain(`limit of ${ARGS_MAX} arguments`);
      }
      await expectIntact(db);
      // Exactly ARGS_MAX arguments still go.
      expect(await db.exists(tooMany.slice(0, ARGS_MAX))).toBe(0);
    });
  }, 20_000);
});

describe('malformed request frames in a shard ring', () => {
  it('are answered with an error, and the shard stays up with its keys', async () => {
    await withDb({ shards: 1 }, async (db) => {
      await db.set('{t}kept', 'yes');
      const slot = db.sync.clusterKeySlot('{t}kept');
      const get = COMMAND.get.op;
      // argc above ARGS_MAX
      const argc = await errorOf(
        sendCorrupted(db, slot, get, ['{t}kept'], (view, at) =>
          view.setUint32(at + REQ_ARGC, ARGS_MAX + 1, true),
        ),
      );
      expect(argc).toMatch(/corrupt request \(opcode \d+, slot \d+\): \d+ arguments/);
      await expectIntact(db);
      // an argument that runs past the end of the frame
      const past = await errorOf(
        sendCorrupted(db, slot, get, ['{t}kept'], (view, at) =>
          view.setUint32(at + REQ_HEADER_BYTES, 1000, true),
        ),
      );
      expect(past).toMatch(/corrupt request .*arguments end at/);
      await expectIntact(db);
      // a length that runs past the whole buffer, many times over
      const far = await errorOf(
        sendCorrupted(db, slot, get, ['{t}kept'], (view, at) => {
          view.setUint32(at + REQ_ARGC, 1000, true);
          view.setUint32(at + REQ_HEADER_BYTES, 0xfffffff0, true);
        }),
      );
      expect(far).toMatch(/corrupt request .*arguments end at/);
      await expectIntact(db);
      // an opcode no shard handles
      const unknown = await errorOf(
        sendCorrupted(db, slot, get, ['{t}kept'], (view, at) => view.setUint8(at + REQ_OP, 250)),
      );
      expect(unknown).toMatch(/no handler for opcode 250/);
      await expectIntact(db);
      expect(await db.dbSize()).toBe(1);
    });
  });
});
