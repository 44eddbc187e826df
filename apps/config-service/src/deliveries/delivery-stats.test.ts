import { describe, expect, it } from 'vitest';
import { Outcome } from '@callbacks/proto/callbacks/delivery/v1/delivery_job';
import { LATENCY_BOUNDS_MS, latencyBucket, percentile, summarise, tallyAttempts } from './delivery-stats';
import type { RecordedAttempt } from './ports';

const T0 = Date.parse('2026-01-01T10:00:00Z');

function attempt(callbackId: string, secondsAfter: number, outcome: Outcome, ms: number): RecordedAttempt {
  return {
    deliveryId: `dl_${secondsAfter}`,
    accountId: '42',
    callbackId,
    outcome,
    attempt: {
      number: 1,
      startTime: new Date(T0 + secondsAfter * 1000),
      duration: { seconds: Math.floor(ms / 1000), nanos: (ms % 1000) * 1e6 },
      statusCode: 200,
      errorClass: '',
      errorMessage: '',
      responseExcerpt: '',
    },
    deliveryCreateTime: new Date(T0),
  };
}

describe('delivery statistics', () => {
  it('tallies attempts per callback and minute by outcome', () => {
    const tallies = tallyAttempts([
      attempt('cb_1', 1, Outcome.SUCCEEDED, 20),
      attempt('cb_1', 59, Outcome.RETRYING, 20),
      attempt('cb_1', 61, Outcome.DEAD, 20),
      attempt('cb_1', 62, Outcome.GONE, 20),
      attempt('cb_2', 2, Outcome.SUCCEEDED, 20),
    ]);
    const byKey = Object.fromEntries(
      tallies.map((t) => [`${t.callbackId}@${(t.minute.getTime() - T0) / 60_000}`, t.counts]),
    );
    expect(byKey).toEqual({
      'cb_1@0': { succeeded: 1, retrying: 1, dead: 0 },
      'cb_1@1': { succeeded: 0, retrying: 0, dead: 2 },
      'cb_2@0': { succeeded: 1, retrying: 0, dead: 0 },
    });
  });

  it('puts a latency in the first bucket whose bound holds it', () => {
    expect(latencyBucket(0)).toBe(0);
    expect(latencyBucket(5)).toBe(0);
    expect(latencyBucket(5.1)).toBe(1);
    expect(latencyBucket(60_001)).toBe(LATENCY_BOUNDS_MS.length);
  });

  it('reads percentiles from the histogram, within the bucket', () => {
    const histogram = new Array<number>(LATENCY_BOUNDS_MS.length + 1).fill(0);
    histogram[latencyBucket(40)] = 90; // (25, 50]
    histogram[latencyBucket(400)] = 10; // (250, 500]
    expect(percentile(histogram, 0.5)).toBeGreaterThan(25);
    expect(percentile(histogram, 0.5)).toBeLessThanOrEqual(50);
    expect(percentile(histogram, 0.99)).toBeGreaterThan(250);
    expect(percentile(histogram, 0.99)).toBeLessThanOrEqual(500);
    expect(percentile(histogram.fill(0), 0.5)).toBe(0);
  });

  it('sums minutes into every interval of the period, the empty ones too', () => {
    const tallies = tallyAttempts([
      attempt('cb_1', 10, Outcome.SUCCEEDED, 20),
      attempt('cb_1', 130, Outcome.RETRYING, 300),
      attempt('cb_1', 3700, Outcome.SUCCEEDED, 20),
    ]);
    const minutes = summarise(tallies, new Date(T0), new Date(T0 + 5 * 60_000), 60_000);
    expect(minutes.buckets.map((b) => b.counts)).toEqual([
      { succeeded: 1, retrying: 0, dead: 0 },
      { succeeded: 0, retrying: 0, dead: 0 },
      { succeeded: 0, retrying: 1, dead: 0 },
      { succeeded: 0, retrying: 0, dead: 0 },
      { succeeded: 0, retrying: 0, dead: 0 },
    ]);
    expect(minutes.failureRate).toBe(0.5);
    const hours = summarise(tallies, new Date(T0), new Date(T0 + 2 * 3_600_000), 3_600_000);
    expect(hours.buckets.map((b) => b.counts?.succeeded)).toEqual([1, 1]);
    expect(hours.totals).toEqual({ succeeded: 2, retrying: 1, dead: 0 });
  });
});
