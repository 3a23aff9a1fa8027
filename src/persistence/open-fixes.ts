// Moves a crash interrupted, settled at open: every key ends on exactly one shard, the one the
// manifest's slot map names (the move is rolled back; a move that completed before the slot map
// was written is rolled back the same way, its keys intact).
//
// After recovery a slot's keys may sit on shards the slot map does not name:
//   - keys a move brought in before the crash. The shard journaled an import mark when the import
//     began (a number from one sequence for the whole database), newer than any mark the owner
//     holds for the slot: these keys are the newest copies (the source deleted its own copy of a
//     key only once the target held it). They go to the owner, overwriting its copies, in the
//     order of their marks; then the shard drops the slot.
//   - keys a shard kept after it gave the slot away (its deletions were not on disk yet, with
//     appendfsync 'everysec' or 'no'): no newer mark than the owner's. They are dropped.
// Each step is journaled and fsynced on the shard that makes it, the owner's import before the
// other shard's drop, so a crash during the fixes leaves them to be made again.

import type { RecoveryReport } from '../shared/persistence-messages.js';
import type { StorePool } from './store.js';

interface Copy {
  readonly shard: number;
  readonly mark: number;
}

/** Settles every slot with keys outside its owner; returns what it did, as warnings. */
export async function fixInterruptedMoves(
  pool: StorePool,
  owners: Uint16Array,
  reports: readonly RecoveryReport[],
): Promise<string[]> {
  const marks = new Map<number, number>(); // slot * 64 + shard -> mark
  for (let shard = 0; shard < reports.length; shard++) {
    for (const [slot, mark] of reports[shard]!.slots) marks.set(slot * 64 + shard, mark);
  }
  const newer = new Map<number, Copy[]>();
  const stale: Copy[] = [];
  const staleSlots: number[] = [];
  for (let shard = 0; shard < reports.length; shard++) {
    for (const [slot, mark, keys] of reports[shard]!.slots) {
      const owner = owners[slot]!;
      if (owner === shard || keys === 0) continue;
      const ownerMark = marks.get(slot * 64 + owner) ?? 0;
      if (mark > ownerMark) {
        const list = newer.get(slot) ?? [];
        list.push({ shard, mark });
        newer.set(slot, list);
      } else {
        stale.push({ shard, mark });
        staleSlots.push(slot);
      }
    }
  }
  const done: string[] = [];
  const primary = (shard: number) => pool.control.primaryOf(shard);
  for (const [slot, copies] of newer) {
    copies.sort((a, b) => a.mark - b.mark);
    const owner = owners[slot]!;
    for (const copy of copies) {
      const exported = await pool.request(primary(copy.shard), { type: 'slot-export', slot });
      const records = exported.records ?? new Uint8Array(0);
      await pool.request(primary(owner), { type: 'slot-import', slot, records });
      await pool.request(primary(copy.shard), { type: 'slot-drop', slot });
      done.push(
        `slot ${slot}: a move to shard ${copy.shard} was interrupted; its keys went back to shard ${owner}, which owns the slot`,
      );
    }
  }
  for (let i = 0; i < stale.length; i++) {
    const { shard } = stale[i]!;
    const slot = staleSlots[i]!;
    await pool.request(primary(shard), { type: 'slot-drop', slot });
    done.push(
      `slot ${slot}: shard ${shard} still held keys of a slot it had moved to shard ${owners[slot]}; they were dropped`,
    );
  }
  return done;
}
