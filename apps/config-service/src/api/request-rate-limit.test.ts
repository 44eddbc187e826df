import { describe, expect, it } from 'vitest';
import type { Principal } from '../auth/tokens';
import { RequestRateExceededError } from '../errors';
import { RequestRateLimit } from './request-rate-limit';

const crm: Principal = { name: 'crm', accounts: new Set(['42']) };
const shop: Principal = { name: 'shop', accounts: new Set(['43']) };

function limitAt(perSecond: number, burst: number) {
  let now = 0;
  const limit = new RequestRateLimit({ perSecond, burst }, () => now);
  return {
    take: (principal: Principal) => limit.take(principal),
    refused: (principal: Principal) => {
      try {
        limit.take(principal);
      } catch (error) {
        if (error instanceof RequestRateExceededError) return error;
        throw error;
      }
      return undefined;
    },
    advance: (ms: number) => (now += ms),
  };
}

describe('RequestRateLimit', () => {
  it('allows a burst, then refuses with the time until the next request is allowed', () => {
    const limit = limitAt(2, 3);
    for (let i = 0; i < 3; i++) limit.take(crm);
    const refused = limit.refused(crm);
    expect(refused?.retryAfterMs).toBe(500);
    expect(refused?.message).toBe('too many requests for token "crm"; retry in 1s');
    limit.advance(499);
    expect(limit.refused(crm)?.retryAfterMs).toBeCloseTo(1, 6);
    limit.advance(1);
    expect(limit.refused(crm)).toBeUndefined();
    expect(limit.refused(crm)).toBeDefined();
  });

  it('keeps each token to its own allowance', () => {
    const limit = limitAt(1, 1);
    limit.take(crm);
    expect(limit.refused(crm)).toBeDefined();
    expect(limit.refused(shop)).toBeUndefined();
  });

  it('refills at the rate up to the burst, never beyond', () => {
    const limit = limitAt(10, 5);
    limit.advance(60_000);
    for (let i = 0; i < 5; i++) limit.take(crm);
    expect(limit.refused(crm)).toBeDefined();
    limit.advance(300);
    for (let i = 0; i < 3; i++) limit.take(crm);
    expect(limit.refused(crm)).toBeDefined();
  });

  it('limits nothing at 0 requests per second', () => {
    const limit = limitAt(0, 1);
    for (let i = 0; i < 10_000; i++) limit.take(crm);
  });
});
