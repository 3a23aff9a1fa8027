// What a database with replicas says of them: INFO replication per shard, CLUSTER SLOTS and
// CLUSTER SHARDS with every live replica after its primary, as they change when a replica dies
// and when a primary fails over.

import { describe, expect, it } from 'vitest';
import { replicasStreaming, replicaWorker, shardWorker } from '../../dist/src/testing.js';
import { type SlotDB, withDb } from '../support/db.js';

/** INFO's text as one record of fields per section, by heading. */
function sections(text: string): Map<string, Record<string, string>> {
  const bySection = new Map<string, Record<string, string>>();
  let current: Record<string, string> = {};
  for (const line of text.split('\r\n')) {
    if (line.startsWith('# ')) {
      current = {};
      bySection.set(line.slice(2), current);
    } else if (line !== '') {
      const colon = line.indexOf(':');
      current[line.slice(0, colon)] = line.slice(colon + 1);
    }
  }
  return bySection;
}

async function replication(db: SlotDB): Promise<Map<string, Record<string, string>>> {
  return sections(String(await db.sendCommand(['INFO', 'replication'])));
}

describe('replication info', () => {
  it('INFO has one replication section per shard: the primary, its replicas online, offsets', async () => {
    await withDb({ shards: 2, replicas: 2 }, async (db) => {
      await db.set('a', '1');
      await db.wait(2, 0);
      const info = await replication(db);
      expect([...info.keys()]).toEqual(['Replication shard 0', 'Replication shard 1']);
      const stats = db.stats();
      for (const shard of [0, 1]) {
        const section = info.get(`Replication shard ${shard}`)!;
        const { primary, replicas, offset } = stats.shards[shard]!;
        expect(section).toMatchObject({
          role: 'master',
          connected_slaves: '2',
          master_failover_state: 'no-failover',
          master_repl_offset: String(offset),
          second_repl_offset: '-1',
        });
        expect(section.master_replid).toMatch(/^[0-9a-f]{40}$/);
        replicas.forEach((replica, i) => {
          // lag: whole seconds since its last acknowledgement (0 unless the machine stalls).
          expect(section[`slave${i}`]).toMatch(
            new RegExp(
              `^ip=shard-${shard}-replica-${replica.worker},port=${replica.worker},state=online,` +
                `offset=${offset},lag=\\d+$`,
            ),
          );
        });
        expect(primary).toBe(shard);
      }
      // INFO with no section, `all` and the method answer the persistence sections, then these;
      // other sections none.
      const persistence = String(await db.sendCommand(['INFO', 'persistence']));
      const text = `${persistence}\r\n${String(await db.sendCommand(['INFO', 'replication']))}`;
      expect(await db.sendCommand(['INFO'])).toBe(text);
      expect(await db.sendCommand(['INFO', 'everything'])).toBe(text);
      expect(await db.info()).toBe(text);
      expect(await db.info('memory')).toBe('');
      expect((await db.withBuffers().info()).toString()).toBe(text);
    });
  });

  it('a database of one shard without replicas answers Redis’s section of a lone master', async () => {
    await withDb({ shards: 1 }, async (db) => {
      const info = await replication(db);
      expect([...info.keys()]).toEqual(['Replication']);
      expect(info.get('Replication')).toMatchObject({
        role: 'master',
        connected_slaves: '0',
        master_repl_offset: '0',
      });
      expect(await db.sendCommand(['CLUSTER', 'SLOTS'])).toEqual([
        [0, 16383, ['shard-0', 0, 'shard-0']],
      ]);
    });
  });

  it('CLUSTER SLOTS lists each range’s primary and then its replicas; CLUSTER SHARDS their health and offsets', async () => {
    await withDb({ shards: 2, replicas: 1 }, async (db) => {
      await db.set('a', '1');
      await db.wait(1, 0);
      const stats = db.stats();
      const replicaOf = (shard: number): number => stats.shards[shard]!.replicas[0]!.worker;
      const node = (shard: number, seat: number): [string, number, string] => [
        `shard-${shard}-replica-${seat}`,
        seat,
        `shard-${shard}-replica-${seat}`,
      ];
      expect(await db.sendCommand(['CLUSTER', 'SLOTS'])).toEqual([
        [0, 8191, ['shard-0', 0, 'shard-0'], node(0, replicaOf(0))],
        [8192, 16383, ['shard-1', 1, 'shard-1'], node(1, replicaOf(1))],
      ]);
      const shards = (await db.sendCommand(['CLUSTER', 'SHARDS'])) as unknown[][];
      const nodes = shards.map((shard) => shard[3] as unknown[][]);
      expect(nodes[1]!.map((entry) => entry.slice(8))).toEqual([
        ['role', 'master', 'replication-offset', stats.shards[1]!.offset, 'health', 'online'],
        ['role', 'replica', 'replication-offset', stats.shards[1]!.offset, 'health', 'online'],
      ]);
      expect(nodes[0]![1]!.slice(0, 2)).toEqual(['id', `shard-0-replica-${replicaOf(0)}`]);

      // A replica that dies leaves the lists; its replacement joins them.
      await replicaWorker(db, 0, 0).terminate();
      const slotsNow = (await db.sendCommand(['CLUSTER', 'SLOTS'])) as unknown[][];
      expect(slotsNow[0]!.slice(3).map((entry) => (entry as unknown[])[1])).not.toContain(
        replicaOf(0),
      );
      await replicasStreaming(db);
      const replacement = db.stats().shards[0]!.replicas[0]!.worker;
      expect(((await db.sendCommand(['CLUSTER', 'SLOTS'])) as unknown[][])[0]).toEqual([
        0,
        8191,
        ['shard-0', 0, 'shard-0'],
        node(0, replacement),
      ]);
    });
  });

  it('after a failover the shard keeps its node name, with a new replication id and replicas', async () => {
    await withDb({ shards: 1, replicas: 1 }, async (db) => {
      await db.set('a', '1');
      await db.wait(1, 0);
      const before = (await replication(db)).get('Replication')!;
      const dead = db.stats().shards[0]!.primary;
      await shardWorker(db, 0).terminate();
      const deadline = performance.now() + 5000;
      while (db.stats().shards[0]!.primary === dead) {
        expect(performance.now()).toBeLessThan(deadline);
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
      await replicasStreaming(db);
      const after = (await replication(db)).get('Replication')!;
      expect(after.master_replid).not.toBe(before.master_replid);
      expect(after.connected_slaves).toBe('1');
      expect(Number(after.master_repl_offset)).toBeGreaterThanOrEqual(
        Number(before.master_repl_offset),
      );
      const [shard] = (await db.sendCommand(['CLUSTER', 'SHARDS'])) as unknown[][];
      const primary = (shard![3] as unknown[][])[0]!;
      expect(primary.slice(0, 2)).toEqual(['id', 'shard-0']);
      expect(primary.at(-1)).toBe('online');
    });
  });
});
