import { headers as natsHeaders, type MsgHdrs } from '@nats-io/transport-node';
import { AttemptResult, DeliveryJob } from '@callbacks/proto/callbacks/delivery/v1/delivery_job';
import type { ProfileEvent } from '@callbacks/proto/callbacks/events/v1/profile_event';
import { Ordering } from '@callbacks/proto/callbacks/v1/callback';
import { encodeMessage } from '@callbacks/proto/encode';
import { type AckedPublisher, PublishError } from './acked-publisher';
import type { PublishTracing } from './event-publisher';
import { CONTENT_TYPES, HEADERS, type OrderedPartition, SUBJECT_TEMPLATES, SUBJECTS } from './subjects';

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
  /** Set for a callback with per-profile ordering: the job joins its partition's line. */
  partition?: OrderedPartition | undefined;
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
  if (job.partition) return publishOrderedJob(publisher, tracing, job, job.partition, extraHeaders);
  const subject = SUBJECTS.deliveryJob(job.accountId, job.callbackId);
  const h = protobufHeaders();
  for (const [name, value] of Object.entries(extraHeaders)) h.set(name, value);
  return tracing.publish({ subject, template: SUBJECT_TEMPLATES.deliveryJob, headers: h, msgId: job.deliveryId }, () =>
    publisher.publish(subject, job.data, { msgId: job.deliveryId, headers: h }),
  );
}

/** The partition a callback's job for an event joins, or undefined when the callback is unordered. */
export function partitionOf(
  callback: { id: string; accountId: string; ordering: Ordering },
  event: Pick<ProfileEvent, 'profileId' | 'subprofileId'>,
): OrderedPartition | undefined {
  if (callback.ordering !== Ordering.PER_PROFILE) return undefined;
  const sub = event.subprofileId !== '';
  return {
    accountId: callback.accountId,
    callbackId: callback.id,
    kind: sub ? 'subprofile' : 'profile',
    entityId: sub ? event.subprofileId : event.profileId,
  };
}

/**
 * Per-profile ordering, in two streams. An ordered job joins its partition's line on
 * `callbacks.ordered.v1.<account>.<callback>.<kind>.<id>` (`Nats-Msg-Id` = the delivery id, so a
 * job queued twice keeps one place, and one stream sequence: the delivery's `sequence`). Then
 * the partition gets a turn unless it has one: a message on `callbacks.turns.v1.…` (a work
 * queue holding at most one per subject) that dispatchers consume. Whoever holds the turn
 * attempts the first job of the line, deletes it once settled and goes on to the next, or passes
 * the turn on, due when the first job's retry is (`passTurn`); with no job left it acknowledges
 * the turn and looks once more, so a job that found the turn taken is never left without one.
 */
async function publishOrderedJob(
  publisher: AckedPublisher,
  tracing: PublishTracing,
  job: EncodedDeliveryJob,
  partition: OrderedPartition,
  extraHeaders: Record<string, string>,
): Promise<void> {
  const subject = SUBJECTS.orderedJob(partition);
  const h = protobufHeaders();
  for (const [name, value] of Object.entries(extraHeaders)) h.set(name, value);
  await tracing.publish({ subject, template: SUBJECT_TEMPLATES.orderedJob, headers: h, msgId: job.deliveryId }, () =>
    publisher.publish(subject, job.data, { msgId: job.deliveryId, headers: h }),
  );
  await offerTurn(publisher, partition);
}

/** JetStream's error code for a failed `Nats-Expected-Last-Subject-Sequence`. */
const WRONG_LAST_SEQUENCE = 10071;

/** Gives the partition a turn if it has none; resolves false when it had one already. */
export async function offerTurn(publisher: AckedPublisher, partition: OrderedPartition): Promise<boolean> {
  const h = natsHeaders();
  h.set(HEADERS.expectedLastSubjectSequence, '0');
  try {
    await publisher.publish(SUBJECTS.turn(partition), new Uint8Array(0), { headers: h });
    return true;
  } catch (error) {
    if (error instanceof PublishError && error.code === WRONG_LAST_SEQUENCE) return false;
    throw error;
  }
}

/** What a passed-on turn says about the first job of its partition's line. */
export interface TurnState {
  /** The stream sequence of the job it is about (another first job ignores it). */
  head: number;
  /** The attempt due next. */
  attempt: number;
  /** When it is due (ms since the epoch). */
  dueAt: number;
}

const TURN_HEADERS = { head: 'Callbacks-Head', attempt: 'Callbacks-Attempt', dueAt: 'Callbacks-Due-At' } as const;

/**
 * Replaces the turn numbered `turnSeq` (the one the caller holds) with one that says when the
 * first job is due again and with which attempt. Compare-and-set on the subject's last sequence:
 * only the holder can pass a turn on, and never past a newer one.
 */
export async function passTurn(
  publisher: AckedPublisher,
  partition: OrderedPartition,
  turnSeq: number,
  state: TurnState,
): Promise<void> {
  const h = natsHeaders();
  h.set(HEADERS.expectedLastSubjectSequence, String(turnSeq));
  h.set(TURN_HEADERS.head, String(state.head));
  h.set(TURN_HEADERS.attempt, String(state.attempt));
  h.set(TURN_HEADERS.dueAt, String(state.dueAt));
  await publisher.publish(SUBJECTS.turn(partition), new Uint8Array(0), { headers: h });
}

/** A turn's state, or undefined for a fresh turn (or one with unreadable headers: start afresh). */
export function turnStateOf(headers: MsgHdrs | undefined): TurnState | undefined {
  if (!headers) return undefined;
  const head = Number(headers.get(TURN_HEADERS.head));
  const attempt = Number(headers.get(TURN_HEADERS.attempt));
  const dueAt = Number(headers.get(TURN_HEADERS.dueAt));
  if (!(head > 0 && attempt >= 1 && Number.isFinite(dueAt))) return undefined;
  return { head, attempt, dueAt };
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
  const data = encodeMessage(DeliveryJob, { ...job, attempt });
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
    publisher.publish(subject, encodeMessage(AttemptResult, result), { msgId, headers: h }),
  );
}

function protobufHeaders(): MsgHdrs {
  const h = natsHeaders();
  h.set(HEADERS.contentType, CONTENT_TYPES.protobuf);
  return h;
}
