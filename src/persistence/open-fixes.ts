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
//   - keys left on the source of a move into the owner that began after the manifest was written
//     (the owner's mark is newer than any number the manifest knows): the slot map names the
//     owner because it held the slot once before, gave it away, and was taking it back. The
//     source still holds the keys not moved yet, the only copies there are: they go to the owner,
//     whose own copies (the keys that moved, perhaps changed since) are then put back on top.
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

/**
 * Settles every slot with keys outside its owner; returns what it did, as warnings. `known` is the
 * highest import number the manifest's slot map knows of (its importSequence).
 */
export async function fixInterruptedMoves(
  pool: StorePool,
  owners: Uint16Array,
  reports: readonly RecoveryReport[],
  known: number,
): Promise<string[]> {
  const { newer, sources, stale } = classify(owners, reports, known);
  const done: string[] = [];
  const primary = (shard: number) => pool.control.primaryOf(shard);
  const exportOf = async (shard: number, slot: number) =>
    (await pool.request(primary(shard), { type: 'slot-export', slot })).records ??
    new Uint8Array(0);
  for (const [slot, copies] of newer) {
    copies.sort((a, b) => a.mark - b.mark);
    const owner = owners[slot]!;
    for (const copy of copies) {
      const records = await exportOf(copy.shard, slot);
      await pool.request(primary(owner), { type: 'slot-import', slot, records });
      await pool.request(primary(copy.shard), { type: 'slot-drop', slot });
      done.push(
        `slot ${slot}: a move to shard ${copy.shard} was interrupted; its keys went back to shard ${owner}, which owns the slot`,
      );
    }
  }
  for (const [slot, source] of sources) {
    const owner = owners[slot]!;
    const own = await exportOf(owner, slot);
    const records = await exportOf(source, slot);
    await pool.request(primary(owner), { type: 'slot-import', slot, records });
    await pool.request(primary(owner), { type: 'slot-import', slot, records: own });
    await pool.request(primary(source), { type: 'slot-drop', slot });
    done.push(
      `slot ${slot}: a move from shard ${source} to shard ${owner} was interrupted; the keys still on shard ${source} went to shard ${owner}, which owns the slot`,
    );
  }
  for (const [slot, shard] of stale) {
    await pool.request(primary(shard), { type: 'slot-drop', slot });
    done.push(
      `slot ${slot}: shard ${shard} still held keys of a slot it had moved to shard ${owners[slot]}; they were dropped`,
    );
  }
  return done;
}

/** Sorts the copies of slots outside their owner into the three kinds above. */
function classify(owners: Uint16Array, reports: readonly RecoveryReport[], known: number) {
  const marks = new Map<number, number>(); // slot * 64 + shard -> mark
  for (let shard = 0; shard < reports.length; shard++) {
    for (const [slot, mark] of reports[shard]!.slots) marks.set(slot * 64 + shard, mark);
  }
  const newer = new Map<number, Copy[]>();
  // Per slot, the copy with the newest mark below the owner's: the source of its last import.
  const below = new Map<number, Copy>();
  const older: [slot: number, copy: Copy][] = [];
  for (let shard = 0; shard < reports.length; shard++) {
    for (const [slot, mark, keys] of reports[shard]!.slots) {
      const owner = owners[slot]!;
      if (owner === shard || keys === 0) continue;
      const ownerMark = marks.get(slot * 64 + owner) ?? 0;
      if (mark > ownerMark) {
        const list = newer.get(slot) ?? [];
        list.push({ shard, mark });
        newer.set(slot, list);
        continue;
      }
      const copy = { shard, mark };
      older.push([slot, copy]);
      const best = below.get(slot);
      if (ownerMark > known && (best === undefined || mark > best.mark)) below.set(slot, copy);
    }
  }
  const sources = new Map<number, number>();
  const stale: [slot: number, shard: number][] = [];
  for (const [slot, copy] of older) {
    // A newer copy is rolled back into the owner first; the owner's import is then not the last.
    if (!newer.has(slot) && below.get(slot) === copy) sources.set(slot, copy.shard);
    else stale.push([slot, copy.shard]);
  }
  return { newer, sources, stale };
}
