// The requests blocked on one shard: per key, a queue in the order they blocked (the order Redis
// serves them in), and their deadlines, soonest first. Data only: when requests block, wake and
// time out is blocking.ts.

import { DeadlineHeap } from './deadlines.js';
import type { BlockedRequest } from './request.js';

export class BlockingRegistry {
  /** Every blocked request, in the order they blocked. */
  readonly requests = new Set<BlockedRequest>();
  /** Per key, the requests that wait on it, oldest first. */
  private readonly byKey = new Map<string, BlockedRequest[]>();
  private readonly deadlines = new DeadlineHeap<BlockedRequest>();
  private sequence = 0;

  get count(): number {
    return this.requests.size;
  }

  /** The next request's place in the blocking order. */
  nextSequence(): number {
    return ++this.sequence;
  }

  add(request: BlockedRequest): void {
    this.requests.add(request);
    for (const key of request.keys) {
      const queue = this.byKey.get(key);
      if (queue === undefined) this.byKey.set(key, [request]);
      else queue.push(request);
    }
    if (request.deadline !== Infinity) this.deadlines.push(request);
  }

  /** Takes `request` out of every queue: it was served, timed out, dropped or moved. */
  remove(request: BlockedRequest): void {
    request.done = true;
    this.requests.delete(request);
    for (const key of request.keys) {
      const queue = this.byKey.get(key)!;
      queue.splice(queue.indexOf(request), 1);
      if (queue.length === 0) this.byKey.delete(key);
    }
    if (this.requests.size === 0) this.deadlines.clear();
  }

  /** The requests that wait on `key`, oldest first (the live queue: it changes as they leave). */
  waitingOn(key: string): readonly BlockedRequest[] | undefined {
    return this.byKey.get(key);
  }

  /** The soonest deadline of a blocked request (Unix ms), Infinity when none has one. */
  soonestDeadline(): number {
    return this.deadlines.peek()?.deadline ?? Infinity;
  }

  /**
   * A request whose deadline is at or before `now`, taken out of the deadline order (it is still
   * blocked: the caller answers and removes it); undefined when none is due.
   */
  takeDue(now: number): BlockedRequest | undefined {
    const request = this.deadlines.peek();
    if (request === undefined || request.deadline > now) return undefined;
    this.deadlines.pop();
    return request;
  }

  /** The requests blocked on keys of `slot`, in the order they blocked. */
  inSlot(slot: number): BlockedRequest[] {
    const found: BlockedRequest[] = [];
    for (const request of this.requests) if (request.slot === slot) found.push(request);
    return found;
  }
}
