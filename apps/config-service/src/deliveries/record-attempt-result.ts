import { Outcome, type AttemptResult } from '@callbacks/proto/callbacks/delivery/v1/delivery_job';
import type { Attempt } from '@callbacks/proto/callbacks/v1/delivery';
import type { Clock } from '../callbacks/ports';
import { progressOf, stateAfter } from './attempt-outcome';
import type { EndpointHealth } from './endpoint-health';
import type { DeliveryLog } from './ports';

/**
 * Records one attempt result (SPEC §7.7): the attempt (once, however often the result is
 * redelivered), the delivery (created by its first result, its state from the result that stands
 * last), and what it says about the endpoint's health. Every step is idempotent, so a
 * result redelivered after a crash half-way is simply recorded again.
 */
export class RecordAttemptResult {
  constructor(private readonly deps: { log: DeliveryLog; health: EndpointHealth; clock: Clock }) {}

  async execute(result: AttemptResult): Promise<void> {
    const state = stateAfter(result.outcome);
    if (state === undefined) throw new Error(`an attempt result with outcome ${result.outcome} reached the delivery log`);
    const now = this.deps.clock();
    const createTime = result.matchedAt ?? result.startedAt ?? now;
    // A skipped delivery was never sent: it has no attempt to show.
    const attempt = result.outcome === Outcome.SKIPPED ? undefined : attemptOf(result);
    if (attempt) {
      await this.deps.log.recordAttempt({
        deliveryId: result.deliveryId,
        accountId: result.accountId,
        callbackId: result.callbackId,
        outcome: result.outcome,
        attempt,
        deliveryCreateTime: createTime,
      });
    }
    const origin = {
      id: result.deliveryId,
      accountId: result.accountId,
      callbackId: result.callbackId,
      eventId: result.eventId,
      createTime,
      replayOf: result.replayOf,
      callbackRevision: result.callbackRevision,
      event: result.event,
    };
    await this.deps.log.record(origin, {
      progress: progressOf(result.attempt, result.outcome),
      state,
      attemptCount: attempt ? result.attempt : 0,
      nextAttemptTime: result.outcome === Outcome.RETRYING ? result.nextAttemptAt : undefined,
      lastAttempt: attempt,
      updateTime: now,
    });
    await this.deps.health.observe(result);
  }
}

function attemptOf(result: AttemptResult): Attempt {
  return {
    number: result.attempt,
    startTime: result.startedAt,
    duration: result.duration,
    statusCode: result.statusCode,
    errorClass: result.errorClass,
    errorMessage: result.errorMessage,
    responseExcerpt: result.responseExcerpt,
  };
}
