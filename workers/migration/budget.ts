// A token bucket of keys per second: how a migration order is throttled, so that moving slots takes
// only part of the shards' time and the clients keep theirs (MigrateOptions.keysPerSecond).

/**
 * Burst allowed after a pause: this many ms of rate, and at least the largest single take (a batch,
 * or a slot's start): a bucket that can never hold one take would never let the order go on.
 */
const BURST_MS = 10;

export class KeyBudget {
  private tokens: number;
  private refilledAt: number;
  private readonly burst: number;

  /** Set when a sender found the budget short of a batch; cleared when it sends. */
  starved = false;

  constructor(
    private readonly keysPerSecond: number,
    largestTake: number,
    now: number,
  ) {
    this.burst = Math.max(largestTake, (keysPerSecond * BURST_MS) / 1000);
    this.tokens = this.burst;
    this.refilledAt = now;
  }

  /** Keys that may move now (0 when the budget is spent). */
  allowance(now: number): number {
    this.tokens = Math.min(
      this.burst,
      this.tokens + ((now - this.refilledAt) * this.keysPerSecond) / 1000,
    );
    this.refilledAt = now;
    return Math.floor(this.tokens);
  }

  /** Time until `keys` keys may move, ms (0 if they may now). */
  msUntil(keys: number): number {
    return this.tokens >= keys ? 0 : ((keys - this.tokens) * 1000) / this.keysPerSecond;
  }

  take(keys: number): void {
    this.starved = false;
    this.tokens -= keys;
  }
}
