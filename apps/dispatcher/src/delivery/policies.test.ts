import { describe, expect, it } from 'vitest';
import { parseDuration } from '@callbacks/config';
import { TokenBucket } from '@callbacks/domain';
import { CircuitBreaker } from './circuit-breaker';
import { DEFAULT_RETRY_SCHEDULE, RetryPolicy } from './retry-policy';

describe('RetryPolicy', () => {
  const schedule = DEFAULT_RETRY_SCHEDULE.split(',').map(parseDuration);

  it('follows the SPEC schedule: ten attempts, the last after 24 h', () => {
    const policy = new RetryPolicy(schedule, 0, 3_600_000);
    expect(policy.maxAttempts).toBe(10);
    expect(Array.from({ length: 9 }, (_, i) => policy.delayAfter(i + 1))).toEqual([
      5_000, 300_000, 1_800_000, 7_200_000, 18_000_000, 36_000_000, 50_400_000, 72_000_000, 86_400_000,
    ]);
    expect(policy.delayAfter(10)).toBeUndefined();
  });

  it('jitters within ±20 %', () => {
    expect(new RetryPolicy([10_000], 0.2, 0, () => 0).delayAfter(1)).toBe(8_000);
    expect(new RetryPolicy([10_000], 0.2, 0, () => 0.999999).delayAfter(1)).toBe(12_000);
  });

  it('honours Retry-After within bounds, never earlier than the schedule', () => {
    const policy = new RetryPolicy([5_000], 0, 60_000);
    expect(policy.delayAfter(1, 30_000)).toBe(30_000);
    expect(policy.delayAfter(1, 1_000)).toBe(5_000);
    expect(policy.delayAfter(1, 86_400_000)).toBe(60_000);
  });
});

describe('CircuitBreaker', () => {
  it('opens after the threshold, lets one probe through after the cool-down, doubles on failure', () => {
    let now = 0;
    const breaker = new CircuitBreaker(3, 1_000, 4_000, () => now);
    for (let i = 0; i < 2; i++) breaker.failed();
    expect(breaker.state).toBe('closed');
    breaker.failed();
    expect(breaker.state).toBe('open');
    expect(breaker.tryAcquire()).toBe(false);
    now = 1_000;
    expect(breaker.state).toBe('half_open');
    expect(breaker.tryAcquire()).toBe(true);
    expect(breaker.tryAcquire()).toBe(false); // one probe at a time
    breaker.failed();
    expect(breaker.retryAt).toBe(3_000); // cool-down doubled
    now = 3_000;
    expect(breaker.tryAcquire()).toBe(true);
    breaker.succeeded();
    expect(breaker.state).toBe('closed');
  });

  it('does not count answers that say nothing about health', () => {
    const breaker = new CircuitBreaker(1, 1_000, 1_000, () => 0);
    expect(breaker.tryAcquire()).toBe(true);
    breaker.released();
    expect(breaker.state).toBe('closed');
  });
});

describe('TokenBucket', () => {
  it('allows a burst of one second, then spaces requests out', () => {
    let now = 0;
    const bucket = new TokenBucket(2, () => now);
    expect([bucket.take(), bucket.take()]).toEqual([0, 0]);
    expect(bucket.take()).toBe(500);
    now = 500;
    expect(bucket.take()).toBe(0);
  });

  it('is unlimited at rate 0', () => {
    const bucket = new TokenBucket(0);
    expect(Array.from({ length: 100 }, () => bucket.take()).every((w) => w === 0)).toBe(true);
  });
});
