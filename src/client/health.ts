// What a client thread knows of the database's health: which shards died (calls to them fail with
// ShardDownError) and whether the database or this client closed (calls fail with
// ClientClosedError). A thread learns of a death from the shared death counter, so it notices one
// even if it never waited for a reply.

import { ClientClosedError, FailoverError, ShardDownError } from '../errors.js';
import { NO_SLOT } from '../shared/codec.js';
import {
  ClientState,
  type ControlBlock,
  kClientClosing,
  kClientState,
  ShardState,
  seatWord,
  WorkerRole,
} from '../shared/control-block.js';

/**
 * The attached clients of this thread not closed yet. A thread that ends without close()
 * (process.exit, an uncaught error) marks them closed for the shards, which then drop their
 * blocked requests instead of popping elements for nobody. (A thread terminated from outside runs
 * no hook: its seat is reclaimed later, src/handle.ts.) One exit listener per thread.
 */
const OPEN_ON_EXIT = new Set<ClientHealth>();
let exitHooked = false;

function closeOnExit(health: ClientHealth): void {
  if (!exitHooked) process.once('exit', markAllClosing);
  exitHooked = true;
  OPEN_ON_EXIT.add(health);
}

function markAllClosing(): void {
  for (const health of OPEN_ON_EXIT) health.markClosing();
}

/** Why commands sent to the dead worker in `seat` fail: a failover, or a shard that is down. */
function deathError(control: ControlBlock, seat: number): ShardDownError {
  const code = control.shardExitCode(seat);
  const shard = control.workerShard(seat);
  const primary = control.primaryOf(shard);
  if (control.workerRole(seat) === WorkerRole.Replica) {
    return new ShardDownError(
      seat,
      `its worker, a replica of shard ${shard}, exited with code ${code}`,
    );
  }
  if (primary !== seat && control.shardState(primary) !== ShardState.Dead) {
    return new FailoverError(shard, seat, primary, code);
  }
  if (control.replicasPerShard > 0) {
    return new ShardDownError(
      seat,
      `its worker exited with code ${code}, and no replica of shard ${shard} held a full copy to take over`,
    );
  }
  return new ShardDownError(seat, `its worker exited with code ${code}`);
}

export class ClientHealth {
  /** Per shard: the error its commands fail with once it died. */
  readonly down: (ShardDownError | undefined)[];
  /** Set once the client is closed; new calls fail with it. */
  closedError: Error | undefined;
  private seenDeaths = 0;
  /** Whether this client has seen the database's closed flag. */
  private sharedClosed = false;

  constructor(
    private readonly control: ControlBlock,
    shardCount: number,
    private readonly client: number,
    private readonly generation: number,
  ) {
    this.down = new Array(shardCount).fill(undefined);
    if (client !== 0) closeOnExit(this);
  }

  /**
   * Marks this holder of the seat closed in shared memory (its closing word): shards drop its
   * blocked requests (workers/blocking) before they could pop anything.
   */
  markClosing(): void {
    const word = this.control.clientWord(this.client, kClientClosing);
    Atomics.store(this.control.words, word, seatWord(this.generation, ClientState.Active));
  }

  /** Whether a shard died since the last notice(). */
  deathsChanged(): boolean {
    return this.control.deaths !== this.seenDeaths;
  }

  /** Whether a shard died or the database closed since the last notice(). */
  changed(): boolean {
    return this.control.deaths !== this.seenDeaths || this.control.closed;
  }

  /**
   * Takes in the shards that died and the database's closed flag. Returns false when nothing
   * changed since the last call (then no command has a new reason to fail).
   */
  notice(): boolean {
    const control = this.control;
    const deaths = control.deaths;
    const newlyClosed = control.closed && !this.sharedClosed;
    if (deaths === this.seenDeaths && !newlyClosed) return false;
    this.seenDeaths = deaths;
    for (let shard = 0; shard < this.down.length; shard++) {
      if (this.down[shard] === undefined && control.shardState(shard) === ShardState.Dead) {
        this.down[shard] = deathError(control, shard);
      }
    }
    if (newlyClosed) {
      this.sharedClosed = true;
      this.closedError ??= new ClientClosedError('The database is closed');
    }
    return true;
  }

  /** Closes the client with `error` (later calls fail with it); false when it was closed already. */
  close(error: Error): boolean {
    if (this.closedError !== undefined) return false;
    this.closedError = error;
    this.markClosing();
    OPEN_ON_EXIT.delete(this);
    return true;
  }

  /** Gives the seat back (unless the opener reclaimed it already), rings and all. */
  detach(): void {
    const word = this.control.clientWord(this.client, kClientState);
    const active = seatWord(this.generation, ClientState.Active);
    const detached = seatWord(this.generation, ClientState.Detached);
    Atomics.compareExchange(this.control.words, word, active, detached);
  }

  /**
   * The error a command in flight fails with: a shard on its path died (the shard it was sent to,
   * -1 while held, or the slot's owner now: a straggler forwarded after a flip), or the database
   * closed. A request the source of a migration forwarded to a target that died is answered by
   * the source (SHARDDOWN).
   */
  failureOf(shard: number, slot: number): Error | undefined {
    const sentTo = shard >= 0 ? this.down[shard] : undefined;
    const owner = slot !== NO_SLOT ? this.down[this.control.owner[slot]!] : undefined;
    return sentTo ?? owner ?? (this.sharedClosed ? this.closedError : undefined);
  }
}
