import type { JsMsg } from '@nats-io/jetstream';
import { headers as natsHeaders, type NatsConnection } from '@nats-io/transport-node';
import { toEvaluationInput } from '@callbacks/conditions';
import type { Logger } from '@callbacks/logger';
import { matchEvent } from '@callbacks/matching';
import {
  AckedPublisher,
  HEADERS,
  MATCHED_BY_HEADER,
  type OrderedPartition,
  partitionOf,
  publishDeliveryJob,
  SUBJECT_TEMPLATES,
  SUBJECTS,
} from '@callbacks/messaging';
import { ProfileEvent } from '@callbacks/proto/callbacks/events/v1/profile_event';
import type { Callback } from '@callbacks/proto/callbacks/v1/callback';
import type { MessageTrace, NatsTracing } from '@callbacks/telemetry';
import type { CallbackIndex } from '../callbacks/callback-index';
import { type EncodedJob, EventJobs } from '../matching/delivery-job';
import { decodeEvent } from './decode-event';
import { MATCHER_CONSUMER } from './event-consumer';

export interface HandlerStats {
  consumed: number;
  matched: number;
  jobs: number;
  deadLettered: number;
  failed: number;
}

/** Header naming the matcher instance that emitted a job (for operators tracing a delivery). */

/**
 * Handles one message of the events stream: decode, validate, match, publish one job per
 * matched callback, and only then acknowledge. A bad event goes to the dead-letter stream with
 * its reason and is terminated (never redelivered); a failure to publish jobs naks the event so
 * it is retried, and the deterministic job ids make the retry emit no duplicates. Each event is a
 * `process` span continuing the publisher's trace; each job carries the trace on.
 */
export class EventHandler {
  private readonly publisher: AckedPublisher;
  readonly stats: HandlerStats = { consumed: 0, matched: 0, jobs: 0, deadLettered: 0, failed: 0 };

  constructor(
    nc: NatsConnection,
    private readonly index: CallbackIndex,
    private readonly log: Logger,
    private readonly instance: string,
    private readonly tracing: NatsTracing,
    private readonly clock: () => Date = () => new Date(),
  ) {
    this.publisher = new AckedPublisher(nc);
  }

  private acks: JsMsg[] = [];

  close(): void {
    this.flushAcks();
    this.publisher.close();
  }

  /**
   * Acknowledgements leave together, once per macrotask, rather than one socket write each
   * (acks become due in bursts, as the stream's replies to job publishes arrive in bursts).
   */
  private ack(msg: JsMsg): void {
    if (this.acks.length === 0) setImmediate(() => this.flushAcks());
    this.acks.push(msg);
  }

  private flushAcks(): void {
    const due = this.acks;
    this.acks = [];
    for (const msg of due) msg.ack();
  }

  handle(msg: JsMsg): Promise<void> {
    return this.tracing.process(msg, SUBJECT_TEMPLATES.event, MATCHER_CONSUMER, (trace) => this.match(msg, trace));
  }

  private async match(msg: JsMsg, trace: MessageTrace): Promise<void> {
    this.stats.consumed++;
    const decoded = decodeEvent(msg.subject, msg.headers?.get(HEADERS.contentType) || undefined, msg.data);
    if (!decoded.ok) return this.deadLetter(msg, decoded.reason, trace);

    const { event } = decoded;
    try {
      const matched = matchEvent(
        event,
        toEvaluationInput(event),
        this.index.candidates(event.accountId, event.databaseId, event.collectionId),
      );
      trace.annotate({ 'callbacks.event.id': event.eventId, 'callbacks.event.matched_callbacks': matched.length });
      if (matched.length > 0) {
        this.stats.matched++;
        const jobs = new EventJobs(
          event,
          decoded.protobuf ?? ProfileEvent.encode(event).finish(),
          this.clock(),
          msg.seq,
        );
        await Promise.all(
          matched.map(({ callback, skipped }) =>
            this.publishJob(callback, jobs.job(callback, skipped), partitionOf(callback, event), trace),
          ),
        );
        this.stats.jobs += matched.length;
      }
      this.ack(msg);
    } catch (error) {
      this.stats.failed++;
      trace.end(error);
      this.log.warn(
        { err: error, event_id: event.eventId, redeliveries: msg.info.deliveryCount },
        'could not emit delivery jobs; the event will be retried',
      );
      msg.nak(Math.min(30_000, 1_000 * msg.info.deliveryCount));
    }
  }

  private publishJob(
    callback: Callback,
    job: EncodedJob,
    partition: OrderedPartition | undefined,
    trace: MessageTrace,
  ): Promise<unknown> {
    return publishDeliveryJob(
      this.publisher,
      trace,
      { deliveryId: job.deliveryId, accountId: callback.accountId, callbackId: callback.id, data: job.data, partition },
      { [MATCHED_BY_HEADER]: this.instance },
    );
  }

  private async deadLetter(msg: JsMsg, anyReason: string, trace: MessageTrace): Promise<void> {
    // The reason goes into a NATS header and a JetStream termination, where a line break is
    // refused (the dead letter would fail and the event come back forever); a decoder's message
    // may quote the body (JSON.parse does), a field name may hold one.
    const reason = anyReason.replace(/\p{Cc}+/gu, ' ');
    const h = natsHeaders();
    h.set(HEADERS.deadLetterReason, reason.slice(0, 4096));
    h.set(HEADERS.originalSubject, msg.subject);
    h.set(HEADERS.originalSequence, String(msg.seq));
    const contentType = msg.headers?.get(HEADERS.contentType);
    if (contentType) h.set(HEADERS.contentType, contentType);
    const msgId = `event-${msg.seq}`; // the original stream sequence: a redelivered bad event is dead-lettered once
    trace.annotate({ 'callbacks.event.dead_letter_reason': reason.slice(0, 256) });
    try {
      await trace.publish(
        { subject: SUBJECTS.deadLetterEvents, template: SUBJECT_TEMPLATES.deadLetterEvents, headers: h, msgId },
        () => this.publisher.publish(SUBJECTS.deadLetterEvents, msg.data, { msgId, headers: h }),
      );
      this.stats.deadLettered++;
      this.log.warn({ subject: msg.subject, seq: msg.seq, reason }, 'event dead-lettered');
      msg.term(reason.slice(0, 256));
    } catch (error) {
      this.stats.failed++;
      trace.end(error);
      this.log.error({ err: error, seq: msg.seq }, 'could not dead-letter an event; it will be retried');
      msg.nak(5_000);
    }
  }
}
