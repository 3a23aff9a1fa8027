// Write throughput with a log on disk (tinybench): the replication benchmark's pipelined SET (one
// shard, batches of `batch` SETs of 32-byte values over 100,000 keys) and an awaited SET, for slotdb
// in memory and with appendfsync 'no', 'everysec' and 'always'; and the same load on redis-server
// without AOF and with appendonly yes + appendfsync everysec and always, driven by node-redis from
// this process (its calls in one tick are pipelined over its socket), with redis-benchmark -P as a
// second figure for the server alone. Each database starts from an empty directory with the
// default auto rewrite (64 MiB), so snapshots run during the timing as they would in use.

import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { createClient } from 'redis';
import { Bench, hrtimeNowTimestampProvider } from 'tinybench';
import { SlotDB } from '../src/index.js';
import { latencyMicros, opsPerSecond } from './client-tasks.js';
import { Figures } from './figures.js';
import { removeDirectory, temporaryDirectory } from './persistence-setup.js';
import { startRedis } from './redis-peer.js';

export const SLOTDB_MODES = ['memory', 'no', 'everysec', 'always'] as const;
export const REDIS_MODES = ['no AOF', 'AOF everysec', 'AOF always'] as const;

export interface ThroughputFlags {
  readonly time: number;
  readonly batch: number;
  readonly redisRequests: number;
}

/** What both a SlotDB and a node-redis client offer the tasks: node-redis's name and shape. */
interface SetClient {
  set(key: string, value: string): Promise<unknown>;
}

const value = 'v'.repeat(32);
const keys = Array.from({ length: 100_000 }, (_, i) => `key:${i}`);

/** Pipelined and awaited SET on `client`; records ops/s and the awaited SET's p50 and p99. */
async function measure(
  client: SetClient,
  label: string,
  flags: ThroughputFlags,
  figures: Figures,
): Promise<number> {
  const bench = new Bench({
    time: flags.time,
    warmupTime: Math.min(200, flags.time),
    timestampProvider: hrtimeNowTimestampProvider,
  });
  let cursor = 0;
  const next = (): string => {
    cursor = cursor + 1 === keys.length ? 0 : cursor + 1;
    return keys[cursor]!;
  };
  const pending: Promise<unknown>[] = new Array(flags.batch);
  bench.add('set', async () => {
    for (let i = 0; i < flags.batch; i++) pending[i] = client.set(next(), value);
    await Promise.all(pending);
  });
  bench.add('awaited set', async () => {
    await client.set(next(), value);
  });
  await bench.run();
  const ops = opsPerSecond(bench, 'set', flags.batch);
  const awaited = latencyMicros(bench, 'awaited set');
  figures.record(`${label}: pipelined set ops/s`, ops);
  figures.record(`${label}: awaited set p50 µs`, awaited.p50);
  figures.record(`${label}: awaited set p99 µs`, awaited.p99);
  return ops;
}

/** One round of slotdb's modes (in `order`); records each mode's ratio to in memory. */
export async function slotdbRound(
  order: readonly (typeof SLOTDB_MODES)[number][],
  flags: ThroughputFlags,
  figures: Figures,
): Promise<void> {
  const ops: Record<string, number> = {};
  for (const mode of order) {
    const dir = mode === 'memory' ? undefined : temporaryDirectory();
    const db = await SlotDB.open(
      mode === 'memory' ? { shards: 1 } : { shards: 1, dir, appendfsync: mode },
    );
    try {
      ops[mode] = await measure(db, `slotdb ${mode}`, flags, figures);
    } finally {
      await db.close();
      if (dir !== undefined) removeDirectory(dir);
    }
  }
  for (const mode of SLOTDB_MODES) {
    if (mode !== 'memory') figures.record(`slotdb ${mode} / memory`, ops[mode]! / ops.memory!);
  }
}

/** A first pass in memory, thrown away: the first mode timed would otherwise pay for cold code. */
export async function warmUp(flags: ThroughputFlags): Promise<void> {
  const db = await SlotDB.open({ shards: 1 });
  try {
    await measure(db, 'warm-up', { ...flags, time: Math.min(300, flags.time) }, new Figures());
  } finally {
    await db.close();
  }
}

const REDIS_ARGUMENTS: Record<(typeof REDIS_MODES)[number], string[]> = {
  'no AOF': [],
  'AOF everysec': ['--appendonly', 'yes', '--appendfsync', 'everysec'],
  'AOF always': ['--appendonly', 'yes', '--appendfsync', 'always'],
};

/** One round of redis-server's modes; records each AOF mode's ratio to no AOF. */
export async function redisRound(flags: ThroughputFlags, figures: Figures): Promise<void> {
  const ops: Record<string, number> = {};
  const server: Record<string, number> = {};
  for (const mode of REDIS_MODES) {
    const peer = await startRedis(REDIS_ARGUMENTS[mode]);
    const client = createClient({ socket: { port: peer.port, host: '127.0.0.1' } });
    try {
      await client.connect();
      ops[mode] = await measure(client, `redis ${mode}`, flags, figures);
      const rate = await redisBenchmark(peer.port, flags);
      if (rate !== undefined) {
        server[mode] = rate;
        figures.record(`redis ${mode}: redis-benchmark -P ${flags.batch} ops/s`, rate);
      }
    } finally {
      await client.quit().catch(() => undefined);
      await peer.stop();
    }
  }
  for (const mode of REDIS_MODES) {
    if (mode === 'no AOF') continue;
    figures.record(`redis ${mode} / no AOF`, ops[mode]! / ops['no AOF']!);
    if (server[mode] === undefined || server['no AOF'] === undefined) continue;
    figures.record(`redis ${mode} / no AOF (redis-benchmark)`, server[mode] / server['no AOF']);
  }
}

const run = promisify(execFile);

/**
 * redis-benchmark's SET rate: one connection, pipelines of `batch`, 32-byte values; undefined when
 * redis-benchmark is not installed.
 */
async function redisBenchmark(port: number, flags: ThroughputFlags): Promise<number | undefined> {
  let stdout: string;
  try {
    ({ stdout } = await run('redis-benchmark', [
      ...['-h', '127.0.0.1', '-p', String(port), '-t', 'set', '-c', '1'],
      ...['-P', String(flags.batch), '-d', '32', '-r', '100000'],
      ...['-n', String(flags.redisRequests), '--csv'],
    ]));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  // --csv: a header line, then "SET","<requests per second>",...
  const line = stdout.split('\n').find((text) => text.startsWith('"SET'));
  const rate = line === undefined ? Number.NaN : Number(line.split(',')[1]?.replaceAll('"', ''));
  if (!Number.isFinite(rate)) throw new Error(`redis-benchmark printed no SET rate: ${stdout}`);
  return rate;
}
