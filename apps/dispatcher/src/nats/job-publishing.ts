import { headers as natsHeaders } from '@nats-io/transport-node';
import { type AckedPublisher, CONTENT_TYPES, HEADERS, SUBJECTS, SUBJECT_TEMPLATES } from '@callbacks/messaging';
import { AttemptResult, DeliveryJob } from '@callbacks/proto/callbacks/delivery/v1/delivery_job';
import type { MessageTrace } from '@callbacks/telemetry';
import type { ReadyJob } from '../delivery/job';

/** Below this, a "later" attempt is simply published now. */
const IMMEDIATE_MS = 200;

/**
 * Retries and deferrals as JetStream message schedules (ADR-51, nats-server 2.12+): the job for
 * attempt N waits in the deliveries stream on `callbacks.retries.v1.<delivery>.<N>` and the
 * server publishes it to the job subject when due. One schedule subject per delivery attempt,
 * and a schedule subject holds one schedule, so scheduling twice (a redelivered job) replaces
 * rather than duplicates. The next attempt continues the trace of this one: its trace context
 * goes in the headers, which the server keeps when it publishes the scheduled message.
 */
export function retryScheduler(publisher: AckedPublisher, now: () => number = Date.now) {
  return async (job: ReadyJob, attempt: number, at: Date, trace: MessageTrace): Promise<void> => {
    const body = DeliveryJob.encode({ ...job, attempt }).finish();
    const target = SUBJECTS.deliveryJob(job.callback.accountId, job.callback.id);
    const h = natsHeaders();
    h.set(HEADERS.contentType, CONTENT_TYPES.protobuf);
    if (at.getTime() - now() <= IMMEDIATE_MS) {
      await trace.publish({ subject: target, template: SUBJECT_TEMPLATES.deliveryJob, headers: h }, () => publisher.publish(target, body, { headers: h }));
      return;
    }
    h.set('Nats-Schedule', `@at ${at.toISOString()}`);
    h.set('Nats-Schedule-Target', target);
    const subject = SUBJECTS.retrySchedule(job.deliveryId, attempt);
    await trace.publish({ subject, template: SUBJECT_TEMPLATES.retrySchedule, headers: h }, () => publisher.publish(subject, body, { headers: h }));
  };
}

/** Attempt results for the delivery log, one message per attempt (deduplicated by JetStream). */
export function resultReporter(publisher: AckedPublisher) {
  return async (result: AttemptResult, trace: MessageTrace): Promise<void> => {
    const h = natsHeaders();
    h.set(HEADERS.contentType, CONTENT_TYPES.protobuf);
    const subject = SUBJECTS.attemptResult(result.accountId, result.callbackId);
    const msgId = `${result.deliveryId}.${result.attempt}.${result.outcome}`;
    await trace.publish({ subject, template: SUBJECT_TEMPLATES.attemptResult, headers: h, msgId }, () =>
      publisher.publish(subject, AttemptResult.encode(result).finish(), { msgId, headers: h }),
    );
  };
}
