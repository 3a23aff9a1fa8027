// The decisions an open makes about keys a crash left outside their slot's owner (what recovery
// reported: each shard's import mark and key count per slot), against a pool that records the
// requests: newer copies go back to the owner, leftovers of a slot given away are dropped, and the
// keys still on the source of a move into the owner that the manifest did not know of yet go to
// the owner, under the owner's own copies, before the source drops them (they are the only copies).

import { describe, expect, it } from 'vitest';
import { fixInterruptedMoves } from '../../src/persistence/open-fixes.js';
import type { StorePool } from '../../src/persistence/store.js';
import type { ShardRequest } from '../../src/shared/control-messages.js';
import { SLOT_COUNT } from '../../src/shared/limits.js';
import type { RecoveryReport } from '../../src/shared/persistence-messages.js';

const SLOT = 1196;

/** A pool of `shards` primaries (seat = shard) that logs requests; an export names its shard. */
function pool(): { pool: StorePool; log: string[] } {
  const log: string[] = [];
  const fake = {
    control: { primaryOf: (shard: number) => shard },
    live: () => true,
    stopping: false,
    request: async (seat: number, request: ShardRequest) => {
      const r = request as { type: string; slot: number; records?: Uint8Array };
      const from = r.records === undefined ? '' : ` from ${r.records[0]}`;
      log.push(`${seat} ${r.type}${from}`);
      return {
        type: 'reply',
        id: 0,
        ...(r.type === 'slot-export' ? { records: Uint8Array.of(seat) } : {}),
      };
    },
  };
  return { pool: fake as unknown as StorePool, log };
}

/** Reports of three shards; `slots[shard]` = [mark, keys] of SLOT there (absent: neither). */
function reports(slots: ([number, number] | undefined)[]): RecoveryReport[] {
  return slots.map((entry) => ({
    offset: 0,
    keys: entry?.[1] ?? 0,
    snapshotKeys: 0,
    logRecords: 0,
    ms: 0,
    warnings: [],
    slots: entry === undefined ? [] : [[SLOT, entry[0], entry[1]]],
    importSequence: entry?.[0] ?? 0,
  }));
}

function owners(owner: number): Uint16Array {
  const map = new Uint16Array(SLOT_COUNT);
  map[SLOT] = owner;
  return map;
}

describe('moves a crash interrupted, settled at open', () => {
  it('a newer copy (a move out of the owner) goes back to the owner', async () => {
    const { pool: p, log } = pool();
    await fixInterruptedMoves(p, owners(0), reports([[3, 10], [7, 4], undefined]), 5);
    expect(log).toEqual(['1 slot-export', '0 slot-import from 1', '1 slot-drop']);
  });

  it('keys kept by a shard that gave the slot away, as the manifest knew, are dropped', async () => {
    const { pool: p, log } = pool();
    await fixInterruptedMoves(p, owners(0), reports([[7, 10], [3, 4], undefined]), 7);
    expect(log).toEqual(['1 slot-drop']);
  });

  it('the keys left on the source of a move into the owner the manifest did not know of go to the owner', async () => {
    // Slot map written while shard 0 held the slot (marks up to 22 handed out); the slot went on
    // to shard 2 and then shard 1 (mark 23), which was moving it back to shard 0 (mark 24).
    const { pool: p, log } = pool();
    const warnings = await fixInterruptedMoves(
      p,
      owners(0),
      reports([
        [24, 2],
        [23, 40],
        [22, 0],
      ]),
      22,
    );
    expect(log).toEqual([
      '0 slot-export',
      '1 slot-export',
      '0 slot-import from 1',
      '0 slot-import from 0',
      '1 slot-drop',
    ]);
    expect(warnings.join('\n')).toContain('a move from shard 1 to shard 0 was interrupted');
  });

  it('an older leftover beside that source is still dropped', async () => {
    const { pool: p, log } = pool();
    await fixInterruptedMoves(
      p,
      owners(0),
      reports([
        [24, 2],
        [23, 40],
        [11, 3],
      ]),
      22,
    );
    expect(log).toEqual([
      '0 slot-export',
      '1 slot-export',
      '0 slot-import from 1',
      '0 slot-import from 0',
      '1 slot-drop',
      '2 slot-drop',
    ]);
  });
});
