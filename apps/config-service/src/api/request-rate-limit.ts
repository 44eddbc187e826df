import type { Principal } from '../auth/tokens';
import { RequestRateExceededError } from '../errors';

export interface RequestRateSettings {
  /** Requests per second each token may make, gRPC and HTTP together; 0: no limit. */
  perSecond: number;
  /** Requests a token that has been quiet may make at once. */
  burst: number;
}

/**
 * A token bucket per caller (the token's name), shared by every transport so a caller has one
 * allowance however it calls. Per instance: N replicas allow N times as much. Callers are the
 * configured tokens, so the map stays as small as CONFIG_TOKENS.
 */
export class RequestRateLimit {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(
    private readonly settings: RequestRateSettings,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** Takes one request from the caller's allowance, or throws RequestRateExceededError saying when to retry. */
  take(principal: Principal): void {
    const { perSecond, burst } = this.settings;
    if (perSecond === 0) return;
    const now = this.now();
    const bucket = this.buckets.get(principal.name) ?? { tokens: burst, at: now };
    bucket.tokens = Math.min(burst, bucket.tokens + ((now - bucket.at) / 1000) * perSecond);
    bucket.at = now;
    this.buckets.set(principal.name, bucket);
    if (bucket.tokens < 1) {
      throw new RequestRateExceededError(principal.name, ((1 - bucket.tokens) / perSecond) * 1000);
    }
    bucket.tokens -= 1;
  }
}
