// How fast a shard moves slots when its caller set no fixed pace (MigrateOptions.pace 'adaptive',
// the default): as fast as its clients leave room for, measured rather than configured.
//
// The signal is what the clients get done: requests per second over the whole database
// (foreground.ts). Every PROBE_EVERY_MS, during the same wall-clock window on every shard, moves
// pause for PROBE_MS and the shards measure the clients' rate without them: the reference. Between
// probes, each PERIOD_MS the rate is compared with the reference, and the share of a core that
// migration work may take (the duty) grows a little while clients keep at least RATIO_HIGH of it
// and shrinks by a factor when they fall below RATIO_LOW (additive increase, multiplicative
// decrease, as TCP shares a link). Work is charged as it is measured: the time this shard spent
// building a batch, and the time the target spent applying it (carried back in its ACK). Several
// sources see the same clients and the same probes, so they back off together and share what is
// left.
//
// With no clients at all (below LOAD_FLOOR requests a second) nothing is paced: batches are as big
// as the move allows and go as fast as the window lets them. Under load batches are small and this
// shard sends at most one per loop turn, so a request never queues behind more than one batch here
// or at the target, and keys stay locked for a short time.

import type { ControlBlock } from '../../../src/shared/control-block.js';
import { ForegroundMeter } from './foreground.js';

export const PaceMode = {
  /** The first period of a pace: loaded limits until the meter says otherwise. */
  Sensing: 0,
  /** No client load: unpaced. */
  Idle: 1,
  /** Clients are working: the duty limits migration work. */
  Loaded: 2,
} as const;
export type PaceMode = (typeof PaceMode)[keyof typeof PaceMode];

/** How often the duty is adjusted, ms: long enough for a rate measured at ±5%. */
const PERIOD_MS = 50;
/** Probes of the clients' rate without migration work: every this many ms of wall clock... */
const PROBE_EVERY_MS = 1000;
/**
 * ...for this long (for the first PROBE_SETTLE_MS batches in flight land and the clients catch up,
 * then the rate counts).
 */
const PROBE_MS = 100;
const PROBE_SETTLE_MS = 40;
/** A probe that measured less than this (it started late in its window) is not used. */
const PROBE_MEASURE_MIN_MS = 40;
/** Requests per second below which the database has no client load. */
const LOAD_FLOOR = 50;
/** The duty shrinks when clients get less than RATIO_LOW of the reference, grows above RATIO_HIGH. */
const RATIO_LOW = 0.94;
const RATIO_HIGH = 0.97;
const DUTY_START = 0.1;
const DUTY_MIN = 0.02;
const DUTY_MAX = 1;
const DUTY_STEP = 0.02;
const DUTY_DECREASE = 0.7;
/** Work that may be done at once after a pause, ms. */
const BURST_MS = 2;
/**
 * The most one frame is charged, ms: a target descheduled while it applied a batch reports the
 * wall time it took, which on a crowded machine can be tens of ms of nobody's work.
 */
const CHARGE_MS_MAX = 2;
/**
 * The most debt the pace carries, ms of work: frames it does not hold back (pieces of a big key,
 * what requests wait for) are still charged, and a 100 MB key would otherwise stop every batch
 * and slot start for minutes at the least duty.
 */
const DEBT_MS_MAX = 10;
/**
 * What starting a slot's move is charged, ms of work. Under load a slot's move costs its clients
 * more than its keys' bytes: requests forwarded to the target, writes waiting for a batch's ack,
 * the clients' fence at the flip, events to the opening thread. Measured against a mixed pipelined
 * load on 2 cores: moving tiny slots (12 keys) cost the clients about as much per slot as 0.5 to
 * 1 ms of batch work.
 */
const SLOT_CHARGE_MS = 0.75;
/** Weight of the newest period in the smoothed client rate (periods vary by ±20% on 2 cores). */
const SMOOTHING = 0.5;
/** A pace unused this long starts over (its reference is stale): ms. */
const STALE_MS = 5000;
/**
 * How long the clients' rate from before the move (the baseline) bounds the reference from below,
 * ms: probes alone read low (see ForegroundHistory), but a load that changed since the move began
 * is only known from them.
 */
const BASELINE_MS = 30_000;

/** Batch limits under load: a batch builds and applies in about 0.1 ms. */
export const LOADED_LIMITS = { batchKeys: 64, batchBytes: 16 * 1024, window: 2 } as const;
/**
 * Batch limits with no client load. Measured unloaded between two shards (200,000 keys of 32 B):
 * the busiest shard slept 73 ms per move at 256 keys a batch, 44 at 2048, 27 at 4096 and 43 at
 * 8192; a window of 8 did not do better than 4. For 64 KiB values anything from 256 KiB to 2 MiB
 * a batch moved alike; a batch should stay well under the 4 MiB peer ring.
 */
export const IDLE_LIMITS = { batchKeys: 4096, batchBytes: 1024 * 1024, window: 4 } as const;

export class AdaptivePace {
  #mode: PaceMode = PaceMode.Sensing;
  /** Share of a core migration work may take while clients are working. */
  duty = DUTY_START;
  /** Clients' requests per second with moves paused (0 before the first probe). */
  private probed = 0;
  /** Clients' requests per second before the pace started, and until when it counts. */
  private baseline = 0;
  private baselineUntil = 0;
  /** Clients' requests per second, smoothed over the last periods. */
  foreground = 0;
  private tokens = BURST_MS;
  private refilledAt: number;
  private periodStart: number;
  private probeStart = -1;
  private measuring = false;
  private sentThisTurn = false;
  /** Periods in a row below RATIO_LOW: one alone is as likely noise (a GC, another process). */
  private lowPeriods = 0;
  private usedAt: number;
  private readonly meter: ForegroundMeter;
  /** Set when a sender was held back; the shard then parks no longer than parkMs(). */
  starved = false;
  /** Told of each period's outcome (the profiler's pacing series). */
  onPeriod: ((pace: AdaptivePace, now: number) => void) | undefined;

  constructor(
    control: ControlBlock,
    now: number,
    /** The wall clock that places the probes (the same on every shard); a test passes its own. */
    private readonly wallNow: () => number = Date.now,
    /** The clients' rate before a move (ForegroundHistory.rate), read whenever the pace starts. */
    private readonly before: (now: number) => number = () => 0,
  ) {
    this.meter = new ForegroundMeter(control);
    this.refilledAt = now;
    this.periodStart = now;
    this.usedAt = now;
    this.meter.reset(now);
    this.takeBaseline(now);
  }

  /** The clients' rate without moves: the probes', or the rate from before the move if higher. */
  get reference(): number {
    return this.usedAt < this.baselineUntil ? Math.max(this.probed, this.baseline) : this.probed;
  }

  private takeBaseline(now: number): void {
    this.baseline = this.before(now);
    this.baselineUntil = now + BASELINE_MS;
  }

  get mode(): PaceMode {
    return this.#mode;
  }

  get probing(): boolean {
    return this.probeStart >= 0;
  }

  /** Called once per loop turn while this shard sends: ends periods and probes when due. */
  beginTurn(now: number): void {
    this.sentThisTurn = false;
    // Set again by maySend if it holds a frame back this turn; a stale flag would keep the shard
    // from parking (parkMs) after the move it held back ended.
    this.starved = false;
    if (now - this.usedAt > STALE_MS) this.startOver(now);
    this.usedAt = now;
    if (this.#mode === PaceMode.Loaded) this.probeStep(now);
    if (this.probing || now - this.periodStart < PERIOD_MS) return;
    const rate = this.meter.sample(now);
    this.foreground =
      this.foreground > 0 ? SMOOTHING * rate + (1 - SMOOTHING) * this.foreground : rate;
    this.periodStart = now;
    this.adjust();
    this.onPeriod?.(this, now);
  }

  /** Whether a batch (or piece) may be built now; false holds it back until a later turn. */
  maySend(now: number): boolean {
    if (this.#mode === PaceMode.Idle) return true;
    if (this.probing || this.sentThisTurn) {
      this.starved = true;
      return false;
    }
    const elapsed = now - this.refilledAt;
    this.refilledAt = now;
    this.tokens = Math.min(BURST_MS, this.tokens + elapsed * this.duty);
    if (this.tokens > 0) return true;
    this.starved = true;
    return false;
  }

  /** `ms` of migration work was done (building a batch here, or applying one at the target). */
  charge(ms: number, sent: boolean): void {
    if (sent) {
      this.sentThisTurn = true;
      this.starved = false;
    }
    if (this.#mode !== PaceMode.Idle)
      this.tokens = Math.max(-DEBT_MS_MAX, this.tokens - Math.min(ms, CHARGE_MS_MAX));
  }

  /** The batch limits for the current load (a move whose caller chose none). */
  limits(): typeof IDLE_LIMITS | typeof LOADED_LIMITS {
    return this.#mode === PaceMode.Idle ? IDLE_LIMITS : LOADED_LIMITS;
  }

  /**
   * Slots an order may move at once. Under load, one: a slot whose keys are split between two
   * shards costs its clients forwards and lock waits for as long as it stays split, so slots move
   * one after the other, each as quickly as its batches allow, rather than many of them slowly.
   */
  parallel(chosen: number): number {
    return this.#mode === PaceMode.Idle ? chosen : 1;
  }

  /** Whether a slot may start moving now (the pace holds it back while it probes or is in debt). */
  mayStart(now: number): boolean {
    return this.maySend(now);
  }

  /** A slot started moving: its fixed cost is charged (SLOT_CHARGE_MS). */
  started(): void {
    if (this.#mode !== PaceMode.Idle)
      this.tokens = Math.max(-DEBT_MS_MAX, this.tokens - SLOT_CHARGE_MS);
  }

  /** How long a starved shard may park, ms: until its tokens refill or its probe ends. */
  parkMs(now: number): number {
    if (!this.starved) return Number.POSITIVE_INFINITY;
    if (this.probing) return Math.max(0.5, PROBE_MS - (now - this.probeStart));
    if (this.tokens > 0 || this.sentThisTurn) return 0;
    return Math.max(0.5, -this.tokens / this.duty);
  }

  private adjust(): void {
    const foreground = this.foreground;
    if (this.#mode !== PaceMode.Loaded) {
      if (foreground < LOAD_FLOOR) this.#mode = PaceMode.Idle;
      else {
        // Clients started (or the first period saw them): learn their rate afresh.
        this.#mode = PaceMode.Loaded;
        this.duty = DUTY_START;
        this.probed = 0;
      }
      return;
    }
    if (this.reference <= 0) return;
    const ratio = foreground / this.reference;
    this.lowPeriods = ratio < RATIO_LOW ? this.lowPeriods + 1 : 0;
    if (this.lowPeriods >= 2) {
      this.duty = Math.max(DUTY_MIN, this.duty * DUTY_DECREASE);
      this.lowPeriods = 0;
    } else if (ratio > RATIO_HIGH) this.duty = Math.min(DUTY_MAX, this.duty + DUTY_STEP);
  }

  /** Pauses moves in the shared probe window and measures the clients' rate without them. */
  private probeStep(now: number): void {
    const inWindow = this.wallNow() % PROBE_EVERY_MS < PROBE_MS;
    if (!this.probing) {
      if (!inWindow) return;
      this.probeStart = now;
      this.measuring = false;
      return;
    }
    if (!this.measuring) {
      if (now - this.probeStart >= PROBE_SETTLE_MS) {
        this.meter.reset(now);
        this.measuring = true;
      } else if (!inWindow) this.endProbe(now, false);
      return;
    }
    if (inWindow && now - this.probeStart < PROBE_MS) return;
    this.endProbe(now, now - this.probeStart - PROBE_SETTLE_MS >= PROBE_MEASURE_MIN_MS);
  }

  private endProbe(now: number, measured: boolean): void {
    if (measured) {
      const rate = this.meter.sample(now);
      this.probed = this.probed > 0 ? (this.probed + rate) / 2 : rate;
      if (rate < LOAD_FLOOR) this.#mode = PaceMode.Idle;
    }
    this.probeStart = -1;
    this.measuring = false;
    this.meter.reset(now);
    this.foreground = 0;
    this.periodStart = now;
    this.refilledAt = now;
    this.onPeriod?.(this, now);
  }

  private startOver(now: number): void {
    this.#mode = PaceMode.Sensing;
    this.duty = DUTY_START;
    this.probed = 0;
    this.foreground = 0;
    this.lowPeriods = 0;
    this.measuring = false;
    this.starved = false;
    this.takeBaseline(now);
    this.tokens = BURST_MS;
    this.refilledAt = now;
    this.periodStart = now;
    this.probeStart = -1;
    this.meter.reset(now);
  }
}
