// Token buckets of keys and bytes per second: a migration order's fixed ceilings
// (MigrateOptions.keysPerSecond and bytesPerSecond), so that moving slots takes only part of the
// shards' time whatever the load. The adaptive pace (adaptive-pace.ts) works under them.

/**
 * Burst allowed after a pause: this many ms of rate, and at least the largest single take (a batch,
 * or a slot's start): a bucket that can never hold one take would never let the order go on.
 */
const BURST_MS = 10;

/** One bucket: `perSecond` tokens a second, up to a burst. */
class Bucket {
  private tokens: number;
  private refilledAt: number;
  private readonly burst: number;

  constructor(
    private readonly perSecond: number,
    largestTake: number,
    now: number,
  ) {
    this.burst = Math.max(largestTake, (perSecond * BURST_MS) / 1000);
    this.tokens = this.burst;
    this.refilledAt = now;
  }

  /**
   * Whether `tokens` are available now. A take larger than the burst (a batch bigger than the
   * bucket was sized for) waits for a full bucket instead, or it would wait forever.
   */
  has(tokens: number, now: number): boolean {
    return this.allowance(now) >= Math.min(tokens, this.burst);
  }

  /** Tokens available now. */
  allowance(now: number): number {
    this.tokens = Math.min(
      this.burst,
      this.tokens + ((now - this.refilledAt) * this.perSecond) / 1000,
    );
    this.refilledAt = now;
    return this.tokens;
  }

  /** Time until `tokens` are available, ms (0 if they are). */
  msUntil(tokens: number): number {
    const wanted = Math.min(tokens, this.burst);
    return this.tokens >= wanted ? 0 : ((wanted - this.tokens) * 1000) / this.perSecond;
  }

  take(tokens: number): void {
    this.tokens -= tokens;
  }
}

export class RateBudget {
  private readonly keys: Bucket | undefined;
  private readonly bytes: Bucket | undefined;
  /** Set when a sender found the budget short; cleared when it sends. */
  starved = false;

  constructor(
    keysPerSecond: number,
    bytesPerSecond: number,
    /** Keys of the largest single take (a batch, a slot's start). */
    largestTake: number,
    now: number,
  ) {
    this.keys = keysPerSecond > 0 ? new Bucket(keysPerSecond, largestTake, now) : undefined;
    // Bytes are paid after the batch is built (allows() only asks for the bucket to be out of
    // debt), so the bucket need not hold a whole batch: its burst is BURST_MS of rate.
    this.bytes = bytesPerSecond > 0 ? new Bucket(bytesPerSecond, 1, now) : undefined;
  }

  /**
   * Whether `keys` keys may move now. A sender waits for a whole batch's worth of keys (trickling
   * keys one by one would pay a batch's fixed cost per key); bytes are paid after the batch is
   * built, so a byte budget only needs to be out of debt.
   */
  allows(keys: number, now: number): boolean {
    const ok =
      (this.keys === undefined || this.keys.has(keys, now)) &&
      (this.bytes === undefined || this.bytes.allowance(now) > 0);
    if (!ok) this.starved = true;
    return ok;
  }

  /** Time until `keys` keys may move, ms (0 if they may now). */
  msUntil(keys: number): number {
    return Math.max(this.keys?.msUntil(keys) ?? 0, this.bytes?.msUntil(1) ?? 0);
  }

  take(keys: number, bytes: number): void {
    this.starved = false;
    this.keys?.take(keys);
    this.bytes?.take(bytes);
  }
}
