import { headers as natsHeaders, type MsgHdrs } from '@nats-io/transport-node';
import { AttemptResult, DeliveryJob } from '@callbacks/proto/callbacks/delivery/v1/delivery_job';
import type { AckedPublisher } from './acked-publisher';
import type { PublishTracing } from './event-publisher';
import { CONTENT_TYPES, HEADERS, SUBJECT_TEMPLATES, SUBJECTS } from './subjects';

/**
 * The messages of the delivery pipeline, each with one owner here: its subject, headers,
 * `Nats-Msg-Id` and encoding. The matcher and a replay queue jobs, the dispatcher schedules the
 * next attempt and reports each attempt's result; all of them through these functions, each
 * publish acknowledged by the stream and wrapped by the caller's tracing.
 */

/** Below this, a "later" attempt is simply published now. */
const IMMEDIATE_MS = 200;

/** Who matched a job (a matcher instance), for operators reading the stream. */
export const MATCHED_BY_HEADER = 'Callbacks-Matched-By';

export interface EncodedDeliveryJob {
  deliveryId: string;
  accountId: string;
  callbackId: string;
  /** `DeliveryJob`, encoded. */
  data: Uint8Array;
}

/**
 * Queues a delivery job on `callbacks.deliveries.v1.<account>.<callback>` with `Nats-Msg-Id` =
 * the delivery id, so that the stream drops a job queued twice within its duplicate window (a
 * matcher redelivered an event, a replay was retried).
 */
export function publishDeliveryJob(
  publisher: AckedPublisher,
  tracing: PublishTracing,
  job: EncodedDeliveryJob,
  extraHeaders: Record<string, string> = {},
): Promise<unknown> {
  const subject = SUBJECTS.deliveryJob(job.accountId, job.callbackId);
  const h = protobufHeaders();
  for (const [name, value] of Object.entries(extraHeaders)) h.set(name, value);
  return tracing.publish({ subject, template: SUBJECT_TEMPLATES.deliveryJob, headers: h, msgId: job.deliveryId }, () =>
    publisher.publish(subject, job.data, { msgId: job.deliveryId, headers: h }),
  );
}

/**
 * Attempt `attempt` of a job, due at `at`: a JetStream message schedule (ADR-51, nats-server
 * 2.12+) on `callbacks.retries.v1.<delivery>.<attempt>` that the server publishes to the job
 * subject when due, or the job itself when it is due now. One schedule subject per delivery
 * attempt, and a schedule subject holds one schedule, so scheduling twice (a redelivered job)
 * replaces rather than duplicates. The trace context goes in the headers, which the server keeps,
 * so the next attempt continues the trace of this one. (nats.js's typed `schedule` option exists
 * only on `JetStreamClient.publish`; these go through the coalescing AckedPublisher, hence the
 * headers by name.)
 */
export async function scheduleDeliveryJob(
  publisher: AckedPublisher,
  tracing: PublishTracing,
  job: DeliveryJob,
  attempt: number,
  at: Date,
  now: number = Date.now(),
): Promise<void> {
  const target = job.callback;
  if (!target) throw new Error(`delivery job ${job.deliveryId} has no callback`);
  const data = DeliveryJob.encode({ ...job, attempt }).finish();
  const subject = SUBJECTS.deliveryJob(target.accountId, target.id);
  const h = protobufHeaders();
  if (at.getTime() - now <= IMMEDIATE_MS) {
    await tracing.publish({ subject, template: SUBJECT_TEMPLATES.deliveryJob, headers: h }, () =>
      publisher.publish(subject, data, { headers: h }),
    );
    return;
  }
  h.set('Nats-Schedule', `@at ${at.toISOString()}`);
  h.set('Nats-Schedule-Target', subject);
  const schedule = SUBJECTS.retrySchedule(job.deliveryId, attempt);
  await tracing.publish({ subject: schedule, template: SUBJECT_TEMPLATES.retrySchedule, headers: h }, () =>
    publisher.publish(schedule, data, { headers: h }),
  );
}

/**
 * An attempt's result for the delivery log, on `callbacks.results.v1.<account>.<callback>`, with
 * `Nats-Msg-Id` = delivery, attempt and outcome: a result reported twice is stored once.
 */
export function publishAttemptResult(
  publisher: AckedPublisher,
  tracing: PublishTracing,
  result: AttemptResult,
): Promise<unknown> {
  const subject = SUBJECTS.attemptResult(result.accountId, result.callbackId);
  const msgId = `${result.deliveryId}.${result.attempt}.${result.outcome}`;
  const h = protobufHeaders();
  return tracing.publish({ subject, template: SUBJECT_TEMPLATES.attemptResult, headers: h, msgId }, () =>
    publisher.publish(subject, AttemptResult.encode(result).finish(), { msgId, headers: h }),
  );
}

function protobufHeaders(): MsgHdrs {
  const h = natsHeaders();
  h.set(HEADERS.contentType, CONTENT_TYPES.protobuf);
  return h;
}
