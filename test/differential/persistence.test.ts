// The persistence commands against a real redis-server started with `--appendonly yes
// --appendfsync always`, where their shapes compare: SAVE, BGSAVE, BGREWRITEAOF and LASTSAVE's
// replies and argument errors, and INFO persistence's field names (slotdb's are some of Redis's,
// in Redis's order). WAITAOF came with Redis 7.2: against an older server (Debian's 7.0) its
// comparison is skipped, and the integration tests check its texts, taken from Redis's source.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient } from 'redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SlotDB } from '../../dist/src/index.js';
import { type RunningRedis, redisAvailable, startRedis } from '../support/redis-server.js';

const IDLE_MS_MAX = 10_000;
const POLL_MS = 20;

type RedisClient = ReturnType<typeof createClient>;

async function outcome(promise: Promise<unknown>): Promise<unknown> {
  try {
    return await promise;
  } catch (error) {
    return { error: (error as Error).message };
  }
}

/** INFO persistence's field names, in order. */
function fieldNames(text: unknown): string[] {
  return String(text)
    .split('\r\n')
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => line.slice(0, line.indexOf(':')));
}

describe.skipIf(!redisAvailable)('persistence commands against redis-server', () => {
  let server: RunningRedis;
  let redis: RedisClient;
  let db: SlotDB;
  let dir: string;
  let hasWaitAof = false;

  /** Until neither server writes a snapshot or rewrites its log. */
  async function idle(): Promise<void> {
    const started = Date.now();
    for (;;) {
      const theirs = String(await redis.sendCommand(['INFO', 'persistence']));
      const ours = db.stats().shards.some((shard) => shard.persistence?.saving);
      if (!ours && !/_in_progress:1/.test(theirs)) return;
      if (Date.now() - started > IDLE_MS_MAX) throw new Error('a save never ended');
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
  }

  beforeAll(async () => {
    server = await startRedis(['--appendonly', 'yes', '--appendfsync', 'always']);
    redis = createClient({ socket: { port: server.port, host: '127.0.0.1' } });
    await redis.connect();
    dir = mkdtempSync(join(tmpdir(), 'slotdb-'));
    db = await SlotDB.open({ shards: 1, dir, appendfsync: 'always' });
    const probe = await outcome(redis.sendCommand(['WAITAOF', '0', '0', '0']));
    hasWaitAof = Array.isArray(probe);
  });

  afterAll(async () => {
    await db?.close();
    await redis?.quit();
    await server?.stop();
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });

  it('SAVE, LASTSAVE and their argument errors answer alike', async () => {
    await redis.set('k', 'v');
    await db.set('k', 'v');
    await idle();
    expect(await db.sendCommand(['SAVE'])).toBe(await redis.sendCommand(['SAVE']));
    expect(typeof (await db.sendCommand(['LASTSAVE']))).toBe(
      typeof (await redis.sendCommand(['LASTSAVE'])),
    );
    for (const args of [
      ['SAVE', 'x'],
      ['LASTSAVE', 'x'],
      ['BGSAVE', 'x'],
      ['BGSAVE', 'SCHEDULE', 'x'],
      ['BGREWRITEAOF', 'x'],
    ]) {
      const expected = await outcome(redis.sendCommand(args));
      expect(await outcome(db.sendCommand(args)), args.join(' ')).toEqual(expected);
    }
  });

  it('BGSAVE and BGREWRITEAOF answer alike when nothing else is being saved', async () => {
    for (const args of [['BGSAVE'], ['BGREWRITEAOF'], ['BGSAVE', 'SCHEDULE']]) {
      await idle();
      const expected = await outcome(redis.sendCommand(args));
      expect(await outcome(db.sendCommand(args)), args.join(' ')).toEqual(expected);
    }
    await idle();
  });

  it('INFO persistence has some of Redis’s fields, in Redis’s order', async () => {
    const theirs = fieldNames(await redis.sendCommand(['INFO', 'persistence']));
    const ours = fieldNames(await db.sendCommand(['INFO', 'persistence']));
    expect(ours.length).toBeGreaterThan(5);
    expect(theirs.filter((name) => ours.includes(name))).toEqual(ours);
    const heading = (text: unknown): string => String(text).split('\r\n')[0]!;
    expect(heading(await db.sendCommand(['INFO', 'persistence']))).toBe(
      heading(await redis.sendCommand(['INFO', 'persistence'])),
    );
  });

  it('WAITAOF answers alike (Redis 7.2 and later)', async (context) => {
    if (!hasWaitAof) context.skip();
    await redis.set('w', '1');
    await db.set('w', '1');
    for (const args of [
      ['WAITAOF', '1', '0', '0'],
      ['WAITAOF', '0', '0', '0'],
      ['WAITAOF', '1', '1', '50'],
      ['WAITAOF', '2', '0', '0'],
      ['WAITAOF', 'x', '0', '0'],
      ['WAITAOF', '0', '-1', '0'],
      ['WAITAOF', '0', 'x', '0'],
      ['WAITAOF', '0', '0', '-1'],
      ['WAITAOF', '0', '0', 'x'],
      ['WAITAOF', '2', '-1', '-1'],
      ['WAITAOF', '0', '0'],
    ]) {
      const expected = await outcome(redis.sendCommand(args));
      expect(await outcome(db.sendCommand(args)), args.join(' ')).toEqual(expected);
    }
  });
});
