/** Requests per second with a burst of one second's worth; `rate` 0 means unlimited. */
export class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(
    private rate: number,
    private readonly now: () => number = Date.now,
  ) {
    this.tokens = Math.max(1, rate);
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
    this.tokens = Math.min(this.tokens, Math.max(1, rate));
  }

  /** Takes a token now, or says how many milliseconds until one is there. */
  take(): number {
    if (this.rate <= 0) return 0;
    this.refill();
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return 0;
    }
    return Math.ceil(((1 - this.tokens) / this.rate) * 1000);
  }

  private refill(): void {
    const now = this.now();
    this.tokens = Math.min(Math.max(1, this.rate), this.tokens + ((now - this.last) / 1000) * this.rate);
    this.last = now;
  }
}
