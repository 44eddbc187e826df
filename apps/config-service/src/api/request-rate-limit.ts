import { TokenBucket } from '@callbacks/domain';
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
  private readonly buckets = new Map<string, TokenBucket>();

  constructor(
    private readonly settings: RequestRateSettings,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** Takes one request from the caller's allowance, or throws RequestRateExceededError saying when to retry. */
  take(principal: Principal): void {
    const { perSecond, burst } = this.settings;
    if (perSecond === 0) return;
    let bucket = this.buckets.get(principal.name);
    if (!bucket) {
      bucket = new TokenBucket(perSecond, this.now, burst);
      this.buckets.set(principal.name, bucket);
    }
    const waitMs = bucket.take();
    if (waitMs > 0) throw new RequestRateExceededError(principal.name, waitMs);
  }
}
