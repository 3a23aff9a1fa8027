// WAIT requests a primary holds (workers/replication/waits.ts), without workers: answered once
// enough replicas hold the caller's offset or when their deadline passes, with the count they
// reached; the soonest deadline kept for the loop; a detached client's waits dropped; a reply for an
// earlier holder of a client seat never sent.

import { describe, expect, it } from 'vitest';
import { decodeValue } from '../../src/client/reply.js';
import { REP_HEADER_BYTES, REP_ID } from '../../src/shared/codec.js';
import { createRingStorage, FrameWriter } from '../../src/shared/ring.js';
import { type PendingWait, Waits } from '../../workers/replication/waits.js';
import type { ClientLink } from '../../workers/shard/client-links.js';

function link(client: number, generation = 1): ClientLink {
  return {
    client,
    generation,
    replies: new FrameWriter(createRingStorage(1 << 12)),
    dirty: false,
    lastWriteOffset: 0,
  } as unknown as ClientLink;
}

/** The replies staged for `of`: [request id, value]. */
function replies(of: ClientLink): [number, unknown][] {
  const w = of.replies;
  const out: [number, unknown][] = [];
  for (let p = w.head; p < w.tail; p += w.view.getUint32(p, true)) {
    out.push([
      w.view.getUint32(p + REP_ID, true),
      decodeValue(w.buf, w.view, p + REP_HEADER_BYTES, false),
    ]);
  }
  return out;
}

function wait(
  of: ClientLink,
  id: number,
  offset: number,
  needed: number,
  deadline: number,
): PendingWait {
  return { link: of, generation: of.generation, id, offset, needed, deadline, timing: undefined };
}

describe('WAIT bookkeeping', () => {
  it('answers a wait once enough replicas hold its offset, with the count', () => {
    const waits = new Waits();
    const a = link(1);
    waits.add(wait(a, 10, 500, 2, Number.POSITIVE_INFINITY));
    waits.add(wait(a, 11, 900, 1, Number.POSITIVE_INFINITY));
    const acks = [400, 600];
    const count = (offset: number): number => acks.filter((held) => held >= offset).length;
    expect(waits.settle(0, count)).toBe(0);
    expect(replies(a)).toEqual([]);
    acks[0] = 500;
    expect(waits.settle(0, count)).toBe(1);
    expect(replies(a)).toEqual([[10, 2]]);
    expect(a.dirty).toBe(true);
    acks[1] = 1000;
    expect(waits.settle(0, count)).toBe(1);
    expect(replies(a)).toEqual([
      [10, 2],
      [11, 1],
    ]);
    expect(waits.list).toHaveLength(0);
    expect(waits.nextAt).toBe(Number.POSITIVE_INFINITY);
  });

  it('answers at its deadline with the replicas that got there, and keeps the soonest deadline', () => {
    const waits = new Waits();
    const a = link(1);
    waits.add(wait(a, 1, 100, 3, 2000));
    waits.add(wait(a, 2, 100, 3, 1000));
    waits.add(wait(a, 3, 100, 3, Number.POSITIVE_INFINITY));
    expect(waits.nextAt).toBe(1000);
    const count = (): number => 1;
    expect(waits.settle(999, count)).toBe(0);
    expect(waits.settle(1000, count)).toBe(1);
    expect(replies(a)).toEqual([[2, 1]]);
    expect(waits.nextAt).toBe(2000);
    expect(waits.settle(5000, count)).toBe(1);
    expect(replies(a)).toEqual([
      [2, 1],
      [1, 1],
    ]);
    // Timeout 0 waits for ever: only enough acknowledgements answer it.
    expect(waits.nextAt).toBe(Number.POSITIVE_INFINITY);
    expect(waits.settle(1e15, () => 3)).toBe(1);
  });

  it('drops the waits of a client that detached, and never answers an earlier seat holder', () => {
    const waits = new Waits();
    const a = link(1);
    const b = link(2);
    waits.add(wait(a, 1, 100, 1, 1000));
    waits.add(wait(b, 2, 100, 1, 1000));
    waits.add(wait(a, 3, 100, 1, 1000));
    waits.dropClient(1);
    expect(waits.list.map((w) => w.id)).toEqual([2]);
    // Client 2's seat was handed to a new holder before its wait was answered.
    (b as { generation: number }).generation = 2;
    expect(waits.settle(0, () => 1)).toBe(1);
    expect(replies(a)).toEqual([]);
    expect(replies(b)).toEqual([]);
  });
});
