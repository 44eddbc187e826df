import type { DeliveryPolicy } from '@callbacks/proto/callbacks/v1/callback';
import { msFromDuration } from './durations';

/**
 * Delivery defaults and bounds (SPEC §3, §7.4), the one source for the config service's
 * validation, TestCallback and the dispatcher. Deployments may narrow the bounds (each service's
 * settings default to these); a callback's own policy may ask for anything within them.
 */
export const DELIVERY_DEFAULTS = {
  /** Total time for one attempt: connecting, sending, the whole answer. */
  timeoutMs: 15_000,
  connectTimeoutMs: 5_000,
  /** Requests in flight per endpoint when no callback to it sets its own limit. */
  concurrency: 10,
} as const;

export const DELIVERY_BOUNDS = {
  maxConcurrency: 100,
  maxRequestsPerSecond: 1_000,
  minTimeoutMs: 1_000,
  maxTimeoutMs: 60_000,
} as const;

/** What a deployment allows: its defaults and bounds (its settings). */
export interface DeliveryLimits {
  concurrency: number;
  maxConcurrency: number;
  timeoutMs: number;
  maxTimeoutMs: number;
}

export const DEFAULT_DELIVERY_LIMITS: DeliveryLimits = {
  concurrency: DELIVERY_DEFAULTS.concurrency,
  maxConcurrency: DELIVERY_BOUNDS.maxConcurrency,
  timeoutMs: DELIVERY_DEFAULTS.timeoutMs,
  maxTimeoutMs: DELIVERY_BOUNDS.maxTimeoutMs,
};

/**
 * What a callback's delivery policy asks for, within the deployment's limits: `undefined` where
 * it asks nothing (0 or unset), so that an endpoint shared by several callbacks can tell an
 * explicit limit from a default.
 */
export function requestedDelivery(policy: DeliveryPolicy | undefined, limits: DeliveryLimits) {
  const concurrency = policy?.maxConcurrency ? Math.min(policy.maxConcurrency, limits.maxConcurrency) : undefined;
  const requestsPerSecond = policy?.maxRequestsPerSecond ? policy.maxRequestsPerSecond : undefined;
  const ownTimeout = msFromDuration(policy?.timeout);
  return {
    concurrency,
    requestsPerSecond,
    /** Always set: the callback's own timeout, or the default, within the bound. */
    timeoutMs: Math.min(ownTimeout > 0 ? ownTimeout : limits.timeoutMs, limits.maxTimeoutMs),
  };
}
