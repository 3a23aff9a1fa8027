// An isolated client's WATCH state on the client side: the session's token, slot, keys and WATCH
// frames sent. The shard that owns the slot keeps the rest (workers/transactions/watch-table.ts).
//
// A session starts with the first WATCH after the last one ended and ends with EXEC, DISCARD or
// UNWATCH (or the end of db.isolated()). Every session has a new token, so a late frame of an
// ended session can never touch a later one. All of a session's keys share one slot: a WATCH of
// a key in another slot answers CROSSSLOT (Redis Cluster, where every WATCH of one connection
// goes to one node, would redirect it).
//
// Where the records are: EXEC consumes the record on the shard that runs it. When EXEC answers
// null or fails, or when nothing is executed (UNWATCH, DISCARD), a record may remain on a shard
// the slot left or a migration forwarded a WATCH to: the session then sends UNWATCH to every
// shard (a broadcast, only on those rare paths), after its WATCH frames replied, so that no
// WATCH can land behind the UNWATCH that was meant to clear it.

import { Mode } from '../client/client.js';
import { COMMAND } from '../commands/table.js';
import { ErrorReply } from '../errors.js';
import type { Executor } from '../executor.js';
import { slotOf } from '../router.js';
import type { Argument } from '../shared/codec.js';
import { checkArgument } from '../shared/codec.js';
import { CROSSSLOT, wrongArity } from '../shared/reply-errors.js';
import type { ExecWatch } from './exec-frame.js';

/** What EXEC needs of the session it ends. */
export interface ExecWatchState {
  readonly exec: ExecWatch;
  readonly slot: number;
  readonly keys: readonly Argument[];
}

export class WatchSession {
  private token = '';
  private slot = -1;
  private frames = 0;
  private keys: Argument[] = [];
  /** The slot map's epoch when the session's first WATCH was sent. */
  private epoch = 0;
  private sessions = 0;
  /** WATCH frames of async callers not replied yet. */
  private readonly inFlight = new Set<Promise<void>>();

  /** `executor` sends the session's frames as they are (never queued). */
  constructor(private readonly executor: Executor) {}

  get watching(): boolean {
    return this.token !== '';
  }

  /** WATCH keys: 'OK' once the shard of their slot records them. */
  watch(keys: readonly Argument[]): unknown {
    const executor = this.executor;
    if (keys.length === 0) return executor.fail(new ErrorReply(wrongArity('watch')));
    let slot: number;
    try {
      for (const key of keys) checkArgument(key);
      slot = slotOf(keys[0]!);
      for (const key of keys) if (slotOf(key) !== slot) throw new ErrorReply(CROSSSLOT);
      if (this.watching && slot !== this.slot) throw new ErrorReply(CROSSSLOT);
    } catch (error) {
      return executor.fail(error);
    }
    if (!this.watching) {
      const client = executor.client;
      this.token = `${client.id}.${client.generation}.${++this.sessions}`;
      this.slot = slot;
      this.epoch = client.control.epoch;
      this.frames = 0;
      this.keys = [];
    }
    this.frames++;
    for (const key of keys) this.keys.push(key);
    const sent = executor.run(COMMAND.watch, [this.token, ...keys]);
    if (executor.mode === Mode.Async) {
      const promise = sent as Promise<unknown>;
      const settled = (): void => {
        this.inFlight.delete(tracked);
      };
      const tracked: Promise<void> = promise.then(settled, settled);
      this.inFlight.add(tracked);
    }
    return sent;
  }

  /** Ends the session for EXEC: what its frame must say, or undefined when nothing is watched. */
  takeForExec(): ExecWatchState | undefined {
    if (!this.watching) return undefined;
    const state: ExecWatchState = {
      exec: {
        token: this.token,
        frames: this.frames,
        slotMapChanged: this.executor.client.control.epoch !== this.epoch,
      },
      slot: this.slot,
      keys: this.keys,
    };
    this.end();
    return state;
  }

  /** UNWATCH (and DISCARD, and the end of db.isolated()): ends the session; 'OK'. */
  unwatch(): unknown {
    if (!this.watching) return this.executor.value('OK');
    const token = this.token;
    this.end();
    return andOk(this.executor, this.cleanup(token));
  }

  /**
   * Clears `token`'s records from every shard, once its WATCH frames replied. Never fails (a
   * record left on a dead or closed shard is gone with it). Sync: returns when done.
   */
  cleanup(token: string): Promise<void> | undefined {
    const executor = this.executor;
    if (executor.mode === Mode.Sync) {
      try {
        executor.run(COMMAND.unwatch, [token]);
      } catch {
        // The database closed or a shard died: nothing to clear there.
      }
      return undefined;
    }
    const pending = [...this.inFlight];
    return Promise.allSettled(pending)
      .then(() => executor.run(COMMAND.unwatch, [token]))
      .then(
        () => undefined,
        () => undefined,
      );
  }

  private end(): void {
    this.token = '';
    this.slot = -1;
    this.frames = 0;
    this.keys = [];
  }
}

/** 'OK' once `done` (a cleanup) finished. */
function andOk(executor: Executor, done: Promise<void> | undefined): unknown {
  return done === undefined ? executor.value('OK') : done.then(() => 'OK');
}
