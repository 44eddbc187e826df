import { headers as natsHeaders } from '@nats-io/transport-node';
import { type AckedPublisher, CONTENT_TYPES, HEADERS, SUBJECTS } from '@callbacks/messaging';
import { AttemptResult, DeliveryJob } from '@callbacks/proto/callbacks/delivery/v1/delivery_job';
import type { ReadyJob } from '../delivery/job';

/** Below this, a "later" attempt is simply published now. */
const IMMEDIATE_MS = 200;

/**
 * Retries and deferrals as JetStream message schedules (ADR-51, nats-server 2.12+): the job for
 * attempt N waits in the deliveries stream on `callbacks.retries.v1.<delivery>.<N>` and the
 * server publishes it to the job subject when due. One schedule subject per delivery attempt,
 * and a schedule subject holds one schedule, so scheduling twice (a redelivered job) replaces
 * rather than duplicates.
 */
export function retryScheduler(publisher: AckedPublisher, now: () => number = Date.now) {
  return async (job: ReadyJob, attempt: number, at: Date): Promise<void> => {
    const body = DeliveryJob.encode({ ...job, attempt }).finish();
    const target = SUBJECTS.deliveryJob(job.callback.accountId, job.callback.id);
    const h = natsHeaders();
    h.set(HEADERS.contentType, CONTENT_TYPES.protobuf);
    if (at.getTime() - now() <= IMMEDIATE_MS) {
      await publisher.publish(target, body, { headers: h });
      return;
    }
    h.set('Nats-Schedule', `@at ${at.toISOString()}`);
    h.set('Nats-Schedule-Target', target);
    await publisher.publish(SUBJECTS.retrySchedule(job.deliveryId, attempt), body, { headers: h });
  };
}

/** Attempt results for the delivery log, one message per attempt (deduplicated by JetStream). */
export function resultReporter(publisher: AckedPublisher) {
  return async (result: AttemptResult): Promise<void> => {
    const h = natsHeaders();
    h.set(HEADERS.contentType, CONTENT_TYPES.protobuf);
    await publisher.publish(SUBJECTS.attemptResult(result.accountId, result.callbackId), AttemptResult.encode(result).finish(), {
      msgId: `${result.deliveryId}.${result.attempt}.${result.outcome}`,
      headers: h,
    });
  };
}
