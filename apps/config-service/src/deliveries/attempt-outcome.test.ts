import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AttemptResult, Outcome } from '@callbacks/proto/callbacks/delivery/v1/delivery_job';
import { DeliveryState } from '@callbacks/proto/callbacks/v1/delivery';
import { progressOf, stateAfter, unrecordable } from './attempt-outcome';

const OUTCOMES = [Outcome.SUCCEEDED, Outcome.RETRYING, Outcome.DEAD, Outcome.GONE, Outcome.SKIPPED];

describe('stateAfter', () => {
  it.each([
    [Outcome.RETRYING, DeliveryState.PENDING],
    [Outcome.SUCCEEDED, DeliveryState.SUCCEEDED],
    [Outcome.DEAD, DeliveryState.DEAD],
    [Outcome.GONE, DeliveryState.DEAD],
    [Outcome.SKIPPED, DeliveryState.SKIPPED],
    [Outcome.UNSPECIFIED, undefined],
  ])('outcome %s leaves the delivery in state %s', (outcome, state) => {
    expect(stateAfter(outcome)).toBe(state);
  });
});

describe('progressOf', () => {
  it('puts every later attempt after every earlier one, whatever the outcomes', () => {
    const attempt = fc.integer({ min: 0, max: 1_000 });
    const outcome = fc.constantFrom(...OUTCOMES);
    fc.assert(
      fc.property(attempt, attempt, outcome, outcome, (a, b, x, y) => {
        fc.pre(a < b);
        expect(progressOf(a, x)).toBeLessThan(progressOf(b, y));
      }),
    );
  });

  it('puts an end after a retry of the same attempt, and every result after "none yet"', () => {
    expect(progressOf(3, Outcome.RETRYING)).toBeLessThan(progressOf(3, Outcome.DEAD));
    expect(progressOf(3, Outcome.RETRYING)).toBeLessThan(progressOf(3, Outcome.SUCCEEDED));
    expect(progressOf(0, Outcome.SKIPPED)).toBeGreaterThan(0);
  });
});

describe('unrecordable', () => {
  const valid = AttemptResult.fromPartial({
    deliveryId: 'dl_1',
    accountId: 'acct-a',
    callbackId: 'cb_1',
    attempt: 1,
    outcome: Outcome.DEAD,
  });

  it('accepts a complete result', () => {
    expect(unrecordable(valid)).toBeUndefined();
  });

  it.each([
    [{ deliveryId: '' }, /deliveryId/],
    [{ accountId: 'a.b' }, /accountId/],
    [{ attempt: -1 }, /attempt/],
    [{ outcome: Outcome.UNSPECIFIED }, /outcome/],
  ])('refuses %o', (overrides, reason) => {
    expect(unrecordable({ ...valid, ...overrides })).toMatch(reason);
  });
});
