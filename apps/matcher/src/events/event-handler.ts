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
import { encodeMessage } from '@callbacks/proto/encode';
import type { MessageTrace, NatsTracing } from '@callbacks/telemetry';
import type { CallbackIndex, IndexedCallback } from '../callbacks/callback-index';
import { type EncodedJob, EventJobs } from '../matching/delivery-job';
import { type OrderedJob, OrderedJobsAbandoned, type OrderedLines } from '../ordering/ordered-lines';
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
 * it is retried, and the deterministic job ids make the retry emit no duplicates. Jobs of ordered
 * callbacks join their lines through OrderedLines, in event order across instances. Each event is a
 * `process` span continuing the publisher's trace; each job carries the trace on.
 */
export class EventHandler {
  private readonly publisher: AckedPublisher;
  readonly stats: HandlerStats = { consumed: 0, matched: 0, jobs: 0, deadLettered: 0, failed: 0 };
  /** Events whose ordered jobs wait for earlier events: kept from redelivery while they wait. */
  private readonly waitingInLine = new Set<JsMsg>();
  private readonly keepAlive: NodeJS.Timeout;

  constructor(
    nc: NatsConnection,
    private readonly index: CallbackIndex,
    private readonly lines: OrderedLines,
    private readonly log: Logger,
    private readonly instance: string,
    private readonly tracing: NatsTracing,
    options: { ackWaitMs: number },
    private readonly clock: () => Date = () => new Date(),
  ) {
    this.publisher = new AckedPublisher(nc);
    this.keepAlive = setInterval(
      () => {
        for (const msg of this.waitingInLine) msg.working();
      },
      Math.max(500, Math.floor(options.ackWaitMs / 3)),
    );
  }

  private acks: JsMsg[] = [];

  /**
   * Hands back the events whose ordered jobs still wait (for a stopping matcher: what they wait
   * for may be in the hands of another stopping instance); they are redelivered at once.
   */
  giveBackWaiting(): void {
    const waiting = this.waitingInLine.size;
    this.lines.abandon();
    if (waiting > 0) this.log.info({ events: waiting }, 'handed back events whose ordered jobs were waiting');
  }

  close(): void {
    clearInterval(this.keepAlive);
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

  /**
   * Handles one event; resolves when it is done with (acknowledged or handed back). `release`
   * is called once the event needs no handler slot any more: when only its ordered jobs are left,
   * waiting for earlier events (see OrderedLines), or when it is done.
   */
  handle(msg: JsMsg, release: () => void = () => undefined): Promise<void> {
    return this.tracing.process(msg, SUBJECT_TEMPLATES.event, MATCHER_CONSUMER, (trace) =>
      this.match(msg, trace, release),
    );
  }

  private async match(msg: JsMsg, trace: MessageTrace, release: () => void): Promise<void> {
    this.stats.consumed++;
    const decoded = decodeEvent(msg.subject, msg.headers?.get(HEADERS.contentType) || undefined, msg.data);
    if (!decoded.ok) {
      void this.lines.submit(msg.seq, []);
      return this.deadLetter(msg, decoded.reason, trace);
    }

    const { event } = decoded;
    try {
      const matched = matchEvent(
        event,
        toEvaluationInput(event),
        this.index.candidates(event.accountId, event.databaseId, event.collectionId),
      );
      trace.annotate({ 'callbacks.event.id': event.eventId, 'callbacks.event.matched_callbacks': matched.length });
      const unordered: Promise<unknown>[] = [];
      const ordered: OrderedJob[] = [];
      if (matched.length > 0) {
        this.stats.matched++;
        const jobs = new EventJobs(
          event,
          decoded.protobuf ?? encodeMessage(ProfileEvent, event),
          this.clock(),
          msg.seq,
        );
        for (const { callback, skipped } of matched) {
          const job = jobs.job(callback, skipped);
          const partition = partitionOf(callback, event);
          if (partition)
            ordered.push({
              line: SUBJECTS.orderedJob(partition),
              publish: () => this.publishJob(callback, job, partition, trace),
            });
          else unordered.push(this.publishJob(callback, job, undefined, trace));
        }
      }
      const stored = Promise.all([...unordered, this.lines.submit(msg.seq, ordered)]);
      if (ordered.length > 0) {
        // A slot is for this instance's own publishes; waiting for earlier events holds none, or
        // the events it waits for (maybe taken by this instance next) could never get one.
        await Promise.race([Promise.allSettled(unordered), stored]);
        this.waitingInLine.add(msg);
        release();
      }
      await stored;
      this.stats.jobs += matched.length;
      this.ack(msg);
    } catch (error) {
      if (error instanceof OrderedJobsAbandoned) {
        msg.nak();
        return;
      }
      this.stats.failed++;
      trace.end(error);
      this.log.warn(
        { err: error, event_id: event.eventId, redeliveries: msg.info.deliveryCount },
        'could not emit delivery jobs; the event will be retried',
      );
      msg.nak(Math.min(30_000, 1_000 * msg.info.deliveryCount));
    } finally {
      this.waitingInLine.delete(msg);
    }
  }

  private publishJob(
    callback: IndexedCallback,
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
