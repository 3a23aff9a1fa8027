// Replies to control messages and events for the opening thread (ready, migration start,
// progress and end), sent together once per loop turn.

import type { Reply, ShardEvent, ShardInit } from '../../src/shared/control-messages.js';

export class ShardEvents {
  /** Events waiting for the end of the loop turn (see post). */
  private events: ShardEvent[] = [];
  /** Replies waiting for the end of the loop turn, in the order of their requests. */
  private replies: Reply[] = [];

  constructor(private readonly port: ShardInit['port']) {}

  /** Replies and events waiting. */
  get length(): number {
    return this.events.length + this.replies.length;
  }

  /**
   * Queues an event for the opening thread. Events go out together once per loop turn: one
   * postMessage costs more than moving a small slot, so a shard moving thousands of small slots
   * must not pay it per slot.
   */
  post(event: ShardEvent): void {
    this.events.push(event);
  }

  /**
   * Queues the reply to a control message. It goes with the turn's events: a move of a small slot
   * then answers its order and reports its end in one message, often one wake-up of the opening
   * thread instead of two.
   */
  reply(reply: Reply): void {
    this.replies.push(reply);
  }

  flush(): void {
    if (this.events.length === 0 && this.replies.length === 0) return;
    const { events, replies } = this;
    this.events = [];
    this.replies = [];
    this.port.postMessage({ type: 'events', replies, events });
  }
}
