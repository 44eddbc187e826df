import { type AttemptResult, Outcome } from '@callbacks/proto/callbacks/delivery/v1/delivery_job';
import type { Attempt } from '@callbacks/proto/callbacks/v1/delivery';
import type { Clock } from '../callbacks/ports';
import { progressOf, stateAfter } from './attempt-outcome';
import { tallyAttempts } from './delivery-stats';
import type { EndpointHealth } from './endpoint-health';
import type { DeliveryLog, DeliveryRecord, DeliveryStatsStore, RecordedAttempt } from './ports';

/**
 * Records attempt results (SPEC §7.7), a batch at a time: the attempts (each once, however often
 * its result is redelivered), the deliveries (created by their first result, their state from
 * the result that stands last), and what the results say about the endpoints' health. Every
 * step is idempotent, so a batch redelivered after a crash half-way is simply recorded again.
 * A batch costs a few database commands, not a few per result.
 */
export class RecordAttemptResult {
  constructor(
    private readonly deps: { log: DeliveryLog; health: EndpointHealth; stats: DeliveryStatsStore; clock: Clock },
  ) {}

  async execute(results: readonly AttemptResult[]): Promise<void> {
    const now = this.deps.clock();
    const attempts: RecordedAttempt[] = [];
    // Per delivery, the result that stands last: the others can only lose to it.
    const latest = new Map<string, DeliveryRecord>();
    for (const result of results) {
      const state = stateAfter(result.outcome);
      if (state === undefined)
        throw new Error(`an attempt result with outcome ${result.outcome} reached the delivery log`);
      const createTime = result.matchedAt ?? result.startedAt ?? now;
      // A skipped delivery was never sent: it has no attempt to show.
      const attempt = result.outcome === Outcome.SKIPPED ? undefined : attemptOf(result);
      if (attempt) {
        const { deliveryId, accountId, callbackId, outcome } = result;
        attempts.push({ deliveryId, accountId, callbackId, outcome, attempt, deliveryCreateTime: createTime });
      }
      const progress = progressOf(result.attempt, result.outcome);
      if ((latest.get(result.deliveryId)?.progress.progress ?? -1) >= progress) continue;
      latest.set(result.deliveryId, {
        origin: {
          id: result.deliveryId,
          accountId: result.accountId,
          callbackId: result.callbackId,
          eventId: result.eventId,
          createTime,
          replayOf: result.replayOf,
          callbackRevision: result.callbackRevision,
          event: result.event,
        },
        progress: {
          progress,
          state,
          attemptCount: attempt ? result.attempt : 0,
          nextAttemptTime: result.outcome === Outcome.RETRYING ? result.nextAttemptAt : undefined,
          lastAttempt: attempt,
          updateTime: now,
        },
      });
    }
    // Counted once: only the attempts this batch recorded, not those a redelivery repeats.
    const recorded = await this.deps.log.record([...latest.values()], attempts);
    await this.deps.stats.add(tallyAttempts(recorded));
    await this.deps.health.observe(results);
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
