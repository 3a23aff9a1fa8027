// Events for the opening thread (ready, migration start, progress and end).

import type { ShardEvent, ShardInit } from '../../src/shared/control-messages.js';

export class ShardEvents {
  /** Events waiting for the end of the loop turn (see post). */
  private readonly events: ShardEvent[] = [];

  constructor(private readonly port: ShardInit['port']) {}

  get length(): number {
    return this.events.length;
  }

  /**
   * Queues an event for the opening thread. Events go out together once per loop turn: one
   * postMessage costs more than moving a small slot, so a shard moving thousands of small slots
   * must not pay it per slot.
   */
  post(event: ShardEvent): void {
    this.events.push(event);
  }

  flush(): void {
    if (this.events.length === 0) return;
    const events = this.events.splice(0);
    this.port.postMessage({ type: 'events', events });
  }
}
