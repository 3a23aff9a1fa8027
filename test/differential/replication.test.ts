// WAIT and INFO replication against a real redis-server pair (a master and one replica), where
// their shapes compare: WAIT's replies and argument errors, and INFO replication's fields, in
// Redis's order, for a master with one replica online. Values that are a server's own (its
// replication id and offsets, its backlog) are compared by form, not value.

import { createClient } from 'redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SlotDB } from '../../dist/src/index.js';
import { type RunningRedis, redisAvailable, startRedis } from '../support/redis-server.js';

const REPLICA_ONLINE_MS_MAX = 10_000;

type RedisClient = ReturnType<typeof createClient>;

/** INFO's text as [field, value] lines, headings and blank lines left out. */
function fields(text: string): [string, string][] {
  return text
    .split('\r\n')
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => {
      const colon = line.indexOf(':');
      return [line.slice(0, colon), line.slice(colon + 1)];
    });
}

/** A slave<i> line's value as its key=value pairs. */
function slaveFields(value: string): Record<string, string> {
  return Object.fromEntries(value.split(',').map((pair) => pair.split('=') as [string, string]));
}

async function outcome(promise: Promise<unknown>): Promise<unknown> {
  try {
    return await promise;
  } catch (error) {
    return { error: (error as Error).message };
  }
}

describe.skipIf(!redisAvailable)('replication against redis-server', () => {
  let master: RunningRedis;
  let replica: RunningRedis;
  let redis: RedisClient;
  let db: SlotDB;

  beforeAll(async () => {
    master = await startRedis();
    replica = await startRedis(['--replicaof', '127.0.0.1', String(master.port)]);
    redis = createClient({ socket: { port: master.port, host: '127.0.0.1' } });
    await redis.connect();
    const started = Date.now();
    while (!String(await redis.sendCommand(['INFO', 'replication'])).includes('state=online')) {
      if (Date.now() - started > REPLICA_ONLINE_MS_MAX) throw new Error('replica never online');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    db = await SlotDB.open({ shards: 1, replicas: 1 });
  });

  afterAll(async () => {
    await db?.close();
    await redis?.quit();
    await replica?.stop();
    await master?.stop();
  });

  it('WAIT answers alike: counts, and argument errors in the same order and words', async () => {
    // One write each, then a WAIT for it: from there on every count is the replica's, 1.
    await redis.set('k', 'v');
    await db.set('k', 'v');
    for (const args of [
      ['WAIT', '1', '0'],
      ['WAIT', '0', '0'],
      ['WAIT', '1', '100'],
      ['WAIT', 'x', '0'],
      ['WAIT', '1.5', '0'],
      ['WAIT', '1', '-1'],
      ['WAIT', '1', 'x'],
      ['WAIT', 'x', '-1'],
      ['WAIT', '0', '1.5'],
      ['WAIT', '0', '99999999999999999999'],
      ['WAIT', '1'],
      ['WAIT', '1', '0', '0'],
    ]) {
      const expected = await outcome(redis.sendCommand(args));
      expect(await outcome(db.sendCommand(args)), args.join(' ')).toEqual(expected);
    }
  });

  it('INFO replication has Redis’s fields in Redis’s order for a master with a replica', async () => {
    await redis.set('k', 'v');
    await db.set('k', 'v');
    await redis.sendCommand(['WAIT', '1', '1000']);
    await db.wait(1, 1000);
    const theirs = fields(String(await redis.sendCommand(['INFO', 'replication'])));
    const ours = fields(String(await db.sendCommand(['INFO', 'replication'])));
    expect(ours.map(([name]) => name)).toEqual(theirs.map(([name]) => name));
    const same = ['role', 'connected_slaves', 'master_failover_state', 'second_repl_offset'];
    for (const name of same) {
      expect(
        ours.find(([n]) => n === name),
        name,
      ).toEqual(theirs.find(([n]) => n === name));
    }
    const theirSlave = slaveFields(theirs.find(([name]) => name === 'slave0')![1]);
    const ourSlave = slaveFields(ours.find(([name]) => name === 'slave0')![1]);
    expect(Object.keys(ourSlave)).toEqual(Object.keys(theirSlave));
    expect(ourSlave.state).toBe(theirSlave.state);
    for (const [name, value] of ours) {
      if (name === 'master_replid' || name === 'master_replid2')
        expect(value).toMatch(/^[0-9a-f]{40}$/);
    }
    const heading = (text: unknown): string => String(text).split('\r\n')[0]!;
    expect(heading(await db.sendCommand(['INFO', 'REPLICATION']))).toBe(
      heading(await redis.sendCommand(['INFO', 'REPLICATION'])),
    );
    expect(String(await db.sendCommand(['INFO', 'replication']))).toMatch(/\r\n$/);
  });

  it('INFO answers an unknown section with nothing, as Redis', async () => {
    expect(await db.sendCommand(['INFO', 'nosuchsection'])).toBe(
      await redis.sendCommand(['INFO', 'nosuchsection']),
    );
  });
});
