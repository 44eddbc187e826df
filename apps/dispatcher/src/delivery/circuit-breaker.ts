export type BreakerState = 'closed' | 'open' | 'half_open';

/**
 * One per endpoint. After `threshold` consecutive failures the endpoint gets no attempts for a
 * cool-down (doubling each time it fails again, up to a maximum); then one probe is let
 * through: success closes the breaker, failure opens it again. Failures that say the endpoint
 * is unhealthy count (network errors, timeouts, 5xx, 429); a 4xx is an answer, not an outage.
 */
export class CircuitBreaker {
  private failures = 0;
  private openUntil = 0;
  private cooldownMs: number;
  private probing = false;

  constructor(
    private readonly threshold: number,
    private readonly baseCooldownMs: number,
    private readonly maxCooldownMs: number,
    private readonly now: () => number = Date.now,
  ) {
    this.cooldownMs = baseCooldownMs;
  }

  get state(): BreakerState {
    if (this.failures < this.threshold) return 'closed';
    return this.now() < this.openUntil ? 'open' : 'half_open';
  }

  /** No failures counted, no probe out: nothing to remember. */
  get clean(): boolean {
    return this.failures === 0 && !this.probing;
  }

  /** When an attempt may be made again; 0 when it may now. */
  get retryAt(): number {
    return this.state === 'open' ? this.openUntil : 0;
  }

  /** Whether an attempt may start now. In half-open, only one probe at a time. */
  tryAcquire(): boolean {
    const state = this.state;
    if (state === 'closed') return true;
    if (state === 'open' || this.probing) return false;
    this.probing = true;
    return true;
  }

  succeeded(): void {
    this.failures = 0;
    this.probing = false;
    this.cooldownMs = this.baseCooldownMs;
  }

  failed(): void {
    this.failures++;
    if (this.probing || this.failures === this.threshold) {
      if (this.probing) this.cooldownMs = Math.min(this.cooldownMs * 2, this.maxCooldownMs);
      this.openUntil = this.now() + this.cooldownMs;
    }
    this.probing = false;
  }

  /** An attempt that ended without saying anything about the endpoint's health. */
  released(): void {
    this.probing = false;
  }
}
