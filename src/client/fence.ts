// The slot fence of one client thread.
//
// Frames to one shard are executed in the order they were staged, async and sync alike, so a
// caller's commands on one key take effect in the order it issued them. Slots move between shards,
// so the client also fences each slot: while it has frames for a slot in flight through one shard,
// it sends none of that slot's frames to another. A frame that would (the slot was given to another
// shard since) is held back, in order, until the earlier ones replied; so a frame the old owner
// forwards can never be overtaken by a later frame of the same client sent straight to the new
// owner (docs/migration.md, migration rule 7).
//
// The fence costs two counter updates per frame: one when it is staged, one when it replies.

import { type Argument, NO_SLOT } from '../shared/codec.js';
import { SLOT_COUNT } from '../shared/limits.js';

/** A frame the fence holds back: its pending entry and what to encode once it may go. */
export interface HeldFrame {
  readonly index: number;
  readonly op: number;
  readonly args: readonly Argument[];
}

/** What releasing held frames needs from the client: the slot map, and a way to send one. */
export interface HeldFrameSender {
  readonly owner: Uint16Array;
  /** Encodes and sends a held frame of `slot` to `shard` now (or fails its entry). */
  sendHeld(shard: number, slot: number, frame: HeldFrame): void;
}

export class SlotFence {
  /** Per slot: frames in flight, and the shard they went to. */
  private readonly inflight = new Int32Array(SLOT_COUNT);
  private readonly inflightShard = new Int16Array(SLOT_COUNT);
  /** Per slot: frames held back, in issue order. */
  private readonly held: (HeldFrame[] | undefined)[] = new Array(SLOT_COUNT).fill(undefined);

  /**
   * The shard to send a frame for `slot` to now (`owner`, the slot map's owner), or -1 when the
   * fence holds it back: frames of the slot are in flight through a shard that no longer owns it,
   * or earlier frames are held already.
   */
  route(slot: number, owner: number): number {
    if (this.held[slot] !== undefined) return -1;
    if (this.inflight[slot]! > 0 && this.inflightShard[slot] !== owner) return -1;
    return owner;
  }

  /** A frame for `slot` was staged for `shard`. Keyless frames (NO_SLOT) are not fenced. */
  sent(slot: number, shard: number): void {
    if (slot === NO_SLOT) return;
    this.inflight[slot]!++;
    this.inflightShard[slot] = shard;
  }

  /**
   * A frame for `slot` that was sent replied (or failed). Returns whether held frames of the slot
   * may go now: nothing of it is in flight any more.
   */
  replied(slot: number): boolean {
    if (slot === NO_SLOT) return false;
    return --this.inflight[slot]! === 0 && this.held[slot] !== undefined;
  }

  /** The seat the frames of `slot` in flight went to; -1 when none is in flight or some wait. */
  inflightSeat(slot: number): number {
    if (this.held[slot] !== undefined || this.inflight[slot] === 0) return -1;
    return this.inflightShard[slot]!;
  }

  /**
   * A frame of `slot` that went out will never be answered (its worker died): it goes again, first
   * in line. Returns whether it may go now (nothing else of the slot is in flight).
   */
  requeue(slot: number, frame: HeldFrame): boolean {
    this.inflight[slot]!--;
    this.held[slot] = [frame, ...(this.held[slot] ?? [])];
    return this.inflight[slot] === 0;
  }

  /** Holds `frame` back behind every frame of `slot` sent or held before it. */
  hold(slot: number, frame: HeldFrame): void {
    this.held[slot] ??= [];
    this.held[slot].push(frame);
  }

  /** Sends the frames held for `slot`, in order, now that nothing of the slot is in flight. */
  release(slot: number, sender: HeldFrameSender): void {
    const list = this.held[slot];
    if (list === undefined) return;
    this.held[slot] = undefined;
    for (let i = 0; i < list.length; i++) {
      const shard = this.route(slot, sender.owner[slot]!);
      if (shard < 0) {
        // The slot moved again while releasing: the rest waits for the frames just sent.
        this.held[slot] = list.slice(i);
        return;
      }
      sender.sendHeld(shard, slot, list[i]!);
    }
  }

  /** Forgets a held frame (entry `index`) that failed before it was sent. */
  drop(slot: number, index: number): void {
    const list = this.held[slot];
    if (list === undefined) return;
    const at = list.findIndex((frame) => frame.index === index);
    if (at >= 0) list.splice(at, 1);
    if (list.length === 0) this.held[slot] = undefined;
  }
}
