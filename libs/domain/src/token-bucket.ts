/**
 * Requests per second as a token bucket: `rate` tokens a second, up to `burst` (by default one
 * second's worth) saved up by a quiet caller; `rate` 0 means unlimited. The dispatcher's
 * per-endpoint rate and the config service's per-token request rate both count with it.
 */
export class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(
    private rate: number,
    private readonly now: () => number = Date.now,
    private readonly burst?: number,
  ) {
    this.tokens = this.capacity;
    this.last = now();
  }

  /** Milliseconds between requests at the limit; 0 when unlimited. */
  get intervalMs(): number {
    return this.rate > 0 ? 1000 / this.rate : 0;
  }

  setRate(rate: number): void {
    if (rate === this.rate) return;
    this.refill();
    this.rate = rate;
    this.tokens = Math.min(this.tokens, this.capacity);
  }

  /** Takes a token now (0), or says how many milliseconds until one is there (not rounded). */
  take(): number {
    if (this.rate <= 0) return 0;
    this.refill();
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return 0;
    }
    return ((1 - this.tokens) / this.rate) * 1000;
  }

  private get capacity(): number {
    return this.burst ?? Math.max(1, this.rate);
  }

  private refill(): void {
    const now = this.now();
    this.tokens = Math.min(this.capacity, this.tokens + ((now - this.last) / 1000) * this.rate);
    this.last = now;
  }
}
